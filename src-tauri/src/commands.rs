//! Tauri commands: each one parses its input, calls keyturn-client and shapes a view.

use keyturn_client::{activate_device, ActivationOutcome};
use keyturn_protocol::LicenseKey;
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::{ActivateResult, AppInfo, LicenseView, MachineView};

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    let config = &state.config;
    AppInfo {
        product_name: config.product_name.clone(),
        support_url: config.support_url.clone(),
        renew_url: config.renew_url.clone(),
        accent_color: config.accent_color.clone(),
    }
}

/// Activates this device with the typed key. A malformed key fails before any network call.
#[tauri::command]
pub async fn activate(state: State<'_, AppState>, key: String) -> Result<ActivateResult, CommandError> {
    let key = LicenseKey::parse(&key)?;
    let device = state.device()?;
    let outcome = activate_device(&state.api, &state.config, &key, device).await?;
    Ok(match outcome {
        ActivationOutcome::Activated(activation) => {
            ActivateResult::Activated { license: LicenseView::new(&activation.license, &device.name) }
        }
        ActivationOutcome::LimitReached { license, machines } => ActivateResult::LimitReached {
            license: LicenseView::new(&license, &device.name),
            machines: machines.iter().map(MachineView::from).collect(),
        },
    })
}
