//! One replica among several on one database: validate answered from memory while no replica
//! changed anything ([`changes`] tells this one of every commit), and the other replicas told of
//! this one's changes (`settle`) or heard on request (`hear_changes`).

use super::{changes, rows, PgStore};
use crate::domain::client;
use crate::domain::errors::{ApiError, ApiResult};
use keyturn_protocol::wire::ValidateResponse;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A read and when it was made (served for at most [`changes::MAX_AGE_MS`]).
pub(super) struct Timed<T> {
    at: Instant,
    value: T,
}

impl PgStore {
    /// [`crate::store::contract::Store::validate`]: a read kept from before is served while the
    /// changes version it was made under is still current and it is young enough.
    pub(super) async fn cached_validate(
        &self,
        now: i64,
        key_hash: String,
        fingerprint: String,
    ) -> ApiResult<ValidateResponse> {
        // The version before the read: a change committed meanwhile moves it, and what this
        // read found is then never served.
        let version = self.changes.version();
        let kept = version.and_then(|v| self.validate_cache.get(&v, &key_hash, &fingerprint));
        if let Some(kept) = kept.filter(|k| k.at.elapsed().as_millis() < u128::from(changes::MAX_AGE_MS)) {
            return client::validate(Some(&kept.value), now);
        }
        let at = Instant::now();
        let client = self.client().await?;
        let view = rows::validate_view(&client, &key_hash, &fingerprint).await?;
        let answer = client::validate(view.as_ref(), now);
        if let (Some(version), Some(value)) = (version, view) {
            let read = Arc::new(Timed { at, value });
            self.validate_cache.put(version, key_hash, fingerprint, read);
        }
        answer
    }

    /// [`crate::store::contract::Store::settle`]: the other replicas told of this one's changes
    /// (a warning, not an error, when they cannot be: they see it within the cache's age).
    pub(super) async fn tell_replicas(&self) -> ApiResult<()> {
        if !self.changes.settle(Duration::from_secs(2)).await {
            tracing::warn!(
                "could not tell the other servers of this change; they see it within {} ms",
                changes::MAX_AGE_MS
            );
        }
        Ok(())
    }

    /// [`crate::store::contract::Store::hear_changes`]: answered once every change committed
    /// elsewhere is heard.
    pub(super) async fn hear_replicas(&self) -> ApiResult<()> {
        if self.changes.sync(Duration::from_secs(2)).await {
            Ok(())
        } else {
            Err(ApiError::Internal(
                "the connection that hears of changes is down".into(),
            ))
        }
    }
}
