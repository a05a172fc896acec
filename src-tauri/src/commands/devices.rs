//! Manage devices: the machines bound to the stored license, and freeing one of them.

use keyturn_client::FlowError;
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::MachinesView;

/// A page of the devices: the first one, or the one after the cursor `after` (a page's `next`).
#[tauri::command]
pub async fn machines(state: State<'_, AppState>, after: Option<String>) -> Result<MachinesView, CommandError> {
    let session = state.session()?;
    let response = session.machines_after(after.as_deref()).await?;
    Ok(MachinesView::new(&response, &session.device_name()))
}

/// Frees another device's seat with the stored key; answers the list as it is now.
#[tauri::command]
pub async fn remove_machine(state: State<'_, AppState>, machine_id: String) -> Result<MachinesView, CommandError> {
    let session = state.session()?;
    let key = session.stored_key()?.ok_or(FlowError::NotActivated)?;
    session.api.deactivate(&key, &machine_id).await?;
    let response = session.machines().await?;
    Ok(MachinesView::new(&response, &session.device_name()))
}

/// "Rename this computer": the name this device shows in every list (here, the portal and the
/// console); answers the list as it is now.
#[tauri::command]
pub async fn rename_this_computer(state: State<'_, AppState>, name: String) -> Result<MachinesView, CommandError> {
    let session = state.session()?;
    session.rename_this(&name).await?;
    let response = session.machines().await?;
    Ok(MachinesView::new(&response, &session.device_name()))
}
