//! The license state file, read and written only through this module (by the app, the command
//! line and the C library alike): `<data dir>/<identifier>/state.json`, a JSON object whose key
//! `"license"` holds the [`LocalState`]; other keys in the file are kept as they are.
//!
//! Every look reads the file afresh (no copy is kept in memory to overwrite a newer one with).
//! Every change is a read-modify-write under an exclusive lock on `state.json.lock`, so two
//! writers (processes or threads) never lose each other's updates, and lands whole: a temporary
//! file is written, flushed and renamed over the state file, so a reader never sees half a file.
//! A damaged file (not JSON, or a license state that does not read) is set aside as
//! `state.json.damaged` by whoever meets it first and the state starts afresh; the offline check
//! then rebuilds it from the token in the keychain (`local::check_local`).

use crate::storage::{LocalState, StateStore, StoreError};
use serde_json::{Map, Value};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The key under which the file keeps the license state.
pub const STATE_KEY: &str = "license";
/// The file name in the app's data folder.
pub const STATE_FILE: &str = "state.json";

/// Where the app with `identifier` keeps its state: the OS data folder (Linux:
/// `$XDG_DATA_HOME`, else `~/.local/share`) joined with the identifier, as Tauri's
/// `app_data_dir` resolves it (both use the `dirs` crate).
pub fn state_path(identifier: &str) -> Result<PathBuf, StoreError> {
    let data = dirs::data_dir().ok_or_else(|| StoreError::StateFile("no data folder (HOME is not set)".into()))?;
    Ok(data.join(identifier).join(STATE_FILE))
}

/// Where a damaged state file is kept, for support: `state.json.damaged`.
pub fn damaged_copy(path: &Path) -> PathBuf {
    path.with_extension("json.damaged")
}

/// The lock file next to the state file (the state file itself is replaced by renames, so it
/// cannot carry the lock).
pub fn lock_path(path: &Path) -> PathBuf {
    path.with_extension("json.lock")
}

pub struct FileStateStore {
    path: PathBuf,
}

/// What the file holds: the license state, and the rest of the object (kept as it is).
struct Contents {
    state: LocalState,
    object: Map<String, Value>,
}

/// An exclusive lock on the state file, released when dropped.
struct Locked(File);

impl Drop for Locked {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl FileStateStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStateStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, error: std::io::Error) -> StoreError {
        StoreError::StateFile(format!("{}: {error}", self.path.display()))
    }

    fn lock(&self) -> Result<Locked, StoreError> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(&self.path))
            .map_err(|e| self.io(e))?;
        file.lock().map_err(|e| self.io(e))?;
        Ok(Locked(file))
    }

    /// The file's contents; `Err(None)` when it is damaged.
    fn read(&self) -> Result<Contents, Option<StoreError>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Some(self.io(e))),
        };
        if bytes.is_empty() {
            return Ok(Contents {
                state: LocalState::default(),
                object: Map::new(),
            });
        }
        let mut object: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|_| None)?;
        let state = match object.remove(STATE_KEY) {
            Some(value) => serde_json::from_value(value).map_err(|_| None)?,
            None => LocalState::default(),
        };
        Ok(Contents { state, object })
    }

    /// Reads the file with the lock held; a damaged one is set aside and the state starts afresh
    /// (the other keys of a JSON object are kept).
    fn read_locked(&self) -> Result<Contents, StoreError> {
        match self.read() {
            Ok(contents) => Ok(contents),
            Err(Some(error)) => Err(error),
            Err(None) => {
                let bytes = std::fs::read(&self.path).map_err(|e| self.io(e))?;
                std::fs::rename(&self.path, damaged_copy(&self.path)).map_err(|e| self.io(e))?;
                let mut object: Map<String, Value> = serde_json::from_slice(&bytes).unwrap_or_default();
                object.remove(STATE_KEY);
                Ok(Contents {
                    state: LocalState::default(),
                    object,
                })
            }
        }
    }

    /// Writes the whole file: a temporary file, flushed, renamed over it.
    fn write_locked(&self, state: &LocalState, mut object: Map<String, Value>) -> Result<(), StoreError> {
        static WRITES: AtomicU64 = AtomicU64::new(0);
        let value = serde_json::to_value(state).map_err(|e| StoreError::StateFile(e.to_string()))?;
        object.insert(STATE_KEY.into(), value);
        let text = serde_json::to_vec_pretty(&object).map_err(|e| StoreError::StateFile(e.to_string()))?;
        let temporary = self.path.with_extension(format!(
            "json.tmp.{}.{}",
            std::process::id(),
            WRITES.fetch_add(1, Ordering::Relaxed)
        ));
        let written = File::create(&temporary)
            .and_then(|mut file| file.write_all(&text).and_then(|()| file.sync_all()))
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(self.io(e));
        }
        Ok(())
    }
}

impl StateStore for FileStateStore {
    /// The state as the file has it now. A damaged file is set aside (under the lock, unless
    /// another process already did) and the default state answered.
    fn load(&self) -> Result<LocalState, StoreError> {
        match self.read() {
            Ok(contents) => Ok(contents.state),
            Err(Some(error)) => Err(error),
            Err(None) => {
                let _lock = self.lock()?;
                Ok(self.read_locked()?.state)
            }
        }
    }

    fn save(&self, state: &LocalState) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let contents = self.read_locked()?;
        self.write_locked(state, contents.object)
    }

    /// Read, change and write back with the lock held throughout: no other writer's update is lost.
    fn update(&self, change: &mut dyn FnMut(&mut LocalState)) -> Result<LocalState, StoreError> {
        let _lock = self.lock()?;
        let mut contents = self.read_locked()?;
        change(&mut contents.state);
        self.write_locked(&contents.state, contents.object)?;
        Ok(contents.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_the_default_state_and_saving_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStateStore::new(dir.path().join("app.id").join(STATE_FILE));
        assert_eq!(store.load().unwrap(), LocalState::default());
        let state = LocalState {
            activation_id: Some("act_1".into()),
            last_seen: Some(7),
            ..LocalState::default()
        };
        store.save(&state).unwrap();
        assert_eq!(store.load().unwrap(), state);
    }

    #[test]
    fn reads_the_plugin_store_layout_and_keeps_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::write(&path, r#"{"license":{"activation_id":"act_9"},"window":{"w":640}}"#).unwrap();
        let store = FileStateStore::new(&path);
        let mut state = store.load().unwrap();
        assert_eq!(state.activation_id.as_deref(), Some("act_9"));
        state.last_seen = Some(42);
        store.save(&state).unwrap();
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["window"]["w"], 640);
        assert_eq!(written["license"]["last_seen"], 42);
    }

    #[test]
    fn saving_over_a_damaged_file_sets_it_aside_and_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::write(&path, "{not json").unwrap();
        let store = FileStateStore::new(&path);
        store.save(&LocalState::default()).unwrap();
        assert_eq!(store.load().unwrap(), LocalState::default());
        let damaged = std::fs::read_to_string(damaged_copy(&path)).unwrap();
        assert_eq!(damaged, "{not json", "kept for support");
    }

    #[test]
    fn loading_a_damaged_file_sets_it_aside_and_keeps_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::write(&path, r#"{"license":{"last_seen":"yesterday"},"window":{"w":640}}"#).unwrap();
        let store = FileStateStore::new(&path);
        assert_eq!(store.load().unwrap(), LocalState::default());
        assert!(!path.exists(), "set aside");
        assert!(std::fs::read_to_string(damaged_copy(&path))
            .unwrap()
            .contains("yesterday"));
        store.update(&mut |s| s.last_seen = Some(3)).unwrap();
        let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written["license"]["last_seen"], 3);
        let damaged = std::fs::read_to_string(damaged_copy(&path)).unwrap();
        assert!(damaged.contains("yesterday"), "still the damaged one: {damaged}");
    }

    #[test]
    fn an_unwritable_place_is_a_state_file_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::create_dir_all(&path).unwrap();
        let store = FileStateStore::new(&path);
        assert!(matches!(store.load(), Err(StoreError::StateFile(_))));
        assert!(matches!(
            store.save(&LocalState::default()),
            Err(StoreError::StateFile(_))
        ));
    }
}
