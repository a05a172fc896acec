//! Activating and deactivating without internet, through the vendor's customer portal (the
//! codes and their checks are keyturn-client's `air_gap`).

use keyturn_protocol::LicenseKey;
use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::{ActivateResult, LicenseView, OfflineRequestView};

/// Writes this computer's request code to a file (Downloads, else the app's data folder) and
/// answers the code, the file's path and where the portal is.
#[tauri::command]
pub fn offline_request<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<OfflineRequestView, CommandError> {
    let session = state.session()?;
    let code = session.offline_request();
    let paths = app.path();
    let dir = paths
        .download_dir()
        .or_else(|_| paths.app_data_dir())
        .map_err(|e| CommandError::Save(e.to_string()))?;
    std::fs::create_dir_all(&dir).map_err(|e| CommandError::Save(e.to_string()))?;
    let path = dir.join(format!("keyturn-offline-request-{}.txt", session.now()));
    std::fs::write(&path, format!("{code}\n")).map_err(|e| CommandError::Save(e.to_string()))?;
    Ok(OfflineRequestView {
        code,
        saved_to: path.display().to_string(),
        portal_url: format!("{}/portal", session.config.server_url.trim_end_matches('/')),
    })
}

/// Imports the portal's response code and keeps the activation with `key`.
#[tauri::command]
pub fn import_offline_response(
    state: State<'_, AppState>,
    key: String,
    response: String,
) -> Result<ActivateResult, CommandError> {
    let key = LicenseKey::parse(&key)?;
    let session = state.session()?;
    let activation = session.import_offline_response(&key, &response)?;
    state.renewal_wake.notify_one();
    Ok(ActivateResult::Activated {
        license: LicenseView::new(&activation.license, &session.device.name),
    })
}

/// Forgets the activation here and answers the code that frees the seat in the portal.
#[tauri::command]
pub fn deactivate_offline(state: State<'_, AppState>) -> Result<String, CommandError> {
    let code = state.session()?.deactivate_offline()?;
    state.renewal_wake.notify_one();
    Ok(code)
}
