//! Activating, the limit flow, the dashboard's status and Check now, deactivating.

use keyturn_client::flow::{ActivationOutcome, FlowStep};
use keyturn_client::Session;
use keyturn_protocol::LicenseKey;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::{machine_views, ActivateResult, ActivationStep, LicenseView, StatusView};

/// Event with each step of an activation, for the live status lines.
pub const STEP_EVENT: &str = "activation-step";
/// Event with every change of status (background renewal, Check now).
pub const STATUS_EVENT: &str = "license-status";

fn step_view(step: FlowStep) -> ActivationStep {
    match step {
        FlowStep::Validating => ActivationStep::Validating,
        FlowStep::Renewing => ActivationStep::Renewing,
        FlowStep::Activating => ActivationStep::Activating,
        FlowStep::Verifying => ActivationStep::Verifying,
    }
}

fn emit_step<R: Runtime>(app: &AppHandle<R>) -> impl FnMut(FlowStep) + '_ {
    move |step| {
        let _ = app.emit(STEP_EVENT, step_view(step));
    }
}

fn shape(outcome: ActivationOutcome, session: &Session) -> ActivateResult {
    let device = session.device_name();
    match outcome {
        ActivationOutcome::Activated(activation) => ActivateResult::Activated {
            license: LicenseView::new(&activation.license, &device),
        },
        ActivationOutcome::LimitReached { license, machines } => ActivateResult::LimitReached {
            license: LicenseView::new(&license, &device),
            machines: machine_views(&machines),
        },
    }
}

/// The stored activation, checked offline: no network.
pub fn current_status(session: &Session) -> Result<StatusView, CommandError> {
    Ok(StatusView::from_local(session.status(), &session.device_name())?)
}

#[tauri::command]
pub fn status(state: State<'_, AppState>) -> Result<StatusView, CommandError> {
    current_status(state.session()?)
}

/// Activates this device with the typed key. A malformed key fails before any network call.
#[tauri::command]
pub async fn activate<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    key: String,
) -> Result<ActivateResult, CommandError> {
    let key = LicenseKey::parse(&key)?;
    let session = state.session()?;
    let outcome = session.activate(&key, emit_step(&app)).await?;
    state.renewal_wake.notify_one();
    Ok(shape(outcome, session))
}

/// Starts this computer's free trial (one per computer) and keeps it like an activation.
#[tauri::command]
pub async fn start_trial<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<ActivateResult, CommandError> {
    let session = state.session()?;
    let outcome = session.start_trial(emit_step(&app)).await?;
    state.renewal_wake.notify_one();
    Ok(shape(outcome, session))
}

/// The key of the activation link that opened (or reached) the app, once; `None` without one.
#[tauri::command]
pub fn take_link(state: State<'_, AppState>) -> Option<String> {
    state.link.take()
}

/// After the limit was hit: frees `machine_id` with the same key, then activates this device.
#[tauri::command]
pub async fn free_and_activate<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    key: String,
    machine_id: String,
) -> Result<ActivateResult, CommandError> {
    let key = LicenseKey::parse(&key)?;
    let session = state.session()?;
    let _ = app.emit(STEP_EVENT, ActivationStep::Freeing);
    let outcome = session.free_and_activate(&key, &machine_id, emit_step(&app)).await?;
    state.renewal_wake.notify_one();
    Ok(shape(outcome, session))
}

/// "Check now": renews at once and answers the new status (also sent as an event).
#[tauri::command]
pub async fn check_now<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> Result<StatusView, CommandError> {
    let session = state.session()?;
    session.sync_now().await?;
    state.renewal_wake.notify_one();
    let status = current_status(session)?;
    let _ = app.emit(STATUS_EVENT, &status);
    Ok(status)
}

/// Frees this computer's seat on the server and forgets the activation and the key.
#[tauri::command]
pub async fn deactivate(state: State<'_, AppState>) -> Result<(), CommandError> {
    state.session()?.deactivate_this(true).await?;
    state.renewal_wake.notify_one();
    Ok(())
}
