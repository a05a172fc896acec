//! [`LicenseListTx`] and [`LicenseEditTx`] in SQLite (the rules: [`crate::domain::license_list`],
//! [`crate::domain::license_edit`]; the list's SQL: [`crate::store::license_list_sql`]).

use super::rows::{ctx_query, held_at};
use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::license_edit::{Details, LicenseEditTx};
use crate::domain::license_list::{Filter, LicenseListTx, ListRequest};
use crate::domain::tx::Held;
use crate::store::license_list_sql::{self, Param, Sql, SQLITE};
use rusqlite::{params, Connection};
use std::future::{ready, Future};
use std::sync::LazyLock;

/// The list's indexes (called after the schema; also upgrades an existing file).
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&license_list_sql::indexes(&SQLITE))
}

fn values(sql: &Sql) -> Vec<rusqlite::types::Value> {
    sql.params
        .iter()
        .map(|p| match p {
            Param::Int(n) => rusqlite::types::Value::Integer(*n),
            Param::Text(t) => rusqlite::types::Value::Text(t.clone()),
        })
        .collect()
}

fn page(conn: &Connection, req: &ListRequest) -> rusqlite::Result<Vec<Held>> {
    static HEAD: LazyLock<String> = LazyLock::new(|| ctx_query(""));
    let sql = license_list_sql::page(req, &HEAD, &SQLITE);
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(values(&sql)), held_at)?;
    rows.collect()
}

fn count(conn: &Connection, filter: &Filter) -> rusqlite::Result<u64> {
    let sql = license_list_sql::count(filter, &SQLITE);
    conn.prepare_cached(&sql.text)?
        .query_row(rusqlite::params_from_iter(values(&sql)), |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
}

impl LicenseListTx for SqliteTx<'_> {
    fn license_page(&mut self, req: &ListRequest) -> impl Future<Output = ApiResult<Vec<Held>>> + Send {
        ready(page(self.0, req).map_err(Into::into))
    }

    fn license_count(&mut self, filter: &Filter) -> impl Future<Output = ApiResult<u64>> + Send {
        ready(count(self.0, filter).map_err(Into::into))
    }
}

impl LicenseEditTx for SqliteTx<'_> {
    fn set_license_details(&mut self, id: &str, d: &Details) -> impl Future<Output = ApiResult<()>> + Send {
        let changed = self
            .0
            .prepare_cached(
                "UPDATE licenses SET owner_name = ?1, owner_email = ?2, entitlements = ?3, metadata = ?4 WHERE id = ?5",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    d.owner_name,
                    d.owner_email,
                    license_list_sql::json(&d.entitlements),
                    license_list_sql::json(&d.metadata),
                    id
                ])
            });
        ready(changed.map(drop).map_err(Into::into))
    }
}
