//! The few statement helpers every query file of this store uses (one copy: [`super::tx`],
//! [`super::staff`], [`super::leases`], …). Statements are prepared once per pooled connection
//! (`prepare_cached`).

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

impl<C: GenericClient + Sync> PgTx<'_, C> {
    /// Runs a statement; how many rows it changed.
    pub(super) async fn execute(&self, sql: &str, params: Params<'_>) -> ApiResult<u64> {
        let stmt = self.0.prepare_cached(sql).await?;
        Ok(self.0.execute(&stmt, params).await?)
    }

    /// Runs a statement whose row count does not matter.
    pub(super) async fn run(&self, sql: &str, params: Params<'_>) -> ApiResult<()> {
        self.execute(sql, params).await.map(drop)
    }

    /// A query's first column of its one row, read as a bool (`SELECT EXISTS (…)`).
    pub(super) async fn exists(&self, sql: &str, params: Params<'_>) -> ApiResult<bool> {
        let stmt = self.0.prepare_cached(sql).await?;
        Ok(self.0.query_one(&stmt, params).await?.get(0))
    }

    pub(super) async fn rows(&self, sql: &str, params: Params<'_>) -> ApiResult<Vec<Row>> {
        let stmt = self.0.prepare_cached(sql).await?;
        Ok(self.0.query(&stmt, params).await?)
    }
}
