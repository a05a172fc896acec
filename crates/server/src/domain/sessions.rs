//! Console and portal sign-ins kept in the store, so a restart keeps people signed in and every
//! replica serves every session. Rows past their expiry never count and go at the next sign-in.

use super::errors::ApiResult;
use super::model::StoredSession;
use super::tx::Tx;

/// Keeps a new session and drops the expired ones.
pub async fn put(tx: &mut impl Tx, session: &StoredSession, now: i64) -> ApiResult<()> {
    tx.delete_sessions_expired(now).await?;
    tx.insert_session(session).await
}

/// The live session of this kind with this id hash.
pub async fn get(tx: &mut impl Tx, kind: &str, id_hash: &str, now: i64) -> ApiResult<Option<StoredSession>> {
    tx.session(kind, id_hash, now).await
}

/// Ends a session (sign-out), everywhere at once.
pub async fn end(tx: &mut impl Tx, kind: &str, id_hash: &str) -> ApiResult<()> {
    tx.delete_session(kind, id_hash).await
}
