//! `keyturn-server demo`: idempotently seeds a demo product with a few keys and prints them.
//!
//! Keys are stored only as keyed hashes, so the demo keeps its keys' plaintext in the
//! `demo_keys` table (demo licenses only) and prints the same keys on every run.

use super::admin::{self, NewLicense, NewPolicy, NewProduct};
use super::errors::ApiResult;
pub use super::model::DemoKey;
use super::model::{Matching, Uniqueness};
use super::secrets::KeyHasher;
use super::tx::Tx;
use keyturn_protocol::wire::LicenseStatus;

pub const PRODUCT_ID: &str = "demo";

/// One demo key: its label, policy, what it is for, its status, whether it has expired.
pub struct DemoSpec {
    pub label: &'static str,
    pub policy: &'static str,
    pub purpose: &'static str,
    pub status: LicenseStatus,
    pub expired: bool,
}

const fn spec(
    label: &'static str,
    policy: &'static str,
    purpose: &'static str,
    status: LicenseStatus,
    expired: bool,
) -> DemoSpec {
    DemoSpec {
        label,
        policy,
        purpose,
        status,
        expired,
    }
}

pub const DEMO_KEYS: &[DemoSpec] = &[
    spec("standard-1", "Standard", "fresh, 3 seats", LicenseStatus::Active, false),
    spec("standard-2", "Standard", "fresh, 3 seats", LicenseStatus::Active, false),
    spec(
        "single",
        "Single seat",
        "fresh, 1 seat (limit hit on a 2nd device)",
        LicenseStatus::Active,
        false,
    ),
    spec(
        "suspended",
        "Standard",
        "suspended (SUSPENDED)",
        LicenseStatus::Suspended,
        false,
    ),
    spec(
        "revoked",
        "Standard",
        "revoked (REVOKED)",
        LicenseStatus::Revoked,
        false,
    ),
    spec("expired", "Standard", "expired (EXPIRED)", LicenseStatus::Active, true),
];

/// (name, max machines, trial)
pub const POLICIES: &[(&str, u32, bool)] = &[("Standard", 3, false), ("Single seat", 1, false), ("Trial", 1, true)];

pub fn product() -> NewProduct {
    NewProduct {
        name: "Keyturn Demo".into(),
        id: Some(PRODUCT_ID.into()),
    }
}

pub fn policy(name: &str, max: u32, trial: bool) -> NewPolicy {
    NewPolicy {
        product_id: PRODUCT_ID.into(),
        name: name.into(),
        max_machines: max,
        uniqueness: Uniqueness::PerLicense,
        matching: Matching::Exact,
        fuzzy_min: None,
        renew_interval_secs: None,
        grace_secs: None,
        duration_secs: if trial { Some(14 * 24 * 3600) } else { None },
        offline_lease_secs: None,
        allow_vm: true,
        trial,
        floating: false,
        lease_secs: None,
        max_borrow_secs: None,
        release_unseen_days: None,
    }
}

pub fn license(policy_id: String, k: &DemoSpec, now: i64) -> NewLicense {
    NewLicense {
        policy_id,
        owner_name: "Demo User".into(),
        owner_email: "demo@example.com".into(),
        expires_at: if k.expired { Some(now - 24 * 3600) } else { None },
        ..NewLicense::default()
    }
}

pub fn purpose(k: &DemoSpec) -> String {
    format!("{} [{}]", k.purpose, k.policy)
}

/// The demo product's policy with this name, created when missing.
async fn policy_id(tx: &mut impl Tx, now: i64, name: &str, max: u32, trial: bool) -> ApiResult<String> {
    if let Some(existing) = tx.policy_named(PRODUCT_ID, name).await? {
        return Ok(existing.id);
    }
    Ok(admin::create_policy(tx, now, &policy(name, max, trial)).await?.id)
}

/// Seeds what is missing (inside the caller's transaction) and returns every demo key.
pub async fn seed(tx: &mut impl Tx, now: i64, hasher: &KeyHasher) -> ApiResult<Vec<DemoKey>> {
    tx.lock_demo().await?;
    if tx.product(PRODUCT_ID).await?.is_none() {
        admin::create_product(tx, now, &product()).await?;
    }
    for (name, max, trial) in POLICIES {
        policy_id(tx, now, name, *max, *trial).await?;
    }
    let known = tx.demo_keys().await?;
    for k in DEMO_KEYS {
        if known.iter().any(|d| d.label == k.label) {
            continue;
        }
        let policy = policy_id(tx, now, k.policy, 0, false).await?;
        let (created, key) = admin::create_license(tx, now, hasher, &license(policy, k, now), None).await?;
        if k.status != LicenseStatus::Active {
            tx.set_license_status(&created.license.id, k.status).await?;
        }
        let demo_key = DemoKey {
            label: k.label.into(),
            key: key.to_string(),
            purpose: purpose(k),
        };
        tx.insert_demo_key(&demo_key).await?;
    }
    tx.demo_keys().await
}

pub fn table(keys: &[DemoKey]) -> String {
    let mut out = format!("Keyturn Demo (product id: {PRODUCT_ID}); a trial policy \"Trial\" is offered too.\n\n");
    out.push_str(&format!("{:<12} {:<36} {}\n", "LABEL", "KEY", "WHAT IT IS FOR"));
    for k in keys {
        out.push_str(&format!("{:<12} {:<36} {}\n", k.label, k.key, k.purpose));
    }
    out
}
