//! Reading and recording the schema version in PostgreSQL's `meta` table (the rule:
//! [`crate::store::schema_version`]), inside the transaction that holds the schema lock.

use super::schema::{STEPS, VERSION};
use crate::store::schema_version::{self, META_KEY};
use tokio_postgres::Transaction;

/// The recorded version: None for a new database or one made before versions were recorded.
pub async fn stored(tx: &Transaction<'_>) -> Result<Option<u32>, String> {
    let cannot = |e: tokio_postgres::Error| format!("cannot read the schema version: {e}");
    let has_meta: bool = tx
        .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
        .await
        .map_err(cannot)?
        .get(0);
    if !has_meta {
        return Ok(None);
    }
    let row = tx
        .query_opt("SELECT v FROM meta WHERE k = $1", &[&META_KEY])
        .await
        .map_err(cannot)?;
    row.map(|r| schema_version::decode(r.get::<_, &[u8]>(0))).transpose()
}

/// Is the database of this release's schema version (nothing to create or upgrade)?
pub async fn is_current(tx: &Transaction<'_>) -> Result<bool, String> {
    Ok(stored(tx).await? == Some(VERSION))
}

/// Before the base schema runs: refuses a newer release's database (nothing changed yet).
pub async fn refuse_newer(tx: &Transaction<'_>) -> Result<(), String> {
    schema_version::check(stored(tx).await?, VERSION)
}

/// After the base schema: every step, then this release's version.
pub async fn run_steps_and_record(tx: &Transaction<'_>) -> Result<(), String> {
    for (name, sql) in STEPS {
        tx.batch_execute(sql)
            .await
            .map_err(|e| format!("cannot upgrade the schema ({name}): {e}"))?;
    }
    tx.execute(
        "INSERT INTO meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        &[&META_KEY, &schema_version::encode(VERSION)],
    )
    .await
    .map_err(|e| format!("cannot record the schema version: {e}"))?;
    Ok(())
}
