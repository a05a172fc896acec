//! The app's non-secret state file, read and written without Tauri: the same file
//! tauri-plugin-store keeps for the app (`<data dir>/<identifier>/state.json`, a JSON object whose
//! key `"license"` holds the [`LocalState`]). The command line and host programs use it; other
//! keys in the file are kept as they are.

use crate::storage::{LocalState, StateStore, StoreError};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The key under which the app's store keeps the state.
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

/// Sets the file at `path` aside as its [`damaged_copy`] when it is there but not JSON (before a
/// store that would start empty over it and overwrite it); true when it did.
pub fn set_aside_if_damaged(path: &Path) -> bool {
    match std::fs::read(path) {
        Ok(bytes) if serde_json::from_slice::<Value>(&bytes).is_err() => {
            std::fs::rename(path, damaged_copy(path)).is_ok()
        }
        _ => false,
    }
}

pub struct FileStateStore {
    path: PathBuf,
}

impl FileStateStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStateStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read_object(&self) -> Result<Map<String, Value>, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Map::new()),
            Err(e) => return Err(StoreError::StateFile(format!("{}: {e}", self.path.display()))),
        };
        serde_json::from_slice(&bytes).map_err(|e| self.corrupt(e))
    }

    fn corrupt(&self, error: serde_json::Error) -> StoreError {
        StoreError::Corrupt(format!("{}: {error}", self.path.display()))
    }
}

impl StateStore for FileStateStore {
    fn load(&self) -> Result<LocalState, StoreError> {
        match self.read_object()?.remove(STATE_KEY) {
            Some(value) => serde_json::from_value(value).map_err(|e| self.corrupt(e)),
            None => Ok(LocalState::default()),
        }
    }

    /// Replaces the state key and writes the file whole (a temporary file renamed over it, so a
    /// reader never sees half a file). A file that is not JSON at all is set aside as
    /// `state.json.damaged` (for support) and started afresh.
    fn save(&self, state: &LocalState) -> Result<(), StoreError> {
        let mut object = match self.read_object() {
            Err(StoreError::Corrupt(_)) => {
                let _ = std::fs::rename(&self.path, damaged_copy(&self.path));
                Map::new()
            }
            read => read?,
        };
        object.insert(
            STATE_KEY.into(),
            serde_json::to_value(state).map_err(|e| self.corrupt(e))?,
        );
        let text = serde_json::to_vec_pretty(&object).map_err(|e| self.corrupt(e))?;
        let io = |e: std::io::Error| StoreError::StateFile(format!("{}: {e}", self.path.display()));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let temporary = self.path.with_extension("json.tmp");
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, &self.path).map_err(io)
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
    fn unreadable_json_is_corrupt_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::write(&path, "{not json").unwrap();
        assert!(matches!(FileStateStore::new(&path).load(), Err(StoreError::Corrupt(_))));
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
    fn only_a_file_that_is_not_json_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        assert!(!set_aside_if_damaged(&path), "no file");
        std::fs::write(&path, r#"{"license":{}}"#).unwrap();
        assert!(!set_aside_if_damaged(&path), "JSON stays");
        assert!(path.exists());
        std::fs::write(&path, "{\"license\": {").unwrap();
        assert!(set_aside_if_damaged(&path));
        assert!(!path.exists() && damaged_copy(&path).exists());
    }
}
