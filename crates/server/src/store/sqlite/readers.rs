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
//! An open read transaction keeps a checkpoint (this server's or another process's) from
//! recycling the WAL past its snapshot, so idle connections end theirs after each commit of the
//! server's writer and at the latest [`IDLE_SNAPSHOT`] after they were last used
//! ([`Readers::release_idle`]): a server that only reads never holds another's WAL for long.
//! Readers are `query_only`: a read that tried to write would fail instead of holding a write
//! transaction open.

use super::open_connection;
use super::wal_index::{Version, WalIndex};
use crate::domain::errors::ApiResult;
use crate::store::Sync;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Idle connections kept.
const POOL: usize = 16;
/// Longest an idle connection keeps its snapshot.
pub const IDLE_SNAPSHOT: Duration = Duration::from_millis(100);

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
    /// For the database at `path`, which the caller keeps open (so its WAL index exists). With
    /// `idle_limit` (the server: [`IDLE_SNAPSHOT`]) a thread ends idle snapshots that often until
    /// the readers are dropped.
    pub fn open(path: &Path, sync: Sync, idle_limit: Option<Duration>) -> rusqlite::Result<Arc<Readers>> {
        let readers = Arc::new(Readers {
            path: path.to_owned(),
            sync,
            wal: WalIndex::open(path),
            idle: Mutex::new(Vec::new()),
        });
        let first = readers.connect()?;
        readers.idle.lock().expect("reader pool").push(first);
        if let Some(every) = idle_limit {
            let weak = Arc::downgrade(&readers);
            let started = std::thread::Builder::new()
                .name("keyturn-readers".into())
                .spawn(move || release_while_alive(weak, every));
            if let Err(e) = started {
                tracing::warn!(error = %e, "no thread to end idle read transactions; only commits end them");
            }
        }
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
    /// Reader connections idle in the pool now (metrics).
    pub fn idle_count(&self) -> usize {
        self.idle.lock().expect("reader pool").len()
    }

    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        self.read_at(self.wal.version(), f)
    }

    /// [`Readers::read`] for a caller that has just read the version itself.
    pub fn read_at<T>(&self, version: Option<Version>, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
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

    /// Ends the open transactions of the idle connections.
    pub fn release_idle(&self) {
        for reader in self.idle.lock().expect("reader pool").iter_mut() {
            if let Err(e) = reader.end() {
                tracing::warn!(error = %e, "could not end a read transaction");
            }
        }
    }
}

fn release_while_alive(readers: Weak<Readers>, every: Duration) {
    loop {
        std::thread::sleep(every);
        match readers.upgrade() {
            Some(readers) => readers.release_idle(),
            None => return,
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
        let readers = Readers::open(&db, Sync::Normal, None).unwrap();
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
        let readers = Readers::open(&db, Sync::Normal, None).unwrap();
        assert_eq!(count(&readers), 0);
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        assert_eq!(checkpoint(&writer).0, 1, "an idle snapshot holds the WAL");
        readers.release_idle();
        assert_eq!(checkpoint(&writer), (0, 0), "released: the WAL is emptied");
        assert_eq!(count(&readers), 1);
    }

    #[test]
    fn an_idle_snapshot_ends_by_itself_when_another_process_writes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        let writer = open_connection(&db, Sync::Normal).unwrap();
        writer.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let readers = Readers::open(&db, Sync::Normal, Some(Duration::from_millis(10))).unwrap();
        assert_eq!(count(&readers), 0);
        // The writer is not this server's: nothing calls release_idle for it.
        writer.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while checkpoint(&writer) != (0, 0) {
            assert!(
                std::time::Instant::now() < deadline,
                "the idle snapshot was never ended"
            );
            std::thread::yield_now();
        }
    }
}
