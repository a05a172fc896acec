//! The `signing_keys` table in PostgreSQL (the rules: [`crate::domain::signing_keys`]).

use super::tx::PgTx;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::secrets::SIGNING_SEED;
use crate::domain::signing_keys::tx::SigningKeyTx;
use crate::domain::signing_keys::{KeyState, StoredKey};
use deadpool_postgres::GenericClient;

/// Schema step "signing keys": at most one NEXT and one ACTIVE key (the partial unique index).
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY,
    seed BYTEA NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('NEXT', 'ACTIVE', 'PREVIOUS', 'RETIRED')),
    created_at BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    seq BIGSERIAL
);
CREATE UNIQUE INDEX IF NOT EXISTS signing_keys_one_per_state ON signing_keys(state)
    WHERE state IN ('NEXT', 'ACTIVE');
"#;

fn damaged(what: &str) -> ApiError {
    ApiError::Internal(format!("a stored signing key's {what} is damaged"))
}

impl<C: GenericClient + Sync> SigningKeyTx for PgTx<'_, C> {
    async fn signing_keys(&mut self) -> ApiResult<Vec<StoredKey>> {
        let rows = self
            .0
            .query(
                "SELECT kid, seed, state, created_at, changed_at FROM signing_keys ORDER BY created_at, seq",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredKey {
                    kid: r.get(0),
                    seed: r.get::<_, &[u8]>(1).try_into().map_err(|_| damaged("seed"))?,
                    state: KeyState::parse(r.get(2)).ok_or_else(|| damaged("state"))?,
                    created_at: r.get(3),
                    changed_at: r.get(4),
                })
            })
            .collect()
    }

    async fn insert_signing_key(&mut self, key: &StoredKey) -> ApiResult<bool> {
        let n = self
            .0
            .execute(
                "INSERT INTO signing_keys (kid, seed, state, created_at, changed_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
                &[
                    &key.kid,
                    &key.seed.as_slice(),
                    &key.state.as_str(),
                    &key.created_at,
                    &key.changed_at,
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn set_signing_key_state(&mut self, kid: &str, state: KeyState, now: i64) -> ApiResult<()> {
        self.0
            .execute(
                "UPDATE signing_keys SET state = $2, changed_at = $3 WHERE kid = $1",
                &[&kid, &state.as_str(), &now],
            )
            .await?;
        Ok(())
    }

    async fn legacy_signing_seed(&mut self) -> ApiResult<Option<[u8; 32]>> {
        let row = self
            .0
            .query_opt("SELECT v FROM meta WHERE k = $1", &[&SIGNING_SEED])
            .await?;
        Ok(row.and_then(|r| r.get::<_, &[u8]>(0).try_into().ok()))
    }
}
