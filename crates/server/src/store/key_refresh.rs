//! Every running server takes in a promoted or retired signing key by itself: each
//! [`REFRESH_EVERY`] it reads the small `signing_keys` table ([`Store::refresh_signing_keys`],
//! the same on both stores) and, when a key's state changed, signs and checks with the new set
//! from its next request. A periodic read rather than PostgreSQL's change feed: one rule for
//! SQLite (several processes on one file) and PostgreSQL (replicas), and a key change is rare
//! and may take a few seconds to reach every server.

use super::Store;
use crate::domain::signing_keys::REFRESH_EVERY;
use keyturn_protocol::token::key_id;
use std::sync::Arc;

pub fn start(store: Arc<dyn Store>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(REFRESH_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match store.refresh_signing_keys().await {
                Ok(true) => {
                    let kid = key_id(&store.secrets().keys().signing_key.verifying_key());
                    tracing::info!(%kid, "signing keys changed in the database: new tokens are signed with this key");
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the signing keys; keeping the current ones"),
            }
        }
    });
}
