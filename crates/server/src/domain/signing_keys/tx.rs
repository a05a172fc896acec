//! The queries of signing-key rotation ([`super`]), implemented by each store
//! (`store/sqlite/signing_keys.rs`, `store/postgres/signing_keys.rs`).

use super::{KeyState, StoredKey};
use crate::domain::errors::ApiResult;
use std::future::Future;

pub trait SigningKeyTx {
    /// Every key, oldest first.
    fn signing_keys(&mut self) -> impl Future<Output = ApiResult<Vec<StoredKey>>> + Send;
    /// Inserts the key unless its kid, or another key in its NEXT / ACTIVE state, exists;
    /// whether it was inserted.
    fn insert_signing_key(&mut self, key: &StoredKey) -> impl Future<Output = ApiResult<bool>> + Send;
    fn set_signing_key_state(
        &mut self,
        kid: &str,
        state: KeyState,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send;
    /// The one signing key of databases from before rotation (`meta.signing_key_seed`).
    fn legacy_signing_seed(&mut self) -> impl Future<Output = ApiResult<Option<[u8; 32]>>> + Send;
}
