//! The server's secrets in the SQLite file's `meta` table, and its signing keys (`signing_keys`).

use crate::clock::system_now;
use crate::domain::secrets::{fresh_secret, Secrets, KEY_HASH_SECRET, SIGNING_SEED};
use crate::domain::signing_keys;
use rusqlite::{params, Connection, OptionalExtension};

/// Reads the secrets, creating them on first use (safe when two processes race: the first
/// insert wins and both read it back).
pub fn load_or_create(conn: &Connection) -> rusqlite::Result<Secrets> {
    // The first key of a new database; signing_keys takes it in as the ACTIVE key.
    get_or_create(conn, SIGNING_SEED)?;
    let secret = get_or_create(conn, KEY_HASH_SECRET)?;
    let keys = super::complete(signing_keys::load(&mut super::tx::SqliteTx(conn), system_now())).map_err(|e| {
        rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(format!("cannot read the signing keys: {e}")),
        )
    })?;
    signing_keys::secrets(&keys, &secret).ok_or(rusqlite::Error::InvalidQuery)
}

fn get_or_create(conn: &Connection, name: &str) -> rusqlite::Result<Vec<u8>> {
    let existing: Option<Vec<u8>> = conn
        .query_row("SELECT v FROM meta WHERE k = ?1", [name], |r| r.get(0))
        .optional()?;
    if let Some(v) = existing {
        return Ok(v);
    }
    let fresh = fresh_secret();
    conn.execute(
        "INSERT OR IGNORE INTO meta (k, v) VALUES (?1, ?2)",
        params![name, fresh.to_vec()],
    )?;
    conn.query_row("SELECT v FROM meta WHERE k = ?1", [name], |r| r.get(0))
}
