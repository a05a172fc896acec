//! Self-hosting (issue 19): what `/metrics` reports of a PostgreSQL store.

use super::PgStore;
use crate::domain::errors::ApiResult;
use crate::store::contract::StoreGauges;

impl PgStore {
    pub(super) async fn ops_gauges(&self) -> ApiResult<StoreGauges> {
        let client = self.client().await?;
        let seats_in_use: i64 = client.query_one("SELECT COUNT(*) FROM activations", &[]).await?.get(0);
        drop(client);
        let status = self.pool.status();
        Ok(StoreGauges {
            seats_in_use,
            pool_size: status.size,
            pool_idle: status.available,
        })
    }
}
