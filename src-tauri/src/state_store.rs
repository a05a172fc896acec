//! Non-secret state (activation id, last sync, next renewal, last codes) in tauri-plugin-store:
//! `state.json` in the app's data directory.

use keyturn_client::{LocalState, StateStore, StoreError};
use std::sync::Arc;
use tauri::Runtime;
use tauri_plugin_store::Store;

const KEY: &str = "license";
pub const FILE: &str = "state.json";

pub struct PluginStateStore<R: Runtime>(pub Arc<Store<R>>);

impl<R: Runtime> StateStore for PluginStateStore<R> {
    fn load(&self) -> Result<LocalState, StoreError> {
        match self.0.get(KEY) {
            Some(value) => serde_json::from_value(value).map_err(|e| StoreError::Corrupt(format!("{FILE}: {e}"))),
            None => Ok(LocalState::default()),
        }
    }

    fn save(&self, state: &LocalState) -> Result<(), StoreError> {
        let value = serde_json::to_value(state).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.0.set(KEY, value);
        self.0.save().map_err(|e| StoreError::StateFile(format!("{FILE}: {e}")))
    }
}
