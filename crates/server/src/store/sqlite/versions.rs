//! Reading and recording the schema version in the SQLite file's `meta` table (the rule:
//! [`crate::store::schema_version`]).

use super::schema::VERSION;
use crate::store::schema_version::{self, META_KEY};
use rusqlite::{params, Connection, OptionalExtension};

/// The recorded version: None for a new file or one made before versions were recorded.
pub fn stored(conn: &Connection) -> Result<Option<u32>, String> {
    let read = || -> rusqlite::Result<Option<Vec<u8>>> {
        let has_meta: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta')",
            [],
            |r| r.get(0),
        )?;
        if !has_meta {
            return Ok(None);
        }
        conn.query_row("SELECT v FROM meta WHERE k = ?1", [META_KEY], |r| r.get(0))
            .optional()
    };
    let bytes = read().map_err(|e| format!("cannot read the schema version: {e}"))?;
    bytes.map(|b| schema_version::decode(&b)).transpose()
}

/// Can this release open the database on `conn`? (An error in plain words otherwise.)
pub fn check_version_of(conn: &Connection) -> Result<(), String> {
    schema_version::check(stored(conn)?, VERSION)
}

/// Refuses a newer release's database before anything in it is changed.
pub fn refuse_newer(conn: &Connection) -> rusqlite::Result<()> {
    check_version_of(conn).map_err(|message| {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR), Some(message))
    })
}

/// Records `version` unless a newer one is recorded (another process may have upgraded meanwhile).
pub fn record(conn: &Connection, version: u32) -> rusqlite::Result<()> {
    let newer = matches!(stored(conn), Ok(Some(v)) if v > version);
    if !newer {
        conn.execute(
            "INSERT INTO meta (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            params![META_KEY, schema_version::encode(version)],
        )?;
    }
    Ok(())
}
