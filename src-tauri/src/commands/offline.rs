//! Activating and deactivating without internet, through the vendor's customer portal (the
//! codes and their checks are keyturn-client's `air_gap`).

use keyturn_protocol::LicenseKey;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::{ActivateResult, LicenseView, OfflineRequestView};

/// This computer's request code and where the portal is (nothing is written: the user saves the
/// code with [`save_offline_request`] where they choose, or copies it).
#[tauri::command]
pub fn offline_request(state: State<'_, AppState>) -> Result<OfflineRequestView, CommandError> {
    let session = state.session()?;
    Ok(OfflineRequestView {
        code: session.offline_request(),
        portal_url: portal_url(&session.config.server_url),
    })
}

/// The vendor's customer portal on its license server.
pub fn portal_url(server_url: &str) -> String {
    format!("{}/portal", server_url.trim_end_matches('/'))
}

/// A file dialog that starts in Downloads (else the home folder), where people look first.
fn file_dialog<R: Runtime>(app: &AppHandle<R>) -> tauri_plugin_dialog::FileDialogBuilder<R> {
    let paths = app.path();
    let dialog = app.dialog().file();
    match paths.download_dir().or_else(|_| paths.home_dir()) {
        Ok(dir) => dialog.set_directory(dir),
        Err(_) => dialog,
    }
}

/// A response file is a few hundred bytes; anything far larger is not one.
const MAX_RESPONSE_FILE: u64 = 64 * 1024;

/// Asks where to save the request code (the system's save dialog, titled `title` in the UI's
/// language) and writes it there; answers the path, or `None` when the user cancelled.
#[tauri::command]
pub async fn save_offline_request<R: Runtime>(
    app: AppHandle<R>,
    code: String,
    title: String,
) -> Result<Option<String>, CommandError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    file_dialog(&app)
        .set_title(title)
        .set_file_name("keyturn-offline-request.txt")
        .add_filter("Text", &["txt"])
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path.into_path().map_err(|e| CommandError::Save(e.to_string()))?;
    std::fs::write(&path, format!("{}\n", code.trim())).map_err(|e| CommandError::Save(e.to_string()))?;
    Ok(Some(path.display().to_string()))
}

/// Asks for the portal's response file (the system's open dialog) and answers its text, or `None`
/// when the user cancelled. Import checks the text like a pasted one.
#[tauri::command]
pub async fn open_offline_response<R: Runtime>(
    app: AppHandle<R>,
    title: String,
) -> Result<Option<String>, CommandError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    file_dialog(&app)
        .set_title(title)
        .add_filter("Text", &["txt"])
        .pick_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path.into_path().map_err(|e| CommandError::Save(e.to_string()))?;
    let too_large = std::fs::metadata(&path).is_ok_and(|m| m.len() > MAX_RESPONSE_FILE);
    if too_large {
        return Err(CommandError::Flow(keyturn_client::FlowError::OfflineCode(
            keyturn_protocol::offline::OfflineCodeError::TooLong,
        )));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| CommandError::Save(e.to_string()))?;
    Ok(Some(text))
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
        license: LicenseView::new(&activation.license, &session.device_name()),
    })
}

/// Forgets the activation here and answers the code that frees the seat in the portal.
#[tauri::command]
pub fn deactivate_offline(state: State<'_, AppState>) -> Result<String, CommandError> {
    let code = state.session()?.deactivate_offline()?;
    state.renewal_wake.notify_one();
    Ok(code)
}
