//! Opening the PostgreSQL store: the pool, the schema and its upgrade steps (under one advisory
//! lock, so replicas starting together take turns), and the secrets.

use super::tx::PgTx;
use super::{changes, events, leases, license_list, schema, sessions, staff, versions, PgStore};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::seal_key::Setting;
use crate::domain::secrets::{fresh_secret, KEY_HASH_SECRET, SIGNING_SEED};
use crate::store::validate_cache::ValidateCache;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

impl PgStore {
    /// Connects, creates the schema when missing and loads (or creates) the secrets; sealed
    /// values neither checked nor changed (the admin CLI).
    pub async fn open(url: &str, max_connections: usize) -> Result<PgStore, String> {
        PgStore::open_sealed(url, max_connections, &Setting::NotChecked).await
    }

    /// Like [`PgStore::open`], the sealed values checked against (and put under) the seal key
    /// `seal` says ([`crate::domain::seal_key::adopt`]).
    pub async fn open_sealed(url: &str, max_connections: usize, seal: &Setting) -> Result<PgStore, String> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
        // Every rule here is written for READ COMMITTED (each statement sees what committed
        // before it: the seat checks' re-reads under row locks, the webhook log's settling): a
        // database or role whose default is stricter must not change that.
        let options = format!(
            "{} -c default_transaction_isolation=read\\ committed",
            config.get_options().unwrap_or_default()
        );
        config.options(options.trim());
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .build()
            .map_err(|e| e.to_string())?;
        let mut client = pool
            .get()
            .await
            .map_err(|e| format!("cannot connect: {}", with_causes(&e)))?;
        // Only once the database answers: else its retry loop's warnings came before the one
        // line that says why the command failed.
        let changes = changes::Changes::start(config);
        let mut tx = client.transaction().await.map_err(|e| e.to_string())?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::SCHEMA_LOCK])
            .await
            .map_err(|e| e.to_string())?;
        versions::refuse_newer(&tx).await?;
        // A database of this release has every table and index: the schema's DDL is skipped, as
        // `ALTER TABLE` takes its table's exclusive lock even when there is nothing to add, and a
        // replica (or a CLI command) starting beside busy ones would stall their requests.
        if !versions::is_current(&tx).await? {
            tx.batch_execute(schema::SCHEMA)
                .await
                .map_err(|e| format!("cannot create the schema: {e}"))?;
            tx.batch_execute(events::SCHEMA)
                .await
                .map_err(|e| format!("cannot create the event log: {e}"))?;
            tx.batch_execute(sessions::SCHEMA)
                .await
                .map_err(|e| format!("cannot create the sessions table: {e}"))?;
            tx.batch_execute(&crate::store::license_list_sql::indexes(
                &crate::store::license_list_sql::POSTGRES,
            ))
            .await
            .map_err(|e| format!("cannot create the license list's indexes: {e}"))?;
            license_list::create_text_index(&mut tx).await;
            tx.batch_execute(leases::SCHEMA)
                .await
                .map_err(|e| format!("cannot create the lease tables: {e}"))?;
            tx.batch_execute(staff::TOTP_STEPS)
                .await
                .map_err(|e| format!("cannot create the TOTP steps table: {e}"))?;
            versions::run_steps_and_record(&tx).await?;
        }
        // The first key of a new database; signing_keys takes it in as the ACTIVE key.
        meta_secret(&tx, SIGNING_SEED).await.map_err(|e| e.to_string())?;
        let secret = meta_secret(&tx, KEY_HASH_SECRET).await.map_err(|e| e.to_string())?;
        let keys = crate::domain::signing_keys::load(&mut PgTx(&tx), crate::clock::system_now())
            .await
            .map_err(|e| format!("cannot read the signing keys: {e}"))?;
        let mut secrets =
            crate::domain::signing_keys::secrets(&keys, &secret).ok_or("the stored signing key is damaged")?;
        if let Setting::File(key) = seal {
            secrets.use_file_key(key);
        }
        crate::domain::staff::sealed::seal_plain(&mut PgTx(&tx), &secrets.totp)
            .await
            .map_err(|e| format!("cannot seal the TOTP secrets: {e}"))?;
        // A refusal rolls the whole opening back (the transaction is dropped): nothing changed.
        let adopted = crate::domain::seal_key::adopt(&mut PgTx(&tx), seal, &secrets)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        adopted.log();
        drop(client);
        Ok(PgStore {
            pool,
            secrets,
            changes,
            validate_cache: ValidateCache::default(),
        })
    }

    pub(super) async fn client(&self) -> ApiResult<Object> {
        self.pool.get().await.map_err(|e| {
            tracing::error!(error = %e, "no database connection");
            ApiError::Internal("the database is unavailable".into())
        })
    }
}

async fn meta_secret(c: &tokio_postgres::Transaction<'_>, name: &str) -> Result<Vec<u8>, tokio_postgres::Error> {
    let fresh = fresh_secret();
    c.execute(
        "INSERT INTO meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING",
        &[&name, &fresh.as_slice()],
    )
    .await?;
    Ok(c.query_one("SELECT v FROM meta WHERE k = $1", &[&name]).await?.get(0))
}

/// An error with the causes its text leaves out ("error connecting to server" says nothing of
/// "Connection refused (os error 111)").
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}
