//! The rows validate read, kept in memory while the SQLite database has not changed.
//!
//! Validate is the hottest request and only reads, yet every SQLite read transaction takes and
//! drops a lock on the `-shm` file (an `fcntl` call inside a mutex every connection of the
//! process shares): under load that costs several times the query itself. So the SQLite store
//! keeps what validate read ([`ValidateView`], never the answer: the clock moves) per key hash
//! and fingerprint, tagged with the database's version, and forgets all of it when the version
//! moves.
//!
//! The version is the WAL-index header SQLite keeps at the start of the `-shm` file
//! (<https://www.sqlite.org/walformat.html>, "The WAL-Index Header"): every committed transaction
//! (of this server, the admin CLI or any other process) rewrites it with a new change counter,
//! last frame and checksum. SQLite writes the header's second copy, then the first; a reader
//! that finds both copies equal has a consistent header — SQLite's own readers rely on the same.
//! Reading it is one `pread` of 96 bytes and no lock, so a change committed anywhere is seen by
//! the next validate, exactly as an uncached read would see it.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// One copy of SQLite's `WalIndexHdr`.
const HEADER: usize = 48;
/// `WALINDEX_MAX_VERSION`: the header's first field in every SQLite since WAL mode exists.
const WAL_INDEX_VERSION: u32 = 3_007_000;
/// Entries kept at most; beyond that the cache starts over (bounds memory whatever keys come).
const MAX_ENTRIES: usize = 10_000;

pub type Version = [u8; HEADER];

/// `V`: what validate read ([`super::rows::ValidateView`]).
pub struct ValidateCache<V> {
    /// The database's `-shm` file; None turns the cache off (every validate reads).
    shm: Option<File>,
    state: Mutex<State<V>>,
}

struct State<V> {
    version: Option<Version>,
    /// Key hash → fingerprint → what validate read.
    views: HashMap<String, HashMap<String, Arc<V>>>,
    entries: usize,
}

impl<V> ValidateCache<V> {
    /// For the database at `db` in WAL mode, whose `-shm` file an open connection keeps.
    pub fn open(db: &Path) -> ValidateCache<V> {
        let mut shm_path = db.as_os_str().to_owned();
        shm_path.push("-shm");
        let shm = File::open(&shm_path);
        if let Err(e) = &shm {
            tracing::warn!(error = %e, "no WAL index to watch; every validate reads the database");
        }
        ValidateCache {
            shm: shm.ok(),
            state: Mutex::new(State {
                version: None,
                views: HashMap::new(),
                entries: 0,
            }),
        }
    }

    /// The database's version now; None when it cannot be told (no `-shm` file, a header being
    /// rewritten this instant, or not a header SQLite wrote): then nothing is cached.
    pub fn version(&self) -> Option<Version> {
        let shm = self.shm.as_ref()?;
        let mut both = [0u8; 2 * HEADER];
        read_at(shm, &mut both).ok()?;
        let (first, second) = both.split_at(HEADER);
        let is_init = first[12] == 1;
        let known = u32::from_ne_bytes([first[0], first[1], first[2], first[3]]) == WAL_INDEX_VERSION;
        (first == second && is_init && known).then(|| first.try_into().expect("48 bytes"))
    }

    /// What validate read for this key and fingerprint at `version`, if kept.
    pub fn get(&self, version: &Version, key_hash: &str, fingerprint: &str) -> Option<Arc<V>> {
        let state = self.state.lock().expect("validate cache");
        if state.version.as_ref() != Some(version) {
            return None;
        }
        state.views.get(key_hash)?.get(fingerprint).cloned()
    }

    /// Keeps what a read that began at `version` found (it may have seen later changes too;
    /// then the version has moved already and the entry is dropped on the next look-up).
    pub fn put(&self, version: Version, key_hash: String, fingerprint: String, view: Arc<V>) {
        let mut state = self.state.lock().expect("validate cache");
        if state.version != Some(version) || state.entries >= MAX_ENTRIES {
            state.views.clear();
            state.entries = 0;
            state.version = Some(version);
        }
        if state
            .views
            .entry(key_hash)
            .or_default()
            .insert(fingerprint, view)
            .is_none()
        {
            state.entries += 1;
        }
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, 0)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8]) -> std::io::Result<()> {
    let n = std::os::windows::fs::FileExt::seek_read(file, buf, 0)?;
    if n == buf.len() {
        Ok(())
    } else {
        Err(std::io::ErrorKind::UnexpectedEof.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{open_connection, Sync};

    fn view() -> Arc<&'static str> {
        Arc::new("what validate read")
    }

    #[test]
    fn the_version_moves_with_every_commit_of_any_connection_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        let ours = open_connection(&db, Sync::Normal).unwrap();
        ours.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let cache = ValidateCache::<&str>::open(&db);
        let first = cache.version().expect("a version once the WAL index exists");
        ours.query_row("SELECT count(*) FROM t", [], |_| Ok(())).unwrap();
        assert_eq!(cache.version(), Some(first), "a read changes nothing");
        // Another connection (as the admin CLI in another process) commits.
        let other = open_connection(&db, Sync::Normal).unwrap();
        let mut seen = vec![first];
        for i in 0..5 {
            other.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
            let now = cache.version().unwrap();
            assert!(!seen.contains(&now), "commit {i} left the version as it was");
            seen.push(now);
        }
        // A checkpoint that restarts the WAL, then a commit: still a new version.
        other
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        other.execute("INSERT INTO t VALUES (9)", []).unwrap();
        assert!(!seen.contains(&cache.version().unwrap()));
    }

    #[test]
    fn an_entry_is_served_only_at_the_version_it_was_read_at() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("k.db");
        let conn = open_connection(&db, Sync::Normal).unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let cache = ValidateCache::<&str>::open(&db);
        let before = cache.version().unwrap();
        cache.put(before, "hash".into(), "fp".into(), view());
        assert!(cache.get(&before, "hash", "fp").is_some());
        assert!(cache.get(&before, "hash", "other").is_none());
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let after = cache.version().unwrap();
        assert!(cache.get(&after, "hash", "fp").is_none(), "kept across a commit");
        // A slow read tagged with the old version never comes back under the new one.
        cache.put(after, "hash".into(), "fp2".into(), view());
        cache.put(before, "hash".into(), "fp3".into(), view());
        assert!(cache.get(&after, "hash", "fp2").is_none() && cache.get(&after, "hash", "fp3").is_none());
    }

    #[test]
    fn without_a_wal_index_nothing_is_cached() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            ValidateCache::<()>::open(&dir.path().join("missing.db")).version(),
            None
        );
    }
}
