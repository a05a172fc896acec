//! The stores, side by side: [`sqlite`] (one file: a single writer with group commit, snapshot
//! readers, validate answered from memory while nothing changed) and [`postgres`] (several
//! server replicas on one database; row locks). Each implements the rules' query interface
//! ([`crate::domain::tx::Tx`]) with its own SQL and the [`Store`] contract the HTTP layer and the
//! CLI use, by running the rules of [`crate::domain`] inside its own transactions.
//! [`open`] picks one from the `--db` value.

pub mod contract;
pub mod key_refresh;
pub mod license_list_sql;
pub mod postgres;
pub mod schema_version;
pub mod sqlite;
pub mod validate_cache;

pub use contract::{Store, StoreFuture};
pub use sqlite::Db;

use std::path::Path;
use std::sync::Arc;

/// Opens the store a `--db` value names: a `postgres://` URL or a SQLite file path. For the
/// admin CLI: sealed values are neither checked nor changed (its commands seal and open none).
pub async fn open(db: &str, sync: Sync) -> Result<Arc<dyn Store>, String> {
    open_sealed(db, sync, &crate::domain::seal_key::Setting::NotChecked).await
}

/// Opens the store for serving (and `init`, `doctor`): its sealed values are checked against
/// the seal key `seal` says and resealed under a new key file ([`crate::domain::seal_key`]).
pub async fn open_sealed(
    db: &str,
    sync: Sync,
    seal: &crate::domain::seal_key::Setting,
) -> Result<Arc<dyn Store>, String> {
    if postgres::is_url(db) {
        let store = postgres::PgStore::open_sealed(db, postgres::pool_size(), seal)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        Ok(Arc::new(store))
    } else {
        let store = Db::open_sealed(Path::new(db), sync, seal).map_err(|e| format!("cannot open {db}: {e}"))?;
        Ok(Arc::new(store))
    }
}

/// How hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Sync {
    /// fsync the WAL on every commit: survives power loss (the default).
    Full,
    /// Survives a crash or SIGKILL of the server, not a power loss.
    Normal,
}
