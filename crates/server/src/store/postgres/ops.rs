//! Self-hosting (issue 19): what `/metrics` reports of a PostgreSQL store.

use super::PgStore;
use crate::domain::errors::ApiResult;
use crate::store::contract::{StoreGauges, GAUGES_SQL};

impl PgStore {
    pub(super) async fn ops_gauges(&self) -> ApiResult<StoreGauges> {
        let client = self.client().await?;
        let row = client.query_one(GAUGES_SQL, &[]).await?;
        drop(client);
        let status = self.pool.status();
        Ok(StoreGauges {
            seats_in_use: row.get(0),
            webhook_backlog: row.get(1),
            mail_backlog: row.get(2),
            pool_size: status.size,
            pool_idle: status.available,
        })
    }
}
