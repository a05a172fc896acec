//! The event log's rules for every store: append, read a page newest first, prune.

use super::errors::ApiResult;
use super::events::{Event, EventPage, EventQuery};
use super::tx::Tx;

/// One page of the log, newest first (both stores: the rule for page size and cursor).
pub async fn page(tx: &mut impl Tx, query: &EventQuery) -> ApiResult<EventPage> {
    let limit = query.page_size()?;
    let events = tx.events(query, limit).await?;
    let next_before = if events.len() == limit as usize {
        events.last().map(|e| e.id)
    } else {
        None
    };
    Ok(EventPage { events, next_before })
}

/// Appends events (a refused key's license is found by its hash, which is not stored). Webhook
/// endpoints take them from the log later ([`crate::domain::webhooks::intake`]).
pub async fn append(tx: &mut impl Tx, events: &[Event]) -> ApiResult<()> {
    tx.insert_events(events).await?;
    // Counted here, where every event is written (in a change's transaction or the background
    // log), so /metrics counts each once whichever path wrote it.
    for event in events {
        crate::ops::metrics::event(&event.action, &event.outcome);
    }
    Ok(())
}

/// Removes up to `limit` of the oldest events dated before `before`; how many went.
pub async fn prune(tx: &mut impl Tx, before: i64, limit: u32) -> ApiResult<u64> {
    tx.delete_events_before(before, limit).await
}
