//! The SQLite store: one file in WAL mode, a small pool of reader connections that keep their
//! snapshot while the database is unchanged ([`readers`], [`wal_index`]), validate's rows kept in
//! memory on the same condition ([`super::validate_cache`]), and one writer thread that runs every
//! change inside `BEGIN IMMEDIATE … COMMIT` (see [`writer`]).
//!
//! The rules ([`crate::domain`]) run over [`tx::SqliteTx`], the SQL of this store; SQLite's
//! queries are synchronous, so a rule completes in one poll ([`complete`]) on whichever thread
//! holds the connection (the writer's or a reader's). [`store`] implements the [`Store`]
//! contract for [`Db`].
//!
//! [`Store`]: super::Store

pub mod backup;
pub mod events;
pub mod leases;
pub mod license_list;

pub mod mail;
pub mod noted;
mod ops;
pub mod outbox;
pub mod payments;
mod query;
pub mod readers;
pub mod rename;
pub mod rows;
pub mod schema;
pub mod seal_key;
pub mod secrets;
pub mod sessions;
pub mod signing_keys;
pub mod staff;
pub mod store;
pub mod tx;
pub mod versions;
pub mod wal_index;
mod webhook_schema;
pub mod webhooks;
mod whole_rows;
pub mod writer;

use super::validate_cache::ValidateCache;
use super::Sync;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::model::ValidateView;
use crate::domain::secrets::Secrets;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::future::Future;
use std::path::Path;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Store(e.to_string())
    }
}

/// Runs a rule over [`tx::SqliteTx`] to its end: every query of this store answers at once, so
/// the rule's future completes in one poll.
pub fn complete<T>(rule: impl Future<Output = ApiResult<T>>) -> ApiResult<T> {
    match pin!(rule).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(ApiError::Internal("a SQLite rule waited for something".into())),
    }
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

/// Opens (creating when missing) the database file with its schema and secrets, its sealed
/// values checked against (and put under) the seal key `seal` says ([`seal_key::adopt_at_open`]).
pub fn open_admin(path: &Path, seal: &crate::domain::seal_key::Setting) -> rusqlite::Result<(Connection, Secrets)> {
    let is_new = !path.exists();
    let conn = open_connection(path, Sync::Full)?;
    if is_new {
        restrict_permissions(path);
    }
    schema::create(&conn)?;
    let mut secrets = secrets::load_or_create(&conn)?;
    if let crate::domain::seal_key::Setting::File(key) = seal {
        secrets.use_file_key(key);
    }
    staff::seal_plain_totp_secrets(&conn, &secrets.totp)?;
    seal_key::adopt_at_open(&conn, &secrets, seal)?;
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
    validate_cache: ValidateCache<ValidateView, wal_index::Version>,
    pub secrets: Arc<Secrets>,
}

impl Db {
    /// Opens the file for the admin CLI: sealed values neither checked nor changed.
    pub fn open(path: &Path, sync: Sync) -> rusqlite::Result<Db> {
        Db::open_sealed(path, sync, &crate::domain::seal_key::Setting::NotChecked)
    }

    /// Opens the file, its sealed values under the seal key `seal` says.
    pub fn open_sealed(path: &Path, sync: Sync, seal: &crate::domain::seal_key::Setting) -> rusqlite::Result<Db> {
        let (conn, secrets) = open_admin(path, seal)?;
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
            validate_cache: ValidateCache::default(),
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
    pub fn validate_view(&self, key_hash: String, fingerprint: String) -> ApiResult<Option<Arc<ValidateView>>> {
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
