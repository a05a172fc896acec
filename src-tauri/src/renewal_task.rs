//! The background renewal task: sleeps until the next renewal is due (or until the activation
//! changes), renews with the client's backoff, and tells the UI through the status event.

use keyturn_client::Session;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::Notify;

use crate::commands::license::{current_status, STATUS_EVENT};

/// How long to sleep at most between looks (also when nothing is scheduled).
const MAX_WAIT_SECS: i64 = 3600;

pub fn spawn<R: Runtime>(app: AppHandle<R>, session: Arc<Session>, wake: Arc<Notify>) {
    tauri::async_runtime::spawn(async move {
        // The stored activation checked once first: a state that was lost is rebuilt from the
        // token then, with a renewal due at once (keyturn_client::local::check_local).
        let _ = session.status();
        loop {
            let wait = match session.next_renewal_at() {
                Ok(Some(at)) => (at - session.now()).clamp(0, MAX_WAIT_SECS),
                _ => MAX_WAIT_SECS,
            };
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(wait as u64)) => {}
                _ = wake.notified() => continue,
            }
            if let Ok(Some(_)) = session.renew_if_due().await {
                if let Ok(status) = current_status(&session) {
                    let _ = app.emit(STATUS_EVENT, &status);
                }
            }
        }
    });
}
