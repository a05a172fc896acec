//! Signing-key rotation, written once for both stores (queries: [`tx::SigningKeyTx`]).
//!
//! A key is NEXT (made and published so vendors can pin it; signs nothing), ACTIVE (signs every
//! new token; exactly one), PREVIOUS (signed tokens that are still out there) or RETIRED (the
//! vendor is done with it). `keys add-next` → the vendor pins the next key beside the current
//! one in the app → `keys promote` (NEXT → ACTIVE, ACTIVE → PREVIOUS; running servers sign with the
//! new key within [`REFRESH_EVERY`], see [`refresh`]) → apps renew onto it → `keys retire` → the vendor drops the old
//! key from the pinned list in a later app release. Each token names its key (`kid`,
//! [`keyturn_protocol::token::key_id`]).
//!
//! Databases from before rotation hold one key, the `signing_key_seed` in `meta`: [`load`] takes
//! it in as the ACTIVE key the first time.

pub mod tx;

use super::errors::{ApiError, ApiResult};
use super::secrets::{fresh_secret, Secrets, TokenKeys};
use keyturn_protocol::token::{key_id, public_key_to_string, signing_key_from_seed, TokenVerifyingKey};
use serde::Serialize;
use tx::SigningKeyTx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KeyState {
    Next,
    Active,
    Previous,
    Retired,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Next => "NEXT",
            KeyState::Active => "ACTIVE",
            KeyState::Previous => "PREVIOUS",
            KeyState::Retired => "RETIRED",
        }
    }

    pub fn parse(text: &str) -> Option<KeyState> {
        [KeyState::Next, KeyState::Active, KeyState::Previous, KeyState::Retired]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A stored signing key (its seed never leaves the store but to sign).
#[derive(Clone)]
pub struct StoredKey {
    pub kid: String,
    pub seed: [u8; 32],
    pub state: KeyState,
    pub created_at: i64,
    pub changed_at: i64,
}

impl StoredKey {
    fn new(seed: [u8; 32], state: KeyState, now: i64) -> StoredKey {
        StoredKey {
            kid: key_id(&signing_key_from_seed(seed).verifying_key()),
            seed,
            state,
            created_at: now,
            changed_at: now,
        }
    }

    pub fn public(&self) -> TokenVerifyingKey {
        signing_key_from_seed(self.seed).verifying_key()
    }

    pub fn view(&self) -> KeyView {
        KeyView {
            kid: self.kid.clone(),
            public_key: public_key_to_string(&self.public()),
            state: self.state,
            created_at: self.created_at,
            changed_at: self.changed_at,
        }
    }
}

/// What `keys list` shows of a key.
#[derive(Debug, Clone, Serialize)]
pub struct KeyView {
    pub kid: String,
    pub public_key: String,
    pub state: KeyState,
    pub created_at: i64,
    pub changed_at: i64,
}

/// The keys and what a vendor pins now: every key but the retired ones.
#[derive(Debug, Clone, Serialize)]
pub struct KeyList {
    pub keys: Vec<KeyView>,
    pub public_keys: Vec<String>,
}

pub fn list(keys: &[StoredKey]) -> KeyList {
    KeyList {
        keys: keys.iter().map(StoredKey::view).collect(),
        public_keys: keys
            .iter()
            .filter(|k| k.state != KeyState::Retired)
            .map(|k| public_key_to_string(&k.public()))
            .collect(),
    }
}

/// Every key, oldest first; a database from before rotation gets its one key (the legacy seed)
/// as the ACTIVE key here.
pub async fn load<T: SigningKeyTx>(tx: &mut T, now: i64) -> ApiResult<Vec<StoredKey>> {
    let keys = tx.signing_keys().await?;
    if !keys.is_empty() {
        return Ok(keys);
    }
    let seed = tx
        .legacy_signing_seed()
        .await?
        .ok_or_else(|| ApiError::Internal("the database holds no signing key".into()))?;
    // Another process may take it in at the same time: the same seed makes the same row.
    tx.insert_signing_key(&StoredKey::new(seed, KeyState::Active, now))
        .await?;
    tx.signing_keys().await
}

/// The secrets a server runs with: the ACTIVE key signs; every key not retired verifies.
pub fn secrets(keys: &[StoredKey], key_hash_secret: &[u8]) -> Option<Secrets> {
    Some(Secrets::new(token_keys(keys)?, key_hash_secret))
}

/// The token keys of the stored `keys` (None without an ACTIVE key).
pub fn token_keys(keys: &[StoredKey]) -> Option<TokenKeys> {
    let active = keys.iter().find(|k| k.state == KeyState::Active)?;
    Some(TokenKeys {
        signing_key: signing_key_from_seed(active.seed),
        verifying_keys: keys
            .iter()
            .filter(|k| k.state != KeyState::Retired)
            .map(StoredKey::public)
            .collect(),
        version: keys
            .iter()
            .map(|k| format!("{}:{}", k.kid, k.state.as_str()))
            .collect::<Vec<_>>()
            .join(","),
    })
}

/// A running server takes in keys promoted or retired since it started (by `keys promote` /
/// `keys retire`, from any process): `stored` is the `signing_keys` table read now. Whether the
/// keys changed. Cheap when nothing did (one string compare), so servers check every few
/// seconds ([`REFRESH_EVERY`]).
pub fn refresh(secrets: &Secrets, stored: &[StoredKey]) -> bool {
    token_keys(stored).is_some_and(|keys| secrets.replace_keys(keys))
}

/// How often a running server reads the `signing_keys` table ([`refresh`]).
pub const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Makes the next key (refused while one exists).
pub async fn add_next<T: SigningKeyTx>(tx: &mut T, now: i64) -> ApiResult<KeyView> {
    let keys = load(tx, now).await?;
    if let Some(next) = keys.iter().find(|k| k.state == KeyState::Next) {
        return Err(ApiError::bad_request(format!(
            "key {} is the next key already: promote it (keys promote) or retire it (keys retire --kid {})",
            next.kid, next.kid
        )));
    }
    let key = StoredKey::new(fresh_secret(), KeyState::Next, now);
    if !tx.insert_signing_key(&key).await? {
        return Err(ApiError::bad_request(
            "another process made a next key at the same time: see keys list",
        ));
    }
    Ok(key.view())
}

/// The next key signs from now on; the active one becomes PREVIOUS. Answers the new active key.
pub async fn promote<T: SigningKeyTx>(tx: &mut T, now: i64) -> ApiResult<KeyView> {
    let keys = load(tx, now).await?;
    let next = keys.iter().find(|k| k.state == KeyState::Next).ok_or_else(|| {
        ApiError::bad_request("there is no next key: make one with `keys add-next` and pin it in your app first")
    })?;
    if let Some(active) = keys.iter().find(|k| k.state == KeyState::Active) {
        tx.set_signing_key_state(&active.kid, KeyState::Previous, now).await?;
    }
    tx.set_signing_key_state(&next.kid, KeyState::Active, now).await?;
    Ok(StoredKey {
        state: KeyState::Active,
        changed_at: now,
        ..next.clone()
    }
    .view())
}

/// Retires a key that no longer signs (a previous or an unused next key).
pub async fn retire<T: SigningKeyTx>(tx: &mut T, now: i64, kid: &str) -> ApiResult<KeyView> {
    let keys = load(tx, now).await?;
    let key = keys
        .iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| ApiError::not_found(format!("there is no key {kid}: see keys list")))?;
    match key.state {
        KeyState::Active => Err(ApiError::bad_request(format!(
            "key {kid} signs every new token: add and promote a next key first"
        ))),
        KeyState::Retired => Ok(key.view()),
        KeyState::Next | KeyState::Previous => {
            tx.set_signing_key_state(kid, KeyState::Retired, now).await?;
            Ok(StoredKey {
                state: KeyState::Retired,
                changed_at: now,
                ..key.clone()
            }
            .view())
        }
    }
}

/// A change to the keys (`keyturn-server keys …`).
#[derive(Debug, Clone)]
pub enum KeyChange {
    AddNext,
    Promote,
    Retire { kid: String },
}

impl KeyChange {
    /// The event log's action.
    pub fn action(&self) -> &'static str {
        match self {
            KeyChange::AddNext => "signing_key_add_next",
            KeyChange::Promote => "signing_key_promote",
            KeyChange::Retire { .. } => "signing_key_retire",
        }
    }
}

/// Runs one change in the caller's transaction; the key it concerns.
pub async fn change<T: SigningKeyTx>(tx: &mut T, now: i64, what: &KeyChange) -> ApiResult<KeyView> {
    match what {
        KeyChange::AddNext => add_next(tx, now).await,
        KeyChange::Promote => promote(tx, now).await,
        KeyChange::Retire { kid } => retire(tx, now, kid).await,
    }
}

/// Every key and the list to pin.
pub async fn listing<T: SigningKeyTx>(tx: &mut T, now: i64) -> ApiResult<KeyList> {
    Ok(list(&load(tx, now).await?))
}
