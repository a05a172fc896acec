//! The `sessions` table in SQLite (the rules: [`crate::domain::sessions`]).

use crate::domain::model::StoredSession;
use rusqlite::{params, Connection};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
"#;

pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// The session of this kind and id hash expiring after `now`.
pub fn get(conn: &Connection, kind: &str, id_hash: &str, now: i64) -> rusqlite::Result<StoredSession> {
    conn.prepare_cached(
        "SELECT csrf, data, expires_at FROM sessions WHERE id_hash = ?1 AND kind = ?2 AND expires_at > ?3",
    )?
    .query_row(params![id_hash, kind, now], |r| {
        Ok(StoredSession {
            kind: kind.to_owned(),
            id_hash: id_hash.to_owned(),
            csrf: r.get(0)?,
            data: r.get(1)?,
            expires_at: r.get(2)?,
        })
    })
}
