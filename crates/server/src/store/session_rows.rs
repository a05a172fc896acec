//! The `sessions` table on SQLite (console and portal sign-ins; the PostgreSQL twin is
//! `store::postgres::sessions`). A session is found by the SHA-256 of its cookie's id, so the
//! table holds no cookie that works; rows past their expiry are ignored and removed on the next
//! sign-in.

use crate::errors::ApiResult;
use rusqlite::{params, Connection, OptionalExtension};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    csrf TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
"#;

/// One signed-in browser: `kind` is the cookie's name (console or portal), `data` JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub kind: String,
    pub id_hash: String,
    pub csrf: String,
    pub data: String,
    pub expires_at: i64,
}

pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// Keeps a new session and drops the expired ones.
pub fn put(conn: &Connection, s: &StoredSession, now: i64) -> ApiResult<()> {
    conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
    conn.execute(
        "INSERT INTO sessions (id_hash, kind, csrf, data, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![s.id_hash, s.kind, s.csrf, s.data, s.expires_at],
    )?;
    Ok(())
}

/// The live session of this kind with this id hash.
pub fn get(conn: &Connection, kind: &str, id_hash: &str, now: i64) -> ApiResult<Option<StoredSession>> {
    Ok(conn
        .prepare_cached(
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
        .optional()?)
}

pub fn end(conn: &Connection, kind: &str, id_hash: &str) -> ApiResult<()> {
    conn.execute(
        "DELETE FROM sessions WHERE id_hash = ?1 AND kind = ?2",
        params![id_hash, kind],
    )?;
    Ok(())
}
