//! What the commands share: the vendor's branding and the licensing session (or why there is
//! none: a broken vendor config or an invalid fingerprint override is shown, not a crash).

use keyturn_client::{Session, VendorConfig};
use std::sync::Arc;
use tokio::sync::Notify;

use crate::error::CommandError;

pub struct AppState {
    pub config: Option<VendorConfig>,
    session: Result<Arc<Session>, StartupError>,
    /// Wakes the background renewal task when the activation changes.
    pub renewal_wake: Arc<Notify>,
    /// The key of an activation link, until the UI takes it.
    pub link: crate::links::PendingLink,
    /// The floating seat the app keeps while it runs (released when dropped).
    pub seat: std::sync::Mutex<Option<keyturn_client::seat_guard::SeatGuard>>,
    /// Where the seat is written for other processes: next to the state file.
    pub seat_file: Option<std::path::PathBuf>,
}

/// Why no session could be made at start-up, kept to answer every command with it.
#[derive(Debug, Clone)]
pub struct StartupError {
    pub code: keyturn_client::ErrorCode,
    pub message: String,
}

impl AppState {
    pub fn new(config: Option<VendorConfig>, session: Result<Arc<Session>, StartupError>) -> Self {
        AppState {
            config,
            session,
            renewal_wake: Arc::new(Notify::new()),
            link: Default::default(),
            seat: Default::default(),
            seat_file: None,
        }
    }

    pub fn session(&self) -> Result<&Arc<Session>, CommandError> {
        self.session.as_ref().map_err(|e| CommandError::Startup(e.clone()))
    }
}
