//! Keeping the event log to a number of days: `keyturn-server prune-events` (e.g. from cron)
//! and `serve --keep-events-days N` (at start, then every hour).

use crate::clock::Clock;
use crate::domain::errors::ApiResult;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Events removed per transaction: short enough that activations never wait long behind it.
const BATCH: u32 = 10_000;
/// How often the server prunes.
const EVERY: Duration = Duration::from_secs(3600);

pub fn cutoff(now: i64, days: u32) -> i64 {
    now - i64::from(days) * 86_400
}

/// Removes every event dated before `before`, a batch per transaction; answers how many went.
pub async fn prune(store: &dyn Store, before: i64) -> ApiResult<u64> {
    let mut removed = 0;
    loop {
        let batch = store.prune_events(before, BATCH).await?;
        removed += batch;
        if batch < u64::from(BATCH) {
            return Ok(removed);
        }
    }
}

/// The server's retention task: prunes what is older than `days` now and every hour after.
pub fn start(store: Arc<dyn Store>, clock: Arc<Clock>, days: u32) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            ticks.tick().await;
            match prune(store.as_ref(), cutoff(clock.now(), days)).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, days, "old events removed"),
                Err(e) => tracing::warn!(error = %e, "could not remove old events"),
            }
        }
    });
}
