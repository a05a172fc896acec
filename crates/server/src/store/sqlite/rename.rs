//! [`RenameTx`] in SQLite's SQL (the rule: [`crate::domain::rename`]).

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::rename::RenameTx;
use rusqlite::params;
use std::future::{ready, Future};

impl RenameTx for SqliteTx<'_> {
    fn set_activation_name(
        &mut self,
        license_id: &str,
        id: &str,
        name: &str,
    ) -> impl Future<Output = ApiResult<u64>> + Send {
        let changed = self
            .0
            .prepare_cached("UPDATE activations SET name = ?1 WHERE id = ?2 AND license_id = ?3")
            .and_then(|mut stmt| stmt.execute(params![name, id, license_id]));
        ready(changed.map(|n| n as u64).map_err(Into::into))
    }
}
