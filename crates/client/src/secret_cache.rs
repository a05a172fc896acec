//! The keychain's answers kept while the state file is unchanged. A Secret Service lookup costs
//! milliseconds (a D-Bus round trip and an encrypted session each time), too slow for a program
//! that checks its license on every feature use. Every change of the key or token made through
//! keyturn-client (activate, renew, deactivate, in any process) also writes the state file
//! (`state_file`: a new file renamed into place), so a secret read while the file had one
//! identity stays right until the file changes; then it is read from the keychain again.

use crate::storage::{Secret, SecretStore, StoreError};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

/// The state file's identity: modification time, size and (Unix) inode; `None`: no file.
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(path: &PathBuf) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.modified().ok()?, meta.len(), inode))
}

pub struct CachedSecrets<S> {
    inner: S,
    state_file: PathBuf,
    known: Mutex<HashMap<Secret, (Stamp, Option<String>)>>,
}

impl<S: SecretStore> CachedSecrets<S> {
    /// `inner` (the keychain), its answers kept while `state_file` stays the same.
    pub fn new(inner: S, state_file: impl Into<PathBuf>) -> Self {
        CachedSecrets {
            inner,
            state_file: state_file.into(),
            known: Mutex::new(HashMap::new()),
        }
    }

    fn forget(&self, secret: Secret) {
        self.known.lock().unwrap_or_else(|e| e.into_inner()).remove(&secret);
    }
}

impl<S: SecretStore> SecretStore for CachedSecrets<S> {
    fn get(&self, secret: Secret) -> Result<Option<String>, StoreError> {
        // The stamp is taken before the lookup: a change racing with it makes the next look
        // read again, never keep an old secret.
        let now = stamp(&self.state_file);
        if now.is_some() {
            if let Some((seen, value)) = self.known.lock().unwrap_or_else(|e| e.into_inner()).get(&secret) {
                if *seen == now {
                    return Ok(value.clone());
                }
            }
        }
        let value = self.inner.get(secret)?;
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(secret, (now, value.clone()));
        Ok(value)
    }

    fn set(&self, secret: Secret, value: &str) -> Result<(), StoreError> {
        self.forget(secret);
        self.inner.set(secret, value)
    }

    fn delete(&self, secret: Secret) -> Result<(), StoreError> {
        self.forget(secret);
        self.inner.delete(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemorySecretStore;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the lookups that reach the keychain.
    #[derive(Default)]
    struct Counting(MemorySecretStore, AtomicUsize);

    impl SecretStore for Counting {
        fn get(&self, secret: Secret) -> Result<Option<String>, StoreError> {
            self.1.fetch_add(1, Ordering::Relaxed);
            self.0.get(secret)
        }
        fn set(&self, secret: Secret, value: &str) -> Result<(), StoreError> {
            self.0.set(secret, value)
        }
        fn delete(&self, secret: Secret) -> Result<(), StoreError> {
            self.0.delete(secret)
        }
    }

    #[test]
    fn answers_are_kept_until_the_state_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        std::fs::write(&state, "{}").unwrap();
        let cached = CachedSecrets::new(Counting::default(), &state);
        cached.inner.0.set(Secret::Token, "one").unwrap();
        for _ in 0..3 {
            assert_eq!(cached.get(Secret::Token).unwrap().as_deref(), Some("one"));
        }
        assert_eq!(cached.inner.1.load(Ordering::Relaxed), 1, "one keychain lookup");

        // Another process changes the token and, as keyturn-client always does, the state file.
        cached.inner.0.set(Secret::Token, "two").unwrap();
        std::fs::write(state.with_extension("new"), "{\"license\":{}}").unwrap();
        std::fs::rename(state.with_extension("new"), &state).unwrap();
        assert_eq!(cached.get(Secret::Token).unwrap().as_deref(), Some("two"));

        // Without a state file nothing is kept.
        std::fs::remove_file(&state).unwrap();
        cached.get(Secret::Token).unwrap();
        cached.get(Secret::Token).unwrap();
        assert_eq!(cached.inner.1.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn own_changes_are_seen_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        std::fs::write(&state, "{}").unwrap();
        let cached = CachedSecrets::new(MemorySecretStore::default(), &state);
        assert_eq!(cached.get(Secret::Token).unwrap(), None);
        cached.set(Secret::Token, "t").unwrap();
        assert_eq!(cached.get(Secret::Token).unwrap().as_deref(), Some("t"));
        cached.delete(Secret::Token).unwrap();
        assert_eq!(cached.get(Secret::Token).unwrap(), None);
    }
}
