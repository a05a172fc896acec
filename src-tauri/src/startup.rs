//! Start-up: read the vendor config (the file named by `KEYTURN_CONFIG`, else the `vendor.json`
//! compiled into this build), detect this device, and open the session on the OS keychain and
//! the plugin store.

use keyturn_client::clock::SystemClock;
use keyturn_client::{Device, KeychainSecrets, Session, VendorConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;

use crate::error::CommandError;
use crate::state::{AppState, StartupError};
use crate::state_store::PluginStateStore;
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
        .unwrap_or_else(|| crate::state_store::FILE.into())
}

fn open_session<R: Runtime>(
    app: &AppHandle<R>,
    config: VendorConfig,
    state_file: &Path,
) -> Result<Session, StartupError> {
    let fail = |e: CommandError| StartupError {
        code: e.code(),
        message: e.to_string(),
    };
    let device = Device::detect(&config.product_id, &config.fingerprint_env).map_err(|e| fail(e.into()))?;
    let secrets = KeychainSecrets::new(&config.product_id).map_err(|e| fail(e.into()))?;
    let store = open_store(app, state_file)?;
    Session::new(
        config,
        device,
        Arc::new(secrets),
        Arc::new(PluginStateStore(store)),
        Arc::new(SystemClock),
    )
    .map_err(|e| fail(e.into()))
}

/// The plugin store on the state file. tauri-plugin-store starts empty over a file it cannot
/// read and overwrites it at the next save, so a damaged file (not JSON) is first set aside as
/// `state.json.damaged`, for support. The key and token in the keychain still count, and the
/// check at start rebuilds the state from the token (keyturn_client::local::check_local).
fn open_store<R: Runtime>(
    app: &AppHandle<R>,
    state_file: &Path,
) -> Result<Arc<tauri_plugin_store::Store<R>>, StartupError> {
    keyturn_client::state_file::set_aside_if_damaged(state_file);
    app.store(state_file).map_err(|e| StartupError {
        code: ErrorCode::StorageCorrupt,
        message: format!("{}: {e}", state_file.display()),
    })
}

/// The app's state; failures are kept and shown by the UI rather than ending the app.
pub fn app_state<R: Runtime>(app: &AppHandle<R>, setup: Setup) -> AppState {
    match setup.config {
        Ok(config) => {
            let session = open_session(app, config.clone(), &setup.state_file).map(Arc::new);
            AppState::new(Some(config), session)
        }
        Err(e) => AppState::new(None, Err(e)),
    }
}
