//! Support: the diagnostics report, shown, copied and saved. Never a key, token or raw value.

use tauri::{AppHandle, Manager, Runtime, State};

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::{AppInfo, DiagnosticsView, SeenErrorView};
use crate::{diagnostics, language};

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let config = state.config.as_ref();
    AppInfo {
        product_name: config.map_or_else(|| "Keyturn".to_string(), |c| c.product_name.clone()),
        support_url: config.and_then(|c| c.support_url.clone()),
        renew_url: config.and_then(|c| c.renew_url.clone()),
        accent_color: config.and_then(|c| c.accent_color.clone()),
        logo: config.and_then(|c| c.logo.clone()),
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        trial: config.is_some_and(|c| c.trial),
        language: language::pick(
            config.and_then(|c| c.language.as_deref()),
            language::os_locale().as_deref(),
        )
        .to_string(),
        portal_url: config.map(|c| super::offline::portal_url(&c.server_url)),
    }
}

#[tauri::command]
pub async fn diagnostics(
    state: State<'_, AppState>,
    seen: Vec<SeenErrorView>,
) -> Result<DiagnosticsView, CommandError> {
    Ok(DiagnosticsView {
        text: diagnostics::report(&state, &seen).await,
    })
}

/// Saves the report as a text file (Downloads, else the app's data folder); answers its path.
#[tauri::command]
pub async fn save_diagnostics<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    seen: Vec<SeenErrorView>,
) -> Result<String, CommandError> {
    let text = diagnostics::report(&state, &seen).await;
    let paths = app.path();
    let dir = paths
        .download_dir()
        .or_else(|_| paths.app_data_dir())
        .map_err(|e| CommandError::Save(e.to_string()))?;
    std::fs::create_dir_all(&dir).map_err(|e| CommandError::Save(e.to_string()))?;
    let path = dir.join(format!("keyturn-diagnostics-{}.txt", keyturn_client::flow::now()));
    std::fs::write(&path, text).map_err(|e| CommandError::Save(e.to_string()))?;
    Ok(path.display().to_string())
}
