//! Self-hosting (issue 19): what `/metrics` reports of a SQLite store.

use super::Db;
use crate::domain::errors::ApiResult;
use crate::store::contract::{StoreGauges, GAUGES_SQL};

impl Db {
    pub(super) fn ops_gauges(&self) -> ApiResult<StoreGauges> {
        let (seats_in_use, webhook_backlog, mail_backlog) =
            self.read(|c| Ok(c.query_row(GAUGES_SQL, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?))?;
        let idle = self.readers.idle_count();
        Ok(StoreGauges {
            seats_in_use,
            webhook_backlog,
            mail_backlog,
            // The one writer connection plus the idle readers (busy ones are not counted).
            pool_size: idle + 1,
            pool_idle: idle,
        })
    }
}
