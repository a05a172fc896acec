//! Self-hosting (issue 19): what `/metrics` reports of a SQLite store.

use super::Db;
use crate::domain::errors::ApiResult;
use crate::store::contract::StoreGauges;

impl Db {
    pub(super) fn ops_gauges(&self) -> ApiResult<StoreGauges> {
        let seats_in_use = self.read(|c| Ok(c.query_row("SELECT COUNT(*) FROM activations", [], |r| r.get(0))?))?;
        let idle = self.readers.idle_count();
        Ok(StoreGauges {
            seats_in_use,
            // The one writer connection plus the idle readers (busy ones are not counted).
            pool_size: idle + 1,
            pool_idle: idle,
        })
    }
}
