//! How events enter an endpoint's queue: each endpoint keeps a cursor in the event log (the id
//! of the last event it took), and a claim takes the events after it ([`take_new`]). A change
//! writes nothing for webhooks (its event, committed with it, is all a delivery needs: nothing
//! is lost to a crash), so subscribing endpoints costs the server's changes nothing; the worker
//! turns events into deliveries in batches, beside them.
//!
//! Events are taken in id order, and a store answers only events after which no smaller id can
//! still commit ([`WebhookTx::settled_events`]): so nothing ever commits behind a cursor, an
//! event whose change began after another change committed comes after it, and one license's
//! events (appended under its lock) come in the order they were made.

use super::WebhookTx;
use crate::domain::errors::ApiResult;

/// Events read after a cursor per claim (the rest wait for the next claim).
pub const TAKE: u32 = 1024;

/// An event after a cursor: its id and its type's parts.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: i64,
    pub action: String,
    pub outcome: String,
}

/// What a store found after an endpoint's cursor.
#[derive(Debug, Clone, Default)]
pub struct Settled {
    /// The events, in id order.
    pub events: Vec<LogEntry>,
    /// How far the cursor may move: past these events and any ids between them that will never
    /// be an event (none: it stays).
    pub through: Option<i64>,
}

/// An event's type as endpoints subscribe to it: its action when it succeeded,
/// `ACTION.refused` when it was refused.
pub fn type_of(action: &str, outcome: &str) -> String {
    if outcome == crate::domain::events::OK {
        action.to_string()
    } else {
        format!("{action}.refused")
    }
}

/// Whether an endpoint subscribed to `types` wants an event of `event_type`.
pub fn wants(types: &[String], event_type: &str) -> bool {
    types.iter().any(|t| t == "*" || t == event_type)
}

/// Takes the settled events after the endpoint's cursor into its queue (pending deliveries
/// numbered on from its highest sequence, in id order, for the types it subscribed to) and moves
/// the cursor past them; how many deliveries it queued.
pub async fn take_new(tx: &mut impl WebhookTx, endpoint: &str, types: &[String], now: i64) -> ApiResult<usize> {
    let found = tx.settled_events(endpoint, TAKE).await?;
    let Some(through) = found.through else {
        return Ok(0);
    };
    let wanted: Vec<i64> = found
        .events
        .iter()
        .filter(|e| wants(types, &type_of(&e.action, &e.outcome)))
        .map(|e| e.id)
        .collect();
    tx.queue_events(endpoint, &wanted, through, now).await?;
    Ok(wanted.len())
}
