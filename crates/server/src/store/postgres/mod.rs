//! The PostgreSQL store (`--db postgres://…`): the same [`Store`] contract as SQLite, for
//! several server replicas on one database. Every change runs in one transaction that locks
//! the license row (`SELECT … FOR UPDATE`), so seat limits hold across replicas; a change is
//! answered only after COMMIT returned (durable with PostgreSQL's default
//! `synchronous_commit = on`). Connections come from a deadpool pool; no TLS (use a local
//! socket, a loopback address or a tunnel).

mod admin_ops;
mod bench_seed;
mod client_ops;
mod events;
mod rows;
mod schema;
mod sessions;

use super::contract::{FingerprintRule, Store, StoreFuture};
use crate::demo::DemoKey;
use crate::errors::{ApiError, ApiResult};
use crate::model::{Policy, Product};
use crate::ops::admin::{Extend, LicenseView, MachineView, NewLicense, NewPolicy, NewProduct};
use crate::ops::Issued;
use crate::page::{Page, Paged};
use crate::secrets::Secrets;
use crate::store::session_rows::StoredSession;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use keyturn_protocol::wire::{ActivateRequest, LicenseStatus, MachinesResponse, TrialRequest, ValidateResponse};
use keyturn_protocol::LicenseKey;
use rand::RngCore;
use tokio_postgres::NoTls;

/// Is this `--db` value a PostgreSQL connection URL?
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

pub struct PgStore {
    pool: Pool,
    secrets: Secrets,
}

impl PgStore {
    /// Connects, creates the schema when missing and loads (or creates) the secrets.
    pub async fn open(url: &str, max_connections: usize) -> Result<PgStore, String> {
        let config: tokio_postgres::Config = url.parse().map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .build()
            .map_err(|e| e.to_string())?;
        let mut client = pool.get().await.map_err(|e| format!("cannot connect: {e}"))?;
        let tx = client.transaction().await.map_err(|e| e.to_string())?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::SCHEMA_LOCK])
            .await
            .map_err(|e| e.to_string())?;
        tx.batch_execute(schema::SCHEMA)
            .await
            .map_err(|e| format!("cannot create the schema: {e}"))?;
        tx.batch_execute(events::SCHEMA)
            .await
            .map_err(|e| format!("cannot create the event log: {e}"))?;
        tx.batch_execute(sessions::SCHEMA)
            .await
            .map_err(|e| format!("cannot create the sessions table: {e}"))?;
        let seed = meta_secret(&tx, "signing_key_seed").await.map_err(|e| e.to_string())?;
        let secret = meta_secret(&tx, "key_hash_secret").await.map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        let secrets = Secrets::from_parts(&seed, &secret).ok_or("the stored signing key is damaged")?;
        drop(client);
        Ok(PgStore { pool, secrets })
    }

    async fn client(&self) -> ApiResult<Object> {
        self.pool.get().await.map_err(|e| {
            tracing::error!(error = %e, "no database connection");
            ApiError::Internal("the database is unavailable".into())
        })
    }
}

async fn meta_secret(c: &tokio_postgres::Transaction<'_>, name: &str) -> Result<Vec<u8>, tokio_postgres::Error> {
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    c.execute(
        "INSERT INTO meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO NOTHING",
        &[&name, &fresh.as_slice()],
    )
    .await?;
    Ok(c.query_one("SELECT v FROM meta WHERE k = $1", &[&name]).await?.get(0))
}

/// Runs `$body` (an async expression using the transaction `$tx`, a
/// `&deadpool_postgres::Transaction`, whose `prepare_cached` statements outlive it) and commits when it succeeded, rolls back otherwise.
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let transaction = client.transaction().await?;
        let out = {
            let $tx: &deadpool_postgres::Transaction<'_> = &transaction;
            $body.await
        };
        match out {
            Ok(value) => {
                transaction.commit().await?;
                Ok(value)
            }
            Err(e) => {
                let _ = transaction.rollback().await;
                Err(e)
            }
        }
    }};
}

/// Runs `$body` on a pooled connection outside a transaction (single-statement reads).
macro_rules! on_client {
    ($store:expr, |$c:ident| $body:expr) => {{
        let client = $store.client().await?;
        let $c: &deadpool_postgres::Client = &client;
        $body.await
    }};
}

impl Store for PgStore {
    fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    fn validate(&self, now: i64, key_hash: String, fingerprint: String) -> StoreFuture<'_, ValidateResponse> {
        Box::pin(async move { on_client!(self, |c| client_ops::validate(c, now, &key_hash, &fingerprint)) })
    }

    fn activate(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(async move { in_tx!(self, |tx| client_ops::activate(tx, now, &key_hash, &req)) })
    }

    fn activate_offline(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(async move { in_tx!(self, |tx| client_ops::activate_offline(tx, now, &key_hash, &req)) })
    }

    fn renew(&self, now: i64, key_hash: String, id: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(async move { in_tx!(self, |tx| client_ops::renew(tx, now, &key_hash, &id, &req)) })
    }

    fn deactivate(&self, key_hash: String, id: String) -> StoreFuture<'_, ()> {
        Box::pin(async move { in_tx!(self, |tx| client_ops::deactivate(tx, &key_hash, &id)) })
    }

    fn machines(&self, key_hash: String, fp: Option<String>, page: Page) -> StoreFuture<'_, MachinesResponse> {
        Box::pin(async move { in_tx!(self, |tx| client_ops::machines(tx, &key_hash, fp.as_deref(), &page)) })
    }

    fn trial(&self, now: i64, key: LicenseKey, req: TrialRequest) -> StoreFuture<'_, Issued> {
        let key_hash = self.secrets.hasher.hash(&key);
        Box::pin(async move { in_tx!(self, |tx| client_ops::trial(tx, now, &key, &key_hash, &req)) })
    }

    fn create_product(&self, now: i64, new: NewProduct) -> StoreFuture<'_, Product> {
        Box::pin(async move { in_tx!(self, |tx| admin_ops::create_product(tx, now, &new)) })
    }

    fn products(&self) -> StoreFuture<'_, Vec<Product>> {
        Box::pin(async move { on_client!(self, |c| async { Ok(rows::products(c).await?) }) })
    }

    fn create_policy(&self, now: i64, new: NewPolicy) -> StoreFuture<'_, Policy> {
        Box::pin(async move { in_tx!(self, |tx| admin_ops::create_policy(tx, now, &new)) })
    }

    fn policies(&self, product_id: Option<String>) -> StoreFuture<'_, Vec<Policy>> {
        Box::pin(async move { on_client!(self, |c| async { Ok(rows::policies(c, product_id.as_deref()).await?) }) })
    }

    fn create_license(&self, now: i64, new: NewLicense) -> StoreFuture<'_, (LicenseView, LicenseKey)> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| admin_ops::create_license(tx, now, h, &new, None)) })
    }

    fn licenses(&self, product_id: Option<String>) -> StoreFuture<'_, Vec<LicenseView>> {
        Box::pin(async move { on_client!(self, |c| admin_ops::licenses(c, product_id.as_deref())) })
    }

    fn license(&self, id_or_key: String) -> StoreFuture<'_, LicenseView> {
        let h = &self.secrets.hasher;
        Box::pin(async move {
            on_client!(self, |c| async {
                Ok(admin_ops::view(admin_ops::find_license(c, h, &id_or_key, false).await?))
            })
        })
    }

    fn set_status(&self, id_or_key: String, status: LicenseStatus) -> StoreFuture<'_, LicenseView> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| admin_ops::set_status(tx, h, &id_or_key, status)) })
    }

    fn extend(&self, now: i64, id_or_key: String, how: Extend) -> StoreFuture<'_, LicenseView> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| admin_ops::extend(tx, h, now, &id_or_key, &how)) })
    }

    fn reset(&self, id_or_key: String) -> StoreFuture<'_, usize> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| admin_ops::reset(tx, h, &id_or_key)) })
    }

    fn license_machines(&self, id_or_key: String, page: Page) -> StoreFuture<'_, Paged<MachineView>> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| admin_ops::machines(tx, h, &id_or_key, &page)) })
    }

    fn remove_machine(&self, id_or_key: String, activation_id: String) -> StoreFuture<'_, ()> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| admin_ops::remove_machine(tx, h, &id_or_key, &activation_id)) })
    }

    fn set_fingerprint_rule(
        &self,
        now: i64,
        product_id: String,
        fingerprint: String,
        rule: Option<FingerprintRule>,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            in_tx!(self, |tx| admin_ops::set_fingerprint_rule(
                tx,
                now,
                &product_id,
                &fingerprint,
                rule
            ))
        })
    }

    fn append_events(&self, list: Vec<crate::events::Event>) -> StoreFuture<'_, ()> {
        Box::pin(async move { in_tx!(self, |tx| events::insert_all(tx, &list)) })
    }

    fn events(&self, query: crate::events::EventQuery) -> StoreFuture<'_, crate::events::EventPage> {
        Box::pin(async move { on_client!(self, |c| events::query(c, &query)) })
    }

    fn prune_events(&self, before: i64, limit: u32) -> StoreFuture<'_, u64> {
        Box::pin(async move { on_client!(self, |c| events::prune(c, before, limit)) })
    }

    fn put_session(&self, session: StoredSession, now: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move { on_client!(self, |c| sessions::put(c, &session, now)) })
    }

    fn session(&self, kind: String, id_hash: String, now: i64) -> StoreFuture<'_, Option<StoredSession>> {
        Box::pin(async move { on_client!(self, |c| sessions::get(c, &kind, &id_hash, now)) })
    }

    fn end_session(&self, kind: String, id_hash: String) -> StoreFuture<'_, ()> {
        Box::pin(async move { on_client!(self, |c| sessions::end(c, &kind, &id_hash)) })
    }

    fn demo(&self, now: i64) -> StoreFuture<'_, Vec<DemoKey>> {
        let h = &self.secrets.hasher;
        Box::pin(async move {
            in_tx!(self, |tx| async {
                // One seeding at a time (two CLI runs racing would both create the demo keys).
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&(schema::SCHEMA_LOCK + 1)])
                    .await?;
                admin_ops::demo(tx, now, h).await
            })
        })
    }
}
