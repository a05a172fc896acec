//! The event log's recorder and retention: [`EventLog`] batches the server's events into the
//! store without blocking requests ([`sink`]); [`retention`] removes events older than a number
//! of days (CLI and `serve`). What an event is: [`crate::domain::events`].

pub mod delivery;
pub mod retention;
pub mod sink;
pub mod with_event;

pub use crate::domain::events::{expiry_detail, fingerprint_detail, Event, EventPage, EventQuery, StoredEvent, OK};
pub use sink::EventLog;
