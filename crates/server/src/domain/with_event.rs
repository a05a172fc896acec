//! An event written in the transaction of the change it records, so the change and its event
//! (and the webhook deliveries of the event, [`super::webhooks`]) are committed together or not
//! at all: no crash between them loses the event.
//!
//! The caller describes the event for either outcome ([`Describe`]); the store's path for
//! changes (SQLite `Db::write_noted`, PostgreSQL `in_tx!(noted …)`) takes the description from
//! the [`Slot`] and appends the event inside the change's transaction, or, when the change was
//! refused, the refusal's event right after rolling the change back. The slot travels with the
//! request's task (`crate::events::with_event`), so the store contract keeps its signatures.

use super::errors::ApiError;
use super::events::Event;
use std::any::Any;
use std::sync::{Arc, Mutex};

/// What to log for the change's outcome (the answer, type-erased, or its error); `None`: nothing.
pub type Describe = Box<dyn FnOnce(Result<&dyn Any, &ApiError>) -> Option<Event> + Send>;

/// Holds the description until a store path (or, failing that, the caller) uses it.
pub type Slot = Arc<Mutex<Option<Describe>>>;

/// The event for this outcome, taking the description out of the slot (once).
pub fn describe(slot: Option<&Slot>, outcome: Result<&dyn Any, &ApiError>) -> Option<Event> {
    let describe = slot?.lock().unwrap_or_else(|p| p.into_inner()).take()?;
    describe(outcome)
}

/// Wraps a typed description: `T` is the change's answer.
pub fn erase<T: 'static>(f: impl FnOnce(Result<&T, &ApiError>) -> Option<Event> + Send + 'static) -> Describe {
    Box::new(move |outcome| match outcome {
        Ok(any) => f(Ok(any.downcast_ref::<T>()?)),
        Err(e) => f(Err(e)),
    })
}
