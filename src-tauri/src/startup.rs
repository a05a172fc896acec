//! Start-up: read the vendor config (the file named by `KEYTURN_CONFIG`, else the `vendor.json`
//! compiled into this build), detect this device, and open the session on the OS keychain and
//! the state file. The license state is keyturn-client's alone (`FileStateStore`: read afresh at
//! each look, changed under a file lock), shared with the command line and the C library;
//! tauri-plugin-store keeps only what is the app's own (UI preferences).

use keyturn_client::clock::SystemClock;
use keyturn_client::{Device, FileStateStore, KeychainSecrets, Session, VendorConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::CommandError;
use crate::state::{AppState, StartupError};
use crate::Setup;
use keyturn_client::ErrorCode;

/// Environment variable naming a vendor config file that replaces the built-in one.
pub const CONFIG_ENV: &str = "KEYTURN_CONFIG";

/// The vendor config compiled into this build: `src-tauri/vendor.json`, or the file named by
/// `KEYTURN_BUILD_CONFIG` when it was built (see build.rs; `scripts/package.sh` uses it).
pub const EMBEDDED_CONFIG: &str = include_str!(concat!(env!("OUT_DIR"), "/vendor.json"));

pub fn load_config() -> Result<VendorConfig, StartupError> {
    let config = match std::env::var_os(CONFIG_ENV) {
        Some(path) => {
            let path = PathBuf::from(path);
            VendorConfig::load(&path).map_err(|e| format!("vendor config {}: {e}", path.display()))
        }
        None => VendorConfig::from_json(EMBEDDED_CONFIG).map_err(|e| format!("built-in vendor config: {e}")),
    };
    config.map_err(|message| StartupError {
        code: ErrorCode::Config,
        message,
    })
}

/// The app's state file: the one the command line and host programs read
/// (`keyturn_client::state_file::state_path`); without a usable config, `state.json` in the app's
/// data folder.
pub fn state_file(config: &Result<VendorConfig, StartupError>) -> PathBuf {
    config
        .as_ref()
        .ok()
        .and_then(|c| keyturn_client::state_file::state_path(&c.identifier).ok())
        .unwrap_or_else(|| keyturn_client::state_file::STATE_FILE.into())
}

fn open_session(config: VendorConfig, state_file: &Path) -> Result<Session, StartupError> {
    let fail = |e: CommandError| StartupError {
        code: e.code(),
        message: e.to_string(),
    };
    let device = Device::detect(&config.product_id, &config.fingerprint_env).map_err(|e| fail(e.into()))?;
    let secrets = KeychainSecrets::new(&config.product_id).map_err(|e| fail(e.into()))?;
    Session::new(
        config,
        device,
        Arc::new(secrets),
        Arc::new(FileStateStore::new(state_file)),
        Arc::new(SystemClock),
    )
    .map_err(|e| fail(e.into()))
}

/// The app's state; failures are kept and shown by the UI rather than ending the app.
pub fn app_state(setup: Setup) -> AppState {
    let seat_file = setup.state_file.with_file_name(keyturn_client::seat_guard::SEAT_FILE);
    let mut state = app_state_of(setup);
    state.seat_file = Some(seat_file);
    state
}

fn app_state_of(setup: Setup) -> AppState {
    match setup.config {
        Ok(config) => {
            let session = open_session(config.clone(), &setup.state_file).map(Arc::new);
            AppState::new(Some(config), session)
        }
        Err(e) => AppState::new(None, Err(e)),
    }
}
