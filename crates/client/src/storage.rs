//! Where the app keeps things between runs, behind traits: secrets (license key, token) in a
//! [`SecretStore`] (the app: the OS keychain), everything else in a [`StateStore`] (the app:
//! tauri-plugin-store). In-memory implementations for tests.

use crate::ErrorCode;
use keyturn_protocol::wire::LicenseSummary;
use keyturn_protocol::Code;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// The two secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Secret {
    LicenseKey,
    Token,
}

impl Secret {
    /// A stable name to store it under (e.g. the keychain entry's user).
    pub fn name(self) -> &'static str {
        match self {
            Secret::LicenseKey => "license-key",
            Secret::Token => "activation-token",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// e.g. no keychain / no D-Bus session: the app must say so plainly.
    #[error("the secure storage of this computer is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The non-secret state file cannot be read or written (no HOME, disk full, a folder in
    /// its place): a disk problem, not a keychain one.
    #[error("the app's state file cannot be read or written: {0}")]
    StateFile(String),
}

impl StoreError {
    /// The stable code the app, the command line and host programs report.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            StoreError::Unavailable(_) => ErrorCode::KeychainUnavailable,
            StoreError::Corrupt(_) => ErrorCode::StorageCorrupt,
            StoreError::StateFile(_) => ErrorCode::StateUnavailable,
        }
    }
}

pub trait SecretStore: Send + Sync {
    fn get(&self, secret: Secret) -> Result<Option<String>, StoreError>;
    fn set(&self, secret: Secret, value: &str) -> Result<(), StoreError>;
    /// Deleting what is not there is not an error.
    fn delete(&self, secret: Secret) -> Result<(), StoreError>;
}

/// Non-secret state kept between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalState {
    pub server_url: Option<String>,
    /// The activation (machine) id of this device.
    pub activation_id: Option<String>,
    /// Latest time seen by this device (clock-rollback check); never moves backwards.
    pub last_seen: Option<i64>,
    /// Last successful contact with the server.
    pub last_sync: Option<i64>,
    /// When the next renewal attempt is due.
    pub next_renewal: Option<i64>,
    /// Renewal attempts failed in a row (drives the backoff).
    pub renewal_failures: u32,
    /// The last answer code from the server and when it came.
    pub last_code: Option<Code>,
    pub last_code_at: Option<i64>,
    /// The last failure, in words (no key, no token), for the support report.
    pub last_error: Option<String>,
    /// The latest answer codes with their times, oldest first (at most [`RECENT_CODES`]).
    pub recent_codes: Vec<CodeAt>,
    /// The license as the server last described it (product, status, seats, expiry).
    pub license: Option<LicenseSummary>,
    /// The last attempt to reach the server failed for network reasons.
    pub offline: bool,
    /// This device's name on the license server, as the server last answered it (the user may
    /// have renamed it); `None` before any answer: the hostname stands in.
    pub device_name: Option<String>,
    /// The stored key is a floating license's (the server said so when it was activated): the
    /// app takes a seat with it by itself when it starts. No secret: the key stays in the
    /// keychain.
    pub floating_key: bool,
}

/// How many recent answer codes the state keeps for the support report.
pub const RECENT_CODES: usize = 8;

/// A server answer code and when it came (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeAt {
    pub code: Code,
    pub at: i64,
}

impl LocalState {
    /// Records the answer about this device's activation: the last code (which decides whether
    /// the activation still stands), and the history.
    pub fn record_code(&mut self, code: Code, at: i64) {
        self.last_code = Some(code);
        self.last_code_at = Some(at);
        self.record_attempt(code, at);
    }

    /// Records an answer in the history only (e.g. a refused activation attempt, which says
    /// nothing about an activation this device holds).
    pub fn record_attempt(&mut self, code: Code, at: i64) {
        self.recent_codes.push(CodeAt { code, at });
        if self.recent_codes.len() > RECENT_CODES {
            self.recent_codes.remove(0);
        }
    }
}

pub trait StateStore: Send + Sync {
    /// The stored state, or the default when nothing is stored yet.
    fn load(&self) -> Result<LocalState, StoreError>;
    fn save(&self, state: &LocalState) -> Result<(), StoreError>;
    /// Changes the stored state in one step (read, change, write) so that no other writer's
    /// update in between is lost; answers the state as written. Every change goes through here.
    fn update(&self, change: &mut dyn FnMut(&mut LocalState)) -> Result<LocalState, StoreError>;
}

#[derive(Debug, Default)]
pub struct MemorySecretStore {
    secrets: Mutex<HashMap<Secret, String>>,
}

impl SecretStore for MemorySecretStore {
    fn get(&self, secret: Secret) -> Result<Option<String>, StoreError> {
        Ok(self.secrets.lock().expect("lock").get(&secret).cloned())
    }
    fn set(&self, secret: Secret, value: &str) -> Result<(), StoreError> {
        self.secrets.lock().expect("lock").insert(secret, value.to_owned());
        Ok(())
    }
    fn delete(&self, secret: Secret) -> Result<(), StoreError> {
        self.secrets.lock().expect("lock").remove(&secret);
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct MemoryStateStore {
    state: Mutex<LocalState>,
}

impl StateStore for MemoryStateStore {
    fn load(&self) -> Result<LocalState, StoreError> {
        Ok(self.state.lock().expect("lock").clone())
    }
    fn save(&self, state: &LocalState) -> Result<(), StoreError> {
        *self.state.lock().expect("lock") = state.clone();
        Ok(())
    }
    fn update(&self, change: &mut dyn FnMut(&mut LocalState)) -> Result<LocalState, StoreError> {
        let mut state = self.state.lock().expect("lock");
        change(&mut state);
        Ok(state.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_stores_round_trip() {
        let secrets = MemorySecretStore::default();
        assert_eq!(secrets.get(Secret::Token).unwrap(), None);
        secrets.set(Secret::Token, "t").unwrap();
        secrets.set(Secret::LicenseKey, "k").unwrap();
        assert_eq!(secrets.get(Secret::Token).unwrap().as_deref(), Some("t"));
        secrets.delete(Secret::Token).unwrap();
        secrets.delete(Secret::Token).unwrap();
        assert_eq!(secrets.get(Secret::Token).unwrap(), None);
        assert_eq!(secrets.get(Secret::LicenseKey).unwrap().as_deref(), Some("k"));

        let state = MemoryStateStore::default();
        assert_eq!(state.load().unwrap(), LocalState::default());
        let saved = LocalState {
            activation_id: Some("act_1".into()),
            last_seen: Some(5),
            ..LocalState::default()
        };
        state.save(&saved).unwrap();
        assert_eq!(state.load().unwrap(), saved);
    }

    #[test]
    fn local_state_reads_older_and_newer_json() {
        let state: LocalState = serde_json::from_str(r#"{"activation_id":"a","future_field":1}"#).unwrap();
        assert_eq!(state.activation_id.as_deref(), Some("a"));
        assert_eq!(state.renewal_failures, 0);
    }

    #[test]
    fn recent_codes_keep_the_latest_few_in_order() {
        let mut state = LocalState::default();
        for at in 0..(RECENT_CODES as i64 + 3) {
            state.record_code(Code::Valid, at);
        }
        state.record_code(Code::Suspended, 100);
        assert_eq!(state.recent_codes.len(), RECENT_CODES);
        assert_eq!(
            state.recent_codes.last(),
            Some(&CodeAt {
                code: Code::Suspended,
                at: 100
            })
        );
        assert_eq!(state.recent_codes[0].at, 4);
        assert_eq!(
            (state.last_code, state.last_code_at),
            (Some(Code::Suspended), Some(100))
        );
    }
}
