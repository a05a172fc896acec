//! Running a change with its event ([`crate::domain::with_event`]): [`change`] puts the event's
//! description where the store's change path finds it ([`slot`], a task-local of the request),
//! so the store writes the event in the change's transaction. A store path that does not take
//! it (a change without `write_noted`) leaves it, and the event goes to the background log
//! ([`super::EventLog`]) as before.

use super::{Event, EventLog};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::with_event::{erase, Slot};
use std::future::Future;
use std::sync::{Arc, Mutex};

tokio::task_local! {
    static SLOT: Slot;
}

/// The description waiting for the change this task runs (store side).
pub fn slot() -> Option<Slot> {
    SLOT.try_with(Slot::clone).ok()
}

/// Runs `change` (one store call) so that its event, `describe(outcome)`, is written with it;
/// records the event in the background log when the store's path did not write it.
pub async fn change<T: 'static>(
    log: &EventLog,
    describe: impl FnOnce(Result<&T, &ApiError>) -> Option<Event> + Send + 'static,
    change: impl Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    let (result, left) = run(describe, change).await;
    if let Some(event) = left {
        log.record(event);
    }
    result
}

/// Runs `change` with its event's description; answers the result and the event when the
/// store's path did not write it.
pub async fn run<T: 'static>(
    describe: impl FnOnce(Result<&T, &ApiError>) -> Option<Event> + Send + 'static,
    change: impl Future<Output = ApiResult<T>>,
) -> (ApiResult<T>, Option<Event>) {
    let slot: Slot = Arc::new(Mutex::new(Some(erase(describe))));
    let result = SLOT.scope(slot.clone(), change).await;
    let outcome = result.as_ref().map(|v| v as &dyn std::any::Any);
    let left = crate::domain::with_event::describe(Some(&slot), outcome);
    (result, left)
}
