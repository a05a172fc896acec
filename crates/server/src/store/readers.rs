//! The SQLite store's read connections, each keeping its read transaction open while the
//! database is unchanged.
//!
//! Starting and ending a read transaction takes and drops a lock on the `-shm` file (`fcntl`
//! inside a mutex every connection of the process shares); under load that costs several times
//! the query and the worker threads contend on it. So a pooled connection stays inside its
//! transaction and serves the next read from the same snapshot — as long as the database's
//! version ([`WalIndex`]) is the one it began at. Once anything committed (this server, the admin
//! CLI, any process), the next read on that connection ends the old transaction and begins a new
//! one, so no read ever sees an older state than a fresh transaction would.
//!
//! An open read transaction keeps a checkpoint from recycling the WAL past its snapshot, so after
//! each commit of the server's writer the idle connections end theirs ([`Readers::release_idle`]).
//! Readers are `query_only`: a read that tried to write would fail instead of holding a write
//! transaction open.

use super::wal_index::{Version, WalIndex};
use super::{open_connection, Sync};
use crate::errors::ApiResult;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Idle connections kept.
const POOL: usize = 16;

struct Reader {
    conn: Connection,
    /// The version its open read transaction began at; None: no transaction open.
    snapshot: Option<Version>,
}

impl Reader {
    /// Makes the connection read at `version`: keeps its transaction when it began there,
    /// otherwise ends it and (when the version is known) begins a new one.
    fn at(&mut self, version: Option<Version>) -> rusqlite::Result<()> {
        if self.snapshot.is_some() && self.snapshot == version {
            return Ok(());
        }
        self.end()?;
        if version.is_some() {
            // Deferred: the snapshot is taken by the first read, after `version` was read, so
            // it is never older than `version`.
            self.conn.execute_batch("BEGIN")?;
            self.snapshot = version;
        }
        Ok(())
    }

    fn end(&mut self) -> rusqlite::Result<()> {
        if self.snapshot.take().is_some() {
            self.conn.execute_batch("COMMIT")?;
        }
        Ok(())
    }
}

pub struct Readers {
    path: PathBuf,
    sync: Sync,
    wal: WalIndex,
    idle: Mutex<Vec<Reader>>,
}

impl Readers {
    /// For the database at `path`, which the caller keeps open (so its WAL index exists).
    pub fn open(path: &Path, sync: Sync) -> rusqlite::Result<Readers> {
        let readers = Readers {
            path: path.to_owned(),
            sync,
            wal: WalIndex::open(path),
            idle: Mutex::new(Vec::new()),
        };
        let first = readers.connect()?;
        readers.idle.lock().expect("reader pool").push(first);
        Ok(readers)
    }

    fn connect(&self) -> rusqlite::Result<Reader> {
        let conn = open_connection(&self.path, self.sync)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(Reader { conn, snapshot: None })
    }

    /// The database's version now ([`WalIndex::version`]).
    pub fn version(&self) -> Option<Version> {
        self.wal.version()
    }

    /// Runs a read on a pooled connection, on the calling thread (reads are short and never wait
    /// for the writer in WAL mode).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        let version = self.wal.version();
        let reader = self.idle.lock().expect("reader pool").pop();
        let mut reader = match reader {
            Some(r) => r,
            None => self.connect()?,
        };
        // A connection whose transaction could not be moved is dropped, not pooled.
        reader.at(version)?;
        let out = f(&reader.conn);
        let mut idle = self.idle.lock().expect("reader pool");
        if idle.len() < POOL {
            idle.push(reader);
        }
        out
    }

    /// Ends the open transactions of the idle connections (after the writer committed).
    pub fn release_idle(&self) {
        for reader in self.idle.lock().expect("reader pool").iter_mut() {
            if let Err(e) = reader.end() {
                tracing::warn!(error = %e, "could not end a read transaction");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn count(readers: &Readers) -> i64 {
        readers
            .read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
            .unwrap()
    }

    /// (busy, frames left in the WAL) after a TRUNCATE checkpoint that does not wait.
    fn checkpoint(conn: &Connection) -> (i64, i64) {
        conn.busy_timeout(Duration::ZERO).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
    }

    #[test]
    fn a_snapshot_serves_while_nothing_committed_and_every_commit_is_seen_next() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        let writer = open_connection(&db, Sync::Normal).unwrap();
        writer.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let readers = Readers::open(&db, Sync::Normal).unwrap();
        for i in 1..=5 {
            writer.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
            assert_eq!(count(&readers), i, "the read after commit {i}");
            assert_eq!(count(&readers), i, "the same snapshot again");
        }
        let tries_to_write = readers.read(|c| Ok(c.execute("INSERT INTO t VALUES (0)", [])?));
        assert!(tries_to_write.is_err(), "readers are query_only");
    }

    #[test]
    fn idle_snapshots_end_after_a_commit_so_the_wal_can_be_recycled() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        let writer = open_connection(&db, Sync::Normal).unwrap();
        writer.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let readers = Readers::open(&db, Sync::Normal).unwrap();
        assert_eq!(count(&readers), 0);
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(checkpoint(&writer).0, 1, "an idle snapshot holds the WAL");
        readers.release_idle();
        assert_eq!(checkpoint(&writer), (0, 0), "released: the WAL is emptied");
        assert_eq!(count(&readers), 1);
    }
}
