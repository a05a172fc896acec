//! What every CLI command shares: a runtime, the store a `--db` names (settled before the
//! command returns), the event log entry it writes, and how answers and errors are printed.

use super::args::DbArg;
use crate::domain::errors::{ApiError, ApiResult};
use crate::events::Event;
use crate::store::{self, Store};
use std::sync::Arc;

pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// Opens the store and runs `f` on it (one change is one transaction).
/// The actor of every change made with the CLI.
pub const CLI: &str = "cli";

/// Records a change made with the CLI in the event log (after the change: a separate transaction).
pub async fn log(store: &Arc<dyn Store>, event: Event) -> ApiResult<()> {
    store.append_events(vec![event]).await
}

/// Runs a change made with the CLI with its event (`describe` of the answer), written in the
/// change's transaction ([`crate::events::with_event`]); a refused change is not logged.
pub async fn logged<T: 'static>(
    store: &Arc<dyn Store>,
    describe: impl FnOnce(&T) -> Event + Send + 'static,
    change: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    let (result, left) =
        crate::events::with_event::run(move |out: Result<&T, &ApiError>| out.ok().map(describe), change).await;
    if let Some(event) = left {
        log(store, event).await?;
    }
    result
}

pub fn with_store<T, F>(db: &DbArg, f: impl FnOnce(Arc<dyn Store>) -> F) -> Result<T, String>
where
    F: std::future::Future<Output = ApiResult<T>>,
{
    runtime()?.block_on(async {
        let store = store::open(&db.db, store::Sync::Full).await?;
        let out = f(store.clone()).await.map_err(describe);
        // Running servers see what this command changed before it returns.
        store.settle().await.map_err(describe)?;
        out
    })
}

/// [`with_store`] for a command that only reads: a SQLite path where no file is, is a typo, not
/// a new database (it used to create an empty one, with a signing key of its own, and print an
/// empty list with exit status 0).
pub fn with_existing_store<T, F>(db: &DbArg, f: impl FnOnce(Arc<dyn Store>) -> F) -> Result<T, String>
where
    F: std::future::Future<Output = ApiResult<T>>,
{
    if !crate::store::postgres::is_url(&db.db) && !std::path::Path::new(&db.db).exists() {
        return Err(format!(
            "no database at {}: check the path (`keyturn-server init` or `serve` creates one)",
            db.db
        ));
    }
    with_store(db, f)
}

pub fn describe(e: ApiError) -> String {
    let body = e.body();
    match e {
        ApiError::Store(e) => format!("database error: {e}"),
        ApiError::Internal(e) => format!("internal error: {e}"),
        ApiError::Coded { .. } => format!("{}: {}", body.code, body.message),
    }
}

pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(value).map_err(|e| e.to_string())?);
    Ok(())
}
