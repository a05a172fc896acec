//! What the external load benchmark (`scripts/bench-server.sh`, wrk) runs against:
//! `bench-seed` fills a database with a 1-seat and an N-seat license, `bare` serves the
//! reference route (JSON in, JSON out, nothing else) through the same accept loop as `serve`.

use crate::clock::system_now;
use crate::domain::admin::{self, NewLicense, NewPolicy, NewProduct};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::model::{Matching, Uniqueness};
use crate::store::sqlite::{complete, tx::SqliteTx};
use crate::store::{self, Store};
use axum::routing::post;
use axum::{Json, Router};
use keyturn_protocol::wire::ValidateRequest;
use rusqlite::{params, Connection};
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// The device every seeded license has bound (validate asks for it).
pub const DEVICE: &str = "bench-device";

#[derive(Debug, Clone, clap::Args)]
pub struct SeedOptions {
    /// SQLite database file (created when missing) or PostgreSQL URL (`postgres://…`).
    #[arg(long, env = "KEYTURN_DB")]
    pub db: String,
    /// Devices bound to the big license.
    #[arg(long, default_value_t = 100_000)]
    pub seats: u32,
    /// Licenses with one device bound, for runs of new activations on a small license.
    #[arg(long, default_value_t = 3)]
    pub fresh: u32,
}

#[derive(Debug, Clone, clap::Args)]
pub struct BareOptions {
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
}

/// Seeds one product and policy (room for any number of devices) and licenses with [`DEVICE`]
/// bound: `small` (1 device), `big` (`seats` devices) and `fresh` more with 1 device each.
/// Answers lines `small KEY`, `big KEY`, `fresh KEY`… for scripts.
pub fn seed(opts: &SeedOptions) -> Result<String, String> {
    if store::postgres::is_url(&opts.db) {
        return crate::cli::runtime()?.block_on(seed_postgres(opts));
    }
    let (mut conn, secrets) = store::sqlite::open_admin(Path::new(&opts.db)).map_err(|e| e.to_string())?;
    store::sqlite::in_transaction(&mut conn, |c| {
        let now = system_now();
        let product = complete(admin::create_product(
            &mut SqliteTx(c),
            now,
            &NewProduct {
                name: "Bench".into(),
                id: None,
            },
        ))?;
        let policy = complete(admin::create_policy(&mut SqliteTx(c), now, &bench_policy(product.id)))?;
        let new = NewLicense {
            policy_id: policy.id.clone(),
            ..NewLicense::default()
        };
        let mut out = String::new();
        for (label, seats) in licenses(opts) {
            let (license, key) = complete(admin::create_license(
                &mut SqliteTx(c),
                now,
                &secrets.hasher,
                &new,
                None,
            ))?;
            bind(c, now, &license.license.id, &policy.id, seats)?;
            out.push_str(&format!("{label} {key}\n"));
        }
        Ok(out)
    })
    .map_err(|e: ApiError| e.to_string())
}

/// Which licenses to seed and how many devices each has bound.
fn licenses(opts: &SeedOptions) -> impl Iterator<Item = (&'static str, u32)> {
    [("small", 1)]
        .into_iter()
        .chain([("big", opts.seats.max(1))])
        .chain((0..opts.fresh).map(|_| ("fresh", 1)))
}

/// The same seeding on PostgreSQL, through the store (and one statement per license's devices).
async fn seed_postgres(opts: &SeedOptions) -> Result<String, String> {
    let store = store::postgres::PgStore::open(&opts.db, 2).await?;
    let describe = |e: ApiError| e.to_string();
    let now = system_now();
    let product = store
        .create_product(
            now,
            NewProduct {
                name: "Bench".into(),
                id: None,
            },
        )
        .await
        .map_err(describe)?;
    let policy = store
        .create_policy(now, bench_policy(product.id))
        .await
        .map_err(describe)?;
    let mut out = String::new();
    for (label, seats) in licenses(opts) {
        let new = NewLicense {
            policy_id: policy.id.clone(),
            ..NewLicense::default()
        };
        let (license, key) = store.create_license(now, new).await.map_err(describe)?;
        store
            .bind_seeded(&license.license.id, &policy.id, DEVICE, seats, now)
            .await
            .map_err(describe)?;
        out.push_str(&format!("{label} {key}\n"));
    }
    Ok(out)
}

/// One policy with room for any number of devices (both benchmarks).
pub fn bench_policy(product_id: String) -> NewPolicy {
    NewPolicy {
        product_id,
        name: "Bench".into(),
        max_machines: u32::MAX,
        uniqueness: Uniqueness::PerLicense,
        matching: Matching::Exact,
        fuzzy_min: None,
        renew_interval_secs: None,
        grace_secs: None,
        duration_secs: None,
        offline_lease_secs: None,
        allow_vm: true,
        trial: false,
    }
}

/// Binds [`DEVICE`] and `n - 1` more devices to the license.
fn bind(conn: &Connection, now: i64, license_id: &str, policy_id: &str, n: u32) -> ApiResult<()> {
    let mut insert = conn.prepare(
        "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, container, \
         created_at, last_renewed_at) VALUES (?1, ?2, ?3, ?4, '{}', 'seeded', 'linux-x86_64', 0, 0, ?5, ?5)",
    )?;
    for i in 0..n {
        let fingerprint = if i == 0 {
            DEVICE.to_string()
        } else {
            format!("seeded-{i}")
        };
        insert.execute(params![
            crate::domain::ids::new_id("act"),
            license_id,
            policy_id,
            fingerprint,
            now
        ])?;
    }
    Ok(())
}

/// Serves `POST /bare` until SIGTERM; prints `KEYTURN_SERVER_LISTENING http://ADDR` first.
pub async fn bare(opts: BareOptions) -> Result<(), String> {
    let shutdown = crate::http::serve::shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "KEYTURN_SERVER_LISTENING http://{addr}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    crate::http::serve::serve_connections(listener, bare_router(), Duration::from_secs(10), shutdown).await;
    Ok(())
}

/// JSON in (a validate body), JSON out: what every route costs at least.
pub fn bare_router() -> Router {
    Router::new().route(
        "/bare",
        post(|Json(req): Json<ValidateRequest>| async move {
            Json(json!({"valid": true, "code": "VALID", "fingerprint": req.fingerprint}))
        }),
    )
}
