//! A database for the floating-seat benchmark (scripts/bench-floating.sh): a floating policy
//! with an hour's lease, a 1-seat license whose seat [`DEVICE`] holds, and an N-seat license with
//! N live leases, [`DEVICE`] holding slot 0. The licenses are made through the server's
//! [`Store`]; the leases are plain SQL against its schema (SQLite), as binding many devices is
//! for `seed`.

use crate::seed::DEVICE;
use keyturn_server::clock::system_now;
use keyturn_server::domain::admin::{NewLicense, NewPolicy, NewProduct};
use keyturn_server::domain::model::{Matching, Uniqueness};
use keyturn_server::store::{self, postgres, Store, Sync};
use std::sync::Arc;

#[derive(Debug, Clone, clap::Args)]
pub struct SeedFloatingOptions {
    /// SQLite database file (created when missing).
    #[arg(long)]
    pub db: String,
    /// Seats of the big license, each held by a live lease.
    #[arg(long, default_value_t = 10_000)]
    pub seats: u32,
}

const LEASE_SECS: i64 = 3600;

async fn policy(store: &Arc<dyn Store>, seats: u32) -> Result<String, String> {
    let now = system_now();
    let product = store
        .create_product(
            now,
            NewProduct {
                name: "Floating bench".into(),
                id: None,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
    let policy = NewPolicy {
        product_id: product.id,
        name: format!("{seats} floating"),
        max_machines: seats,
        uniqueness: Uniqueness::PerLicense,
        matching: Matching::Exact,
        fuzzy_min: None,
        renew_interval_secs: None,
        grace_secs: None,
        duration_secs: None,
        offline_lease_secs: None,
        allow_vm: true,
        trial: false,
        floating: true,
        lease_secs: Some(LEASE_SECS),
        max_borrow_secs: None,
        release_unseen_days: None,
    };
    Ok(store.create_policy(now, policy).await.map_err(|e| e.to_string())?.id)
}

/// Answers lines `small KEY LEASE_ID` and `big KEY LEASE_ID` (DEVICE's lease on each).
pub async fn seed(opts: &SeedFloatingOptions) -> Result<String, String> {
    if postgres::is_url(&opts.db) {
        return Err("the floating-seat benchmark seeds a SQLite file".into());
    }
    let store = store::open(&opts.db, Sync::Full).await?;
    let mut out = String::new();
    for (label, seats) in [("small", 1), ("big", opts.seats.max(1))] {
        let policy_id = policy(&store, seats).await?;
        let new = NewLicense {
            policy_id,
            ..NewLicense::default()
        };
        let (view, key) = store
            .create_license(system_now(), new)
            .await
            .map_err(|e| e.to_string())?;
        let lease = fill(&opts.db, label, &view.license.id, seats)?;
        out.push_str(&format!("{label} {key} {lease}\n"));
    }
    Ok(out)
}

/// `n` live leases on the license, DEVICE's in slot 0; answers DEVICE's lease id.
fn fill(db: &str, label: &str, license_id: &str, n: u32) -> Result<String, String> {
    let now = system_now();
    let mut conn = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| e.to_string())?;
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO leases (slot_id, license_id, slot, generation, fingerprint, name, platform, started_at, \
                 expires_at, borrowed, released) VALUES (?1, ?2, ?3, 1, ?4, 'seeded', 'linux-x86_64', ?5, ?6, 0, 0)",
            )
            .map_err(|e| e.to_string())?;
        for i in 0..n {
            let fingerprint = if i == 0 {
                DEVICE.to_string()
            } else {
                format!("seeded-{i}")
            };
            // Spread over the hour, as heartbeats of many holders would be.
            let ends = now + LEASE_SECS + i64::from(i % 3600);
            insert
                .execute(rusqlite::params![
                    format!("lse_seed_{label}_{i}"),
                    license_id,
                    i,
                    fingerprint,
                    now,
                    ends
                ])
                .map_err(|e| e.to_string())?;
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(format!("lse_seed_{label}_0.1"))
}
