//! Databases for the benchmarks, made through the server's own [`Store`] contract (the same on
//! SQLite and PostgreSQL): one product, one policy with room for any number of devices, and
//! licenses. Binding many devices at once is benchmark-only, so it is plain SQL here (one
//! transaction on SQLite, one statement on PostgreSQL) against the server's schema.

use keyturn_server::clock::system_now;
use keyturn_server::domain::admin::{NewLicense, NewPolicy, NewProduct};
use keyturn_server::domain::errors::ApiError;
use keyturn_server::domain::model::{Matching, Uniqueness};
use keyturn_server::store::{self, postgres, Store, Sync};
use std::sync::Arc;

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

fn describe(e: ApiError) -> String {
    e.to_string()
}

/// A product and a policy with room for any number of devices; the policy's id.
pub(crate) async fn bench_policy(store: &Arc<dyn Store>) -> Result<String, String> {
    let now = system_now();
    let product = NewProduct {
        name: "Bench".into(),
        id: None,
    };
    let product = store.create_product(now, product).await.map_err(describe)?;
    let policy = NewPolicy {
        product_id: product.id,
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
        floating: false,
        lease_secs: None,
        max_borrow_secs: None,
        release_unseen_days: None,
    };
    Ok(store.create_policy(now, policy).await.map_err(describe)?.id)
}

/// A new license of the policy: its id and key.
async fn license(store: &Arc<dyn Store>, policy_id: &str) -> Result<(String, String), String> {
    let new = NewLicense {
        policy_id: policy_id.into(),
        ..NewLicense::default()
    };
    let (view, key) = store.create_license(system_now(), new).await.map_err(describe)?;
    Ok((view.license.id, key.to_string()))
}

/// `count` licenses with no device yet (the in-process load benchmark activates on them).
pub async fn licenses_for_load(db: &str, count: usize) -> Result<Vec<String>, String> {
    let store = store::open(db, Sync::Normal).await?;
    let policy = bench_policy(&store).await?;
    let mut keys = Vec::with_capacity(count);
    for _ in 0..count {
        keys.push(license(&store, &policy).await?.1);
    }
    Ok(keys)
}

/// Seeds licenses with [`DEVICE`] bound: `small` (1 device), `big` (`seats` devices) and `fresh`
/// more with 1 device each. Answers lines `small KEY`, `big KEY`, `fresh KEY`… for scripts.
pub async fn seed(opts: &SeedOptions) -> Result<String, String> {
    let store = store::open(&opts.db, Sync::Full).await?;
    let policy = bench_policy(&store).await?;
    let plan = [("small", 1)]
        .into_iter()
        .chain([("big", opts.seats.max(1))])
        .chain((0..opts.fresh).map(|_| ("fresh", 1)));
    let mut out = String::new();
    for (label, seats) in plan {
        let (license_id, key) = license(&store, &policy).await?;
        bind(&opts.db, &license_id, &policy, seats).await?;
        out.push_str(&format!("{label} {key}\n"));
    }
    Ok(out)
}

/// Binds [`DEVICE`] and `n - 1` devices `seeded-1`… to the license (the schema's triggers keep
/// the seat counter).
async fn bind(db: &str, license_id: &str, policy_id: &str, n: u32) -> Result<(), String> {
    let now = system_now();
    if postgres::is_url(db) {
        let (client, connection) = tokio_postgres::connect(db, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        client
            .execute(
                "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, \
                 container, created_at, last_renewed_at) \
                 SELECT 'act_seed_' || $1 || '_' || i, $1, $2, CASE WHEN i = 0 THEN $3 ELSE 'seeded-' || i END, \
                 '{}', 'seeded', 'linux-x86_64', FALSE, FALSE, $4, $4 \
                 FROM generate_series(0, $5::BIGINT - 1) AS i",
                &[&license_id, &policy_id, &DEVICE, &now, &i64::from(n)],
            )
            .await
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    let mut conn = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, \
                 container, created_at, last_renewed_at) VALUES (?1, ?2, ?3, ?4, '{}', 'seeded', 'linux-x86_64', 0, 0, ?5, ?5)",
            )
            .map_err(|e| e.to_string())?;
        for i in 0..n {
            let fingerprint = if i == 0 {
                DEVICE.to_string()
            } else {
                format!("seeded-{i}")
            };
            let id = format!("act_seed_{license_id}_{i}");
            insert
                .execute(rusqlite::params![id, license_id, policy_id, fingerprint, now])
                .map_err(|e| e.to_string())?;
        }
    }
    tx.commit().map_err(|e| e.to_string())
}
