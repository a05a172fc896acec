//! The app's look at changes made elsewhere: the command line and programs using the C library
//! change the license through the same state file (keyturn_client::state_file; every activation,
//! deactivation and sync writes it). When the file changes, the app checks the status afresh and
//! tells the UI through the status event, so the window shows what another program did, and
//! nothing the app holds in memory can undo it (the app keeps no copy of the state).

use keyturn_client::Session;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::Notify;

use crate::commands::license::{current_status, STATUS_EVENT};

/// How often the state file's size and time are looked at: one `stat` a second costs nothing
/// and needs no file-watching service (which network and container file systems lack).
const LOOK_EVERY: Duration = Duration::from_secs(1);

/// What a look compares: the file's modification time and size (`None`: no file).
fn fingerprint(path: &PathBuf) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Also wakes the renewal task (`wake`): an activation made elsewhere has its own renewal time.
pub fn spawn<R: Runtime>(app: AppHandle<R>, session: Arc<Session>, wake: Arc<Notify>, state_file: PathBuf) {
    tauri::async_runtime::spawn(async move {
        let mut seen = fingerprint(&state_file);
        let mut ticks = tokio::time::interval(LOOK_EVERY);
        loop {
            ticks.tick().await;
            let now = fingerprint(&state_file);
            if now == seen {
                continue;
            }
            wake.notify_one();
            if let Ok(status) = current_status(&session) {
                let _ = app.emit(STATUS_EVENT, &status);
            }
            // The check itself moves "last seen" forward (a write): take that as seen too.
            seen = fingerprint(&state_file);
        }
    });
}
