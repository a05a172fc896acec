//! [`LicenseListTx`] and [`LicenseEditTx`] in PostgreSQL (the rules:
//! [`crate::domain::license_list`], [`crate::domain::license_edit`]; the list's SQL:
//! [`crate::store::license_list_sql`]).

use super::rows::held_at;
use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::license_edit::{Details, LicenseEditTx};
use crate::domain::license_list::{Filter, LicenseListTx, ListRequest};
use crate::domain::tx::Held;
use crate::store::license_list_sql::{self, json, Param, Sql, POSTGRES};
use crate::store::sqlite::rows::ctx_query;
use deadpool_postgres::GenericClient;
use std::sync::LazyLock;
use tokio_postgres::types::ToSql;

fn values(sql: &Sql) -> Vec<Box<dyn ToSql + Sync + Send>> {
    sql.params
        .iter()
        .map(|p| -> Box<dyn ToSql + Sync + Send> {
            match p {
                Param::Int(n) => Box::new(*n),
                Param::Text(t) => Box::new(t.clone()),
            }
        })
        .collect()
}

impl<C: GenericClient + Sync> LicenseListTx for PgTx<'_, C> {
    async fn license_page(&mut self, req: &ListRequest) -> ApiResult<Vec<Held>> {
        static HEAD: LazyLock<String> = LazyLock::new(|| ctx_query(""));
        let sql = license_list_sql::page(req, &HEAD, &POSTGRES);
        let values = values(&sql);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref() as &(dyn ToSql + Sync)).collect();
        let stmt = self.0.prepare_cached(&sql.text).await?;
        Ok(self.0.query(&stmt, &refs).await?.iter().map(held_at).collect())
    }

    async fn license_count(&mut self, filter: &Filter) -> ApiResult<u64> {
        let sql = license_list_sql::count(filter, &POSTGRES);
        let values = values(&sql);
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v.as_ref() as &(dyn ToSql + Sync)).collect();
        let stmt = self.0.prepare_cached(&sql.text).await?;
        let n: i64 = self.0.query_one(&stmt, &refs).await?.get(0);
        Ok(n as u64)
    }
}

impl<C: GenericClient + Sync> LicenseEditTx for PgTx<'_, C> {
    async fn set_license_details(&mut self, id: &str, d: &Details) -> ApiResult<()> {
        let stmt = self
            .0
            .prepare_cached(
                "UPDATE licenses SET owner_name = $1, owner_email = $2, entitlements = $3, metadata = $4 WHERE id = $5",
            )
            .await?;
        let (entitlements, metadata) = (json(&d.entitlements), json(&d.metadata));
        self.0
            .execute(&stmt, &[&d.owner_name, &d.owner_email, &entitlements, &metadata, &id])
            .await?;
        Ok(())
    }
}

/// A trigram index makes the list's text search (`ILIKE '%…%'` over owner email and name) an
/// index lookup instead of a scan of every license. It needs the `pg_trgm` extension (in
/// PostgreSQL's contrib; trusted, so a database owner may create it): without it the search
/// still works, only slower, and the server says so once.
pub async fn create_text_index(tx: &mut tokio_postgres::Transaction<'_>) {
    let sql = format!(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm; \
         CREATE INDEX IF NOT EXISTS licenses_owner_trgm ON licenses USING gin (({}) gin_trgm_ops);",
        license_list_sql::OWNER_TEXT
    );
    let Ok(savepoint) = tx.savepoint("owner_text_index").await else {
        return;
    };
    match savepoint.batch_execute(&sql).await {
        Ok(()) => {
            let _ = savepoint.commit().await;
        }
        Err(e) => {
            let _ = savepoint.rollback().await;
            tracing::warn!(error = %e, "no trigram index (pg_trgm): searching licenses by owner scans them all");
        }
    }
}
