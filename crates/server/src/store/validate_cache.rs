//! The rows validate read, kept in memory while the database has not changed (both stores).
//!
//! Validate is the hottest request and only reads. A store keeps what it read
//! ([`crate::domain::model::ValidateView`], never the answer: the clock moves) per key hash and
//! fingerprint, tagged with the database's version, and forgets all of it when the version
//! moves. What a version is belongs to the store: SQLite reads its WAL index, which moves with
//! any commit of any process, so a change made by the admin CLI shows in the very next answer
//! ([`super::sqlite::wal_index`]); PostgreSQL counts the changes it hears of from every replica
//! ([`super::postgres::changes`]).
//!
//! The type of the version is `K`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Entries kept at most; beyond that the cache starts over (bounds memory whatever keys come).
const MAX_ENTRIES: usize = 10_000;

/// `V`: what validate read.
pub struct ValidateCache<V, K> {
    state: Mutex<State<V, K>>,
}

struct State<V, K> {
    version: Option<K>,
    /// Key hash → fingerprint → what validate read.
    views: HashMap<String, HashMap<String, Arc<V>>>,
    entries: usize,
}

impl<V, K> Default for ValidateCache<V, K> {
    fn default() -> Self {
        ValidateCache {
            state: Mutex::new(State {
                version: None,
                views: HashMap::new(),
                entries: 0,
            }),
        }
    }
}

impl<V, K: PartialEq> ValidateCache<V, K> {
    /// What validate read for this key and fingerprint at `version`, if kept.
    pub fn get(&self, version: &K, key_hash: &str, fingerprint: &str) -> Option<Arc<V>> {
        let state = self.state.lock().expect("validate cache");
        if state.version.as_ref() != Some(version) {
            return None;
        }
        state.views.get(key_hash)?.get(fingerprint).cloned()
    }

    /// Keeps what a read that began at `version` found (it may have seen later changes too;
    /// then the version has moved already and the entry is never served).
    pub fn put(&self, version: K, key_hash: String, fingerprint: String, view: Arc<V>) {
        let mut state = self.state.lock().expect("validate cache");
        if state.version.as_ref() != Some(&version) || state.entries >= MAX_ENTRIES {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_served_only_at_the_version_it_was_read_at() {
        let cache = ValidateCache::<&str, [u8; 48]>::default();
        let (before, after) = ([1u8; 48], [2u8; 48]);
        cache.put(before, "hash".into(), "fp".into(), Arc::new("read"));
        assert!(cache.get(&before, "hash", "fp").is_some());
        assert!(cache.get(&before, "hash", "other").is_none());
        assert!(cache.get(&after, "hash", "fp").is_none(), "kept across a commit");
        // A slow read tagged with the old version never comes back under the new one.
        cache.put(after, "hash".into(), "fp2".into(), Arc::new("read"));
        cache.put(before, "hash".into(), "fp3".into(), Arc::new("read"));
        assert!(cache.get(&after, "hash", "fp2").is_none() && cache.get(&after, "hash", "fp3").is_none());
    }

    #[test]
    fn it_starts_over_when_full() {
        let cache = ValidateCache::<u32, [u8; 48]>::default();
        let v = [1u8; 48];
        for i in 0..MAX_ENTRIES as u32 + 1 {
            cache.put(v, format!("h{i}"), "fp".into(), Arc::new(i));
        }
        assert!(cache.get(&v, "h0", "fp").is_none());
        assert!(cache.get(&v, &format!("h{MAX_ENTRIES}"), "fp").is_some());
    }
}
