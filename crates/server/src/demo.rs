//! `keyturn-server demo`: idempotently seeds a demo product with a few keys and prints them.
//!
//! Keys are stored only as keyed hashes, so the demo keeps its keys' plaintext in the
//! `demo_keys` table (demo licenses only) and prints the same keys on every run.

use crate::clock::system_now;
use crate::errors::ApiResult;
use crate::model::{Matching, Uniqueness};
use crate::ops::admin::{self, NewLicense, NewPolicy, NewProduct};
use crate::secrets::KeyHasher;
use crate::store::rows;
use keyturn_protocol::wire::LicenseStatus;
use rusqlite::{params, Connection, OptionalExtension};

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

pub struct DemoKey {
    pub label: String,
    pub key: String,
    pub purpose: String,
}

fn policy_id(conn: &Connection, name: &str, max: u32, trial: bool) -> ApiResult<String> {
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM policies WHERE product_id = ?1 AND name = ?2",
            params![PRODUCT_ID, name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let policy = admin::create_policy(conn, system_now(), &policy(name, max, trial))?;
    Ok(policy.id)
}

/// Seeds what is missing (inside the caller's transaction) and returns every demo key.
pub fn seed(conn: &Connection, hasher: &KeyHasher) -> ApiResult<Vec<DemoKey>> {
    let now = system_now();
    if rows::product(conn, PRODUCT_ID)?.is_none() {
        admin::create_product(conn, now, &product())?;
    }
    for (name, max, trial) in POLICIES {
        policy_id(conn, name, *max, *trial)?;
    }
    for k in DEMO_KEYS {
        let known: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM demo_keys WHERE label = ?1)",
            [k.label],
            |r| r.get(0),
        )?;
        if known {
            continue;
        }
        let policy = policy_id(conn, k.policy, 0, false)?;
        let (license, key) = admin::create_license(conn, now, hasher, &license(policy, k, now), None)?;
        if k.status != LicenseStatus::Active {
            admin::set_status(conn, &license.id, k.status)?;
        }
        conn.execute(
            "INSERT INTO demo_keys (label, license_key, purpose) VALUES (?1, ?2, ?3)",
            params![k.label, key.to_string(), purpose(k)],
        )?;
    }
    let mut stmt = conn.prepare("SELECT label, license_key, purpose FROM demo_keys ORDER BY rowid")?;
    let keys = stmt
        .query_map([], |r| {
            Ok(DemoKey {
                label: r.get(0)?,
                key: r.get(1)?,
                purpose: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(keys)
}

pub fn table(keys: &[DemoKey]) -> String {
    let mut out = format!("Keyturn Demo (product id: {PRODUCT_ID}); a trial policy \"Trial\" is offered too.\n\n");
    out.push_str(&format!("{:<12} {:<36} {}\n", "LABEL", "KEY", "WHAT IT IS FOR"));
    for k in keys {
        out.push_str(&format!("{:<12} {:<36} {}\n", k.label, k.key, k.purpose));
    }
    out
}
