//! The stores: SQLite (this module, [`Db`]) and PostgreSQL ([`postgres`]); [`open`] picks one
//! from the `--db` value.
//!
//! The SQLite store: one file in WAL mode, a small pool of reader connections that keep their
//! snapshot while the database is unchanged ([`readers`], [`wal_index`]), validate's rows kept in
//! memory on the same condition ([`validate_cache`]), and one writer thread that runs every
//! change inside `BEGIN IMMEDIATE … COMMIT` (see [`writer`]).
//!
//! The HTTP layer sees only the [`Store`] trait ([`contract`]); [`sqlite`] implements it for [`Db`].
//! The license rules live in [`crate::ops`] as functions of a `&Connection` inside a transaction,
//! and in [`crate::rules`] as pure functions; a PostgreSQL store would run the same rules with
//! `SELECT … FOR UPDATE` on the license row.

pub mod contract;
pub mod postgres;
pub mod readers;
pub mod rows;
pub mod schema;
pub mod session_rows;
pub mod sqlite;
pub mod validate_cache;
pub mod wal_index;
pub mod writer;

pub use contract::{FingerprintRule, Store, StoreFuture};

use crate::errors::{ApiError, ApiResult};
use crate::secrets::{self, Secrets};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Opens the store a `--db` value names: a `postgres://` URL or a SQLite file path.
pub async fn open(db: &str, sync: Sync) -> Result<Arc<dyn Store>, String> {
    if postgres::is_url(db) {
        let store = postgres::PgStore::open(db, 16)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))?;
        Ok(Arc::new(store))
    } else {
        let store = Db::open(Path::new(db), sync).map_err(|e| format!("cannot open {db}: {e}"))?;
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

/// Opens a connection with the store's settings.
pub fn open_connection(path: &Path, sync: Sync) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", if sync == Sync::Full { "FULL" } else { "NORMAL" })?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Opens (creating when missing) the database file with its schema and secrets.
pub fn open_admin(path: &Path) -> rusqlite::Result<(Connection, Secrets)> {
    let is_new = !path.exists();
    let conn = open_connection(path, Sync::Full)?;
    if is_new {
        restrict_permissions(path);
    }
    schema::create(&conn)?;
    let secrets = secrets::load_or_create(&conn)?;
    Ok((conn, secrets))
}

/// A new database holds the server's secrets: readable by its owner only (SQLite gives the -wal
/// and -shm files the same permissions).
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
            tracing::warn!(error = %e, "could not restrict the database file's permissions");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Runs `f` in one `BEGIN IMMEDIATE` transaction on `conn` (the CLI's way to write).
pub fn in_transaction<T>(conn: &mut Connection, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// The server's handle on the database.
pub struct Db {
    readers: Arc<readers::Readers>,
    writer: writer::Writer,
    validate_cache: validate_cache::ValidateCache<rows::ValidateView>,
    pub secrets: Arc<Secrets>,
}

impl Db {
    pub fn open(path: &Path, sync: Sync) -> rusqlite::Result<Db> {
        let (conn, secrets) = open_admin(path)?;
        drop(conn);
        let write_conn = open_connection(path, sync)?;
        // The writer's connection exists first: it keeps the WAL index the readers watch.
        write_conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
        let readers = readers::Readers::open(path, sync, Some(readers::IDLE_SNAPSHOT))?;
        let released = readers.clone();
        let writer = writer::Writer::start(write_conn, move || released.release_idle());
        Ok(Db {
            readers,
            writer,
            validate_cache: validate_cache::ValidateCache::default(),
            secrets: Arc::new(secrets),
        })
    }

    /// Runs a read on a pooled connection, on the calling thread ([`readers`]).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        self.readers.read(f)
    }

    /// Like [`Db::read`], for reads that may take long (listings): on a multi-threaded runtime
    /// the worker thread hands its other tasks over while it reads.
    pub fn read_long<T>(&self, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(|| self.read(f))
        } else {
            self.read(f)
        }
    }

    /// What validate reads for this key and fingerprint (None: no license has the key), from
    /// memory while the database has not changed since it was read ([`validate_cache`]).
    pub fn validate_view(&self, key_hash: String, fingerprint: String) -> ApiResult<Option<Arc<rows::ValidateView>>> {
        let version = self.readers.version();
        if let Some(kept) = version.and_then(|v| self.validate_cache.get(&v, &key_hash, &fingerprint)) {
            return Ok(Some(kept));
        }
        let view = self
            .readers
            .read_at(version, |c| Ok(rows::validate_view(c, &key_hash, &fingerprint)?))?
            .map(Arc::new);
        if let (Some(version), Some(view)) = (version, &view) {
            self.validate_cache.put(version, key_hash, fingerprint, view.clone());
        }
        Ok(view)
    }

    /// Runs a change inside the writer's transaction; answers only once it is committed.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        self.writer.run(f).await
    }
}

impl From<writer::WriterGone> for ApiError {
    fn from(_: writer::WriterGone) -> Self {
        ApiError::Internal("the database is unavailable".into())
    }
}
