//! Admin operations, shared by the admin API and the CLI.

use super::generate_key;
use crate::errors::{ApiError, ApiResult};
use crate::ids::{is_valid_custom_id, new_id};
use crate::model::{self, Activation, License, Matching, Policy, Product, Uniqueness};
use crate::page::{Page, Paged};
use crate::rules;
use crate::secrets::KeyHasher;
use crate::store::rows::{self, LicenseCtx};
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::LicenseKey;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    pub product_id: String,
    pub name: String,
    pub max_machines: u32,
    #[serde(default = "default_uniqueness")]
    pub uniqueness: Uniqueness,
    #[serde(default = "default_matching")]
    pub matching: Matching,
    /// With FUZZY: component hashes that must match (default 2).
    #[serde(default)]
    pub fuzzy_min: Option<u32>,
    #[serde(default)]
    pub renew_interval_secs: Option<i64>,
    #[serde(default)]
    pub grace_secs: Option<i64>,
    #[serde(default)]
    pub duration_secs: Option<i64>,
    /// How long a device activated without internet needs no renewal (default 365 days).
    #[serde(default)]
    pub offline_lease_secs: Option<i64>,
    #[serde(default = "default_true")]
    pub allow_vm: bool,
    #[serde(default)]
    pub trial: bool,
}

fn default_uniqueness() -> Uniqueness {
    Uniqueness::PerLicense
}
fn default_matching() -> Matching {
    Matching::Exact
}
fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLicense {
    pub policy_id: String,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub owner_email: String,
    #[serde(default)]
    pub entitlements: Vec<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Overrides the policy's duration.
    #[serde(default)]
    pub expires_at: Option<i64>,
}

/// A license as the vendor sees it (never the key: only its first group).
#[derive(Debug, Clone, Serialize)]
pub struct LicenseView {
    #[serde(flatten)]
    pub license: License,
    pub policy_name: String,
    pub product_name: String,
    pub seats_used: u32,
    pub seats_max: u32,
}

/// A machine as the vendor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MachineView {
    #[serde(flatten)]
    pub activation: Activation,
    pub renew_by: i64,
    pub valid_until: i64,
    /// The device tag the app and the portal show too (`keyturn_protocol::wire::device_tag`).
    pub tag: String,
}

pub fn view(conn: &Connection, ctx: LicenseCtx) -> ApiResult<LicenseView> {
    let seats_used = rows::seats_used(conn, &ctx.license.id)?;
    Ok(LicenseView {
        seats_max: ctx.policy.max_machines,
        policy_name: ctx.policy.name,
        product_name: ctx.product_name,
        license: ctx.license,
        seats_used,
    })
}

pub fn check_fingerprint(fingerprint: &str) -> ApiResult<()> {
    if !keyturn_protocol::fingerprint::is_valid(fingerprint) {
        return Err(ApiError::new(
            keyturn_protocol::Code::InvalidFingerprint,
            "not a fingerprint",
        ));
    }
    Ok(())
}

fn check_text(what: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() || value.len() > max {
        return Err(ApiError::bad_request(format!("{what} must be 1 to {max} characters")));
    }
    Ok(())
}

/// The product to create, checked (any store).
pub fn new_product(now: i64, new: &NewProduct) -> ApiResult<Product> {
    check_text("name", &new.name, 200)?;
    let id = match &new.id {
        Some(id) if !is_valid_custom_id(id) => {
            return Err(ApiError::bad_request("a product id is 1 to 64 of A-Z a-z 0-9 _ -"))
        }
        Some(id) => id.clone(),
        None => new_id("prod"),
    };
    Ok(Product {
        id,
        name: new.name.clone(),
        created_at: now,
    })
}

pub fn create_product(conn: &Connection, now: i64, new: &NewProduct) -> ApiResult<Product> {
    let Product { id, .. } = new_product(now, new)?;
    if rows::product(conn, &id)?.is_some() {
        return Err(ApiError::bad_request(format!("a product with id {id} already exists")));
    }
    conn.execute(
        "INSERT INTO products (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![id, new.name, now],
    )?;
    Ok(Product {
        id,
        name: new.name.clone(),
        created_at: now,
    })
}

pub fn create_policy(conn: &Connection, now: i64, new: &NewPolicy) -> ApiResult<Policy> {
    check_text("name", &new.name, 200)?;
    if rows::product(conn, &new.product_id)?.is_none() {
        return Err(ApiError::not_found("no such product"));
    }
    let policy = new_policy(now, new)?;
    conn.execute(
        "INSERT INTO policies (id, product_id, name, max_machines, uniqueness, matching, fuzzy_min, renew_interval_secs, \
         grace_secs, duration_secs, allow_vm, trial, created_at, offline_lease_secs) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            policy.id,
            policy.product_id,
            policy.name,
            policy.max_machines,
            policy.uniqueness.as_str(),
            policy.matching.as_str(),
            policy.fuzzy_min,
            policy.renew_interval_secs,
            policy.grace_secs,
            policy.duration_secs,
            policy.allow_vm,
            policy.trial,
            policy.created_at,
            policy.offline_lease_secs
        ],
    )?;
    Ok(policy)
}

/// The policy to create, checked (any store; the caller checks that the product exists).
pub fn new_policy(now: i64, new: &NewPolicy) -> ApiResult<Policy> {
    check_text("name", &new.name, 200)?;
    if new.max_machines == 0 {
        return Err(ApiError::bad_request("max_machines must be at least 1"));
    }
    for (what, v) in [
        ("renew_interval_secs", new.renew_interval_secs),
        ("grace_secs", new.grace_secs),
        ("duration_secs", new.duration_secs),
        ("offline_lease_secs", new.offline_lease_secs),
    ] {
        if v.is_some_and(|v| v < 0) {
            return Err(ApiError::bad_request(format!("{what} must not be negative")));
        }
    }
    let policy = Policy {
        id: new_id("pol"),
        product_id: new.product_id.clone(),
        name: new.name.clone(),
        max_machines: new.max_machines,
        uniqueness: new.uniqueness,
        matching: new.matching,
        fuzzy_min: if new.matching == Matching::Fuzzy {
            new.fuzzy_min.unwrap_or(2).max(1)
        } else {
            0
        },
        renew_interval_secs: new.renew_interval_secs.unwrap_or(rules::DEFAULT_RENEW_INTERVAL_SECS),
        grace_secs: new.grace_secs.unwrap_or(rules::DEFAULT_GRACE_SECS),
        duration_secs: new.duration_secs,
        allow_vm: new.allow_vm,
        trial: new.trial,
        created_at: now,
        offline_lease_secs: new.offline_lease_secs.unwrap_or(rules::DEFAULT_OFFLINE_LEASE_SECS),
    };
    Ok(policy)
}

/// Creates a license and returns it with its key (the only time the key is known).
pub fn create_license(
    conn: &Connection,
    now: i64,
    hasher: &KeyHasher,
    new: &NewLicense,
    key: Option<LicenseKey>,
) -> ApiResult<(License, LicenseKey)> {
    let policy = rows::policy(conn, &new.policy_id)?.ok_or_else(|| ApiError::not_found("no such policy"))?;
    let (license, key) = new_license(now, &policy, new, key)?;
    conn.execute(
        "INSERT INTO licenses (id, policy_id, product_id, key_hash, key_prefix, status, expires_at, owner_name, \
         owner_email, entitlements, metadata, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'ACTIVE', ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            license.id,
            license.policy_id,
            license.product_id,
            hasher.hash(&key),
            license.key_prefix,
            license.expires_at,
            license.owner_name,
            license.owner_email,
            serde_json::to_string(&license.entitlements).expect("serializes"),
            serde_json::to_string(&license.metadata).expect("serializes"),
            now
        ],
    )?;
    Ok((license, key))
}

/// The license to create under `policy` and its key (any store).
pub fn new_license(
    now: i64,
    policy: &Policy,
    new: &NewLicense,
    key: Option<LicenseKey>,
) -> ApiResult<(License, LicenseKey)> {
    if new.owner_name.len() > 200 || new.owner_email.len() > 320 {
        return Err(ApiError::bad_request("owner name or email too long"));
    }
    if new.entitlements.len() > 100 || new.metadata.len() > 100 {
        return Err(ApiError::bad_request(
            "at most 100 entitlements and 100 metadata entries",
        ));
    }
    let key = key.unwrap_or_else(generate_key);
    let license = License {
        id: new_id("lic"),
        policy_id: policy.id.clone(),
        product_id: policy.product_id.clone(),
        key_prefix: key.display_prefix().to_string(),
        status: LicenseStatus::Active,
        expires_at: new.expires_at.or(policy.duration_secs.map(|d| now + d)),
        owner_name: new.owner_name.clone(),
        owner_email: new.owner_email.clone(),
        entitlements: new.entitlements.clone(),
        metadata: new.metadata.clone(),
        created_at: now,
    };
    Ok((license, key))
}

/// Finds a license by its id or by its key.
pub fn find_license(conn: &Connection, hasher: &KeyHasher, id_or_key: &str) -> ApiResult<LicenseCtx> {
    let found = match LicenseKey::parse(id_or_key) {
        Ok(key) if !id_or_key.starts_with("lic_") => rows::license_by_hash(conn, &hasher.hash(&key))?,
        _ => rows::license_by_id(conn, id_or_key)?,
    };
    found.ok_or_else(|| ApiError::not_found("no such license"))
}

pub fn set_status(conn: &Connection, license_id: &str, status: LicenseStatus) -> ApiResult<()> {
    conn.execute(
        "UPDATE licenses SET status = ?1 WHERE id = ?2",
        params![model::status_str(status), license_id],
    )?;
    tracing::info!(license = %license_id, status = model::status_str(status), "license status changed");
    Ok(())
}

/// Moves the expiry: to a given time, by some seconds (from the later of now and the current
/// expiry), or removes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extend {
    #[serde(default)]
    pub secs: Option<i64>,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub never: bool,
}

/// The expiry after extending `current` (any store).
pub fn extended_expiry(now: i64, current: Option<i64>, how: &Extend) -> ApiResult<Option<i64>> {
    Ok(match (how.secs, how.expires_at, how.never) {
        (Some(secs), None, false) => Some(current.unwrap_or(now).max(now).saturating_add(secs)),
        (None, Some(at), false) => Some(at),
        (None, None, true) => None,
        _ => return Err(ApiError::bad_request("give exactly one of secs, expires_at, never")),
    })
}

pub fn extend(conn: &Connection, now: i64, ctx: &LicenseCtx, how: &Extend) -> ApiResult<Option<i64>> {
    let new_expiry = extended_expiry(now, ctx.license.expires_at, how)?;
    conn.execute(
        "UPDATE licenses SET expires_at = ?1 WHERE id = ?2",
        params![new_expiry, ctx.license.id],
    )?;
    Ok(new_expiry)
}

/// Removes every activation of the license; returns how many.
pub fn reset(conn: &Connection, license_id: &str) -> ApiResult<usize> {
    Ok(conn.execute("DELETE FROM activations WHERE license_id = ?1", [license_id])?)
}

/// Removes one activation of the license (admin).
pub fn remove_machine(conn: &Connection, license_id: &str, activation_id: &str) -> ApiResult<()> {
    let n = conn.execute(
        "DELETE FROM activations WHERE license_id = ?1 AND id = ?2",
        params![license_id, activation_id],
    )?;
    if n == 0 {
        return Err(ApiError::new(
            keyturn_protocol::Code::ActivationNotFound,
            "no such activation on this license",
        ));
    }
    Ok(())
}

/// `BLOCK` or `ALLOW` a fingerprint for a product, or clear its rule (`None`). ALLOW exempts the
/// device from a policy's VM refusal and replaces a block.
pub fn set_fingerprint_rule(
    conn: &Connection,
    now: i64,
    product_id: &str,
    fingerprint: &str,
    rule: Option<&str>,
) -> ApiResult<()> {
    if rows::product(conn, product_id)?.is_none() {
        return Err(ApiError::not_found("no such product"));
    }
    check_fingerprint(fingerprint)?;
    match rule {
        Some(rule) => conn.execute(
            "INSERT INTO fingerprint_rules (product_id, fingerprint, rule, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (product_id, fingerprint) DO UPDATE SET rule = excluded.rule, created_at = excluded.created_at",
            params![product_id, fingerprint, rule, now],
        )?,
        None => conn.execute(
            "DELETE FROM fingerprint_rules WHERE product_id = ?1 AND fingerprint = ?2",
            params![product_id, fingerprint],
        )?,
    };
    Ok(())
}

/// One page of the license's machines, oldest activation first.
pub fn machines(conn: &Connection, ctx: &LicenseCtx, page: &Page) -> ApiResult<Paged<MachineView>> {
    let (list, next) = rows::activations_page(conn, &ctx.license.id, page)?;
    Ok(Paged {
        machines: list.into_iter().map(|a| machine_view(&ctx.policy, a)).collect(),
        total: rows::seats_used(conn, &ctx.license.id)?,
        next,
    })
}

pub fn machine_view(policy: &Policy, a: Activation) -> MachineView {
    MachineView {
        renew_by: rules::renew_by(policy, a.last_renewed_at, a.offline_until),
        valid_until: rules::valid_until(policy, a.last_renewed_at, a.offline_until),
        tag: keyturn_protocol::wire::device_tag(&a.id),
        activation: a,
    }
}

pub fn licenses(conn: &Connection, product_id: Option<&str>) -> ApiResult<Vec<LicenseView>> {
    rows::licenses(conn, product_id)?
        .into_iter()
        .map(|ctx| view(conn, ctx))
        .collect()
}
