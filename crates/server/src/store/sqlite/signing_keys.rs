//! The `signing_keys` table in SQLite (the rules: [`crate::domain::signing_keys`]).

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::secrets::SIGNING_SEED;
use crate::domain::signing_keys::tx::SigningKeyTx;
use crate::domain::signing_keys::{KeyState, StoredKey};
use rusqlite::{params, Connection, OptionalExtension};
use std::future::{ready, Future};

/// Schema step "signing keys": at most one NEXT and one ACTIVE key (the partial unique index).
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        r#"
CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY,
    seed BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('NEXT', 'ACTIVE', 'PREVIOUS', 'RETIRED')),
    created_at INTEGER NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS signing_keys_one_per_state ON signing_keys(state)
    WHERE state IN ('NEXT', 'ACTIVE');
"#,
    )
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredKey> {
    let seed: Vec<u8> = r.get(1)?;
    let state: String = r.get(2)?;
    let bad = |what: &str| rusqlite::Error::InvalidColumnType(0, what.into(), rusqlite::types::Type::Blob);
    Ok(StoredKey {
        kid: r.get(0)?,
        seed: seed.try_into().map_err(|_| bad("seed"))?,
        state: KeyState::parse(&state).ok_or_else(|| bad("state"))?,
        created_at: r.get(3)?,
        changed_at: r.get(4)?,
    })
}

fn keys(conn: &Connection) -> rusqlite::Result<Vec<StoredKey>> {
    conn.prepare_cached("SELECT kid, seed, state, created_at, changed_at FROM signing_keys ORDER BY created_at, rowid")?
        .query_map([], row)?
        .collect()
}

impl SigningKeyTx for SqliteTx<'_> {
    fn signing_keys(&mut self) -> impl Future<Output = ApiResult<Vec<StoredKey>>> + Send {
        ready(keys(self.0).map_err(Into::into))
    }

    fn insert_signing_key(&mut self, key: &StoredKey) -> impl Future<Output = ApiResult<bool>> + Send {
        let inserted = self.0.execute(
            "INSERT INTO signing_keys (kid, seed, state, created_at, changed_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT DO NOTHING",
            params![
                key.kid,
                key.seed.to_vec(),
                key.state.as_str(),
                key.created_at,
                key.changed_at
            ],
        );
        ready(inserted.map(|n| n == 1).map_err(Into::into))
    }

    fn set_signing_key_state(
        &mut self,
        kid: &str,
        state: KeyState,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        let set = self.0.execute(
            "UPDATE signing_keys SET state = ?2, changed_at = ?3 WHERE kid = ?1",
            params![kid, state.as_str(), now],
        );
        ready(set.map(|_| ()).map_err(Into::into))
    }

    fn legacy_signing_seed(&mut self) -> impl Future<Output = ApiResult<Option<[u8; 32]>>> + Send {
        let seed = self
            .0
            .query_row("SELECT v FROM meta WHERE k = ?1", [SIGNING_SEED], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional();
        ready(seed.map(|s| s.and_then(|s| s.try_into().ok())).map_err(Into::into))
    }
}
