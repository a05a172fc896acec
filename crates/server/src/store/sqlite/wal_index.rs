//! The SQLite database's version, read without a lock: the WAL-index header SQLite keeps at the
//! start of the `-shm` file (<https://www.sqlite.org/walformat.html>, "The WAL-Index Header").
//! Every committed transaction (of this server, the admin CLI or any other process) rewrites it
//! with a new change counter, last frame and checksum. SQLite writes the header's second copy,
//! then the first; a reader that finds both copies equal has a consistent header — SQLite's own
//! readers rely on the same. Reading it is one `pread` of 96 bytes.
//!
//! Assumptions, each checked where it can be: SQLite's unix VFS (the `-shm` file is the
//! WAL index, mapped by every connection; on other platforms no version is read and every read
//! starts its own transaction), the normal locking mode (`PRAGMA locking_mode=EXCLUSIVE` keeps
//! the index in heap memory, not in `-shm`: this store never sets it), and the header layout of
//! `WALINDEX_MAX_VERSION` 3007000 (checked on every read: any other header means "unknown").

use std::fs::File;
use std::path::Path;

/// One copy of SQLite's `WalIndexHdr`.
const HEADER: usize = 48;
/// `WALINDEX_MAX_VERSION`: the header's first field in every SQLite since WAL mode exists.
const WAL_INDEX_VERSION: u32 = 3_007_000;

pub type Version = [u8; HEADER];

pub struct WalIndex {
    /// The database's `-shm` file; None: the version cannot be told.
    shm: Option<File>,
}

impl WalIndex {
    /// For the database at `db` in WAL mode, whose `-shm` file an open connection keeps.
    pub fn open(db: &Path) -> WalIndex {
        let mut shm_path = db.as_os_str().to_owned();
        shm_path.push("-shm");
        let shm = File::open(&shm_path);
        if let Err(e) = &shm {
            tracing::warn!(error = %e, "no WAL index to watch; every read starts its own transaction");
        }
        WalIndex { shm: shm.ok() }
    }

    /// The database's version now; None when it cannot be told (no `-shm` file, a header being
    /// rewritten this instant, or not a header SQLite wrote).
    pub fn version(&self) -> Option<Version> {
        let shm = self.shm.as_ref()?;
        let mut both = [0u8; 2 * HEADER];
        read_header(shm, &mut both).ok()?;
        let (first, second) = both.split_at(HEADER);
        let is_init = first[12] == 1;
        let known = u32::from_ne_bytes([first[0], first[1], first[2], first[3]]) == WAL_INDEX_VERSION;
        (first == second && is_init && known).then(|| first.try_into().expect("48 bytes"))
    }
}

#[cfg(unix)]
fn read_header(file: &File, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, 0)
}

/// Elsewhere the `-shm` file is not known to be the WAL index: no version.
#[cfg(not(unix))]
fn read_header(_: &File, _: &mut [u8]) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::open_connection;
    use crate::store::Sync;

    #[test]
    fn the_version_moves_with_every_commit_of_any_connection_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        let ours = open_connection(&db, Sync::Normal).unwrap();
        ours.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let wal = WalIndex::open(&db);
        let first = wal.version().expect("a version once the WAL index exists");
        ours.query_row("SELECT count(*) FROM t", [], |_| Ok(())).unwrap();
        assert_eq!(wal.version(), Some(first), "a read changes nothing");
        // Another connection (as the admin CLI in another process) commits.
        let other = open_connection(&db, Sync::Normal).unwrap();
        let mut seen = vec![first];
        for i in 0..5 {
            other.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
            let now = wal.version().unwrap();
            assert!(!seen.contains(&now), "commit {i} left the version as it was");
            seen.push(now);
        }
        // A checkpoint that restarts the WAL, then a commit: still a new version.
        other
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        other.execute("INSERT INTO t VALUES (9)", []).unwrap();
        assert!(!seen.contains(&wal.version().unwrap()));
    }

    #[test]
    fn without_a_wal_index_there_is_no_version() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(WalIndex::open(&dir.path().join("missing.db")).version(), None);
    }
}
