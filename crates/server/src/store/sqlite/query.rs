//! The few statement helpers every query file of this store uses (one copy: [`super::tx`],
//! [`super::staff`], [`super::leases`], …). Statements are prepared once per connection
//! (`prepare_cached`).

use super::tx::SqliteTx;
use rusqlite::{OptionalExtension, Row};

impl SqliteTx<'_> {
    /// Runs a statement; how many rows it changed.
    pub(super) fn execute(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
        self.0.prepare_cached(sql)?.execute(params)
    }

    /// Runs a statement whose row count does not matter.
    pub(super) fn run(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<()> {
        self.execute(sql, params).map(drop)
    }

    /// A query's first column of its one row, read as a bool (`SELECT EXISTS (…)`).
    pub(super) fn exists(&self, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<bool> {
        self.0.prepare_cached(sql)?.query_row(params, |r| r.get(0))
    }

    /// The one row a query finds, if any.
    pub(super) fn one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        f: fn(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<Option<T>> {
        self.0.prepare_cached(sql)?.query_row(params, f).optional()
    }

    /// Every row of a query without parameters.
    pub(super) fn all<T>(&self, sql: &str, f: fn(&Row<'_>) -> rusqlite::Result<T>) -> rusqlite::Result<Vec<T>> {
        self.0.prepare_cached(sql)?.query_map([], f)?.collect()
    }
}
