//! What the admin API and CLI send to create and change things, and the checks each input
//! gets before any store sees it (the same refusals on every store).

use super::errors::{ApiError, ApiResult};
use super::ids::{is_valid_custom_id, new_id};
use super::issued::generate_key;
use super::model::{License, Matching, Policy, Product, Uniqueness};
use super::rules;
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::LicenseKey;
use serde::Deserialize;
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
    /// Floating seats: `max_machines` seats in use at once, held by leases
    /// ([`super::leases::terms`] checks these four).
    #[serde(default)]
    pub floating: bool,
    #[serde(default)]
    pub lease_secs: Option<i64>,
    #[serde(default)]
    pub max_borrow_secs: Option<i64>,
    /// Node-locked: an activation unseen this many days is freed for a new device.
    #[serde(default)]
    pub release_unseen_days: Option<i64>,
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

pub fn check_fingerprint(fingerprint: &str) -> ApiResult<()> {
    if !keyturn_protocol::fingerprint::is_valid(fingerprint) {
        return Err(ApiError::new(
            keyturn_protocol::Code::InvalidFingerprint,
            "not a fingerprint",
        ));
    }
    Ok(())
}

/// The latest time the server takes, 9999-12-31T23:59:59Z: every page and app can show it,
/// and now plus any duration up to it cannot overflow an i64 (a policy's `duration_secs` of
/// i64::MAX made creating a license panic; an expiry of i64::MAX showed as "Invalid Date").
pub const LATEST_TIME: i64 = 253_402_300_799;

/// A time a client gives (Unix seconds): from 1970 to [`LATEST_TIME`].
pub fn check_time(what: &str, at: i64) -> ApiResult<()> {
    if (0..=LATEST_TIME).contains(&at) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{what} must be a time from 1970 to 9999 (Unix seconds 0 to {LATEST_TIME})"
        )))
    }
}

/// A duration a client gives: 0 to [`LATEST_TIME`] seconds.
fn check_duration(what: &str, secs: i64) -> ApiResult<()> {
    if (0..=LATEST_TIME).contains(&secs) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{what} must be 0 to {LATEST_TIME} seconds"
        )))
    }
}

fn check_text(what: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.trim().is_empty() || value.len() > max {
        return Err(ApiError::bad_request(format!("{what} must be 1 to {max} characters")));
    }
    Ok(())
}

/// The product to create, checked.
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

/// The policy to create, checked (the caller checks that the product exists).
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
        if let Some(v) = v {
            check_duration(what, v)?;
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
        seats: super::leases::terms(new)?,
    };
    Ok(policy)
}

/// The license to create under `policy` and its key.
/// The limits on what a license carries about its owner (at creation and when edited).
pub fn check_license_details(
    owner_name: &str,
    owner_email: &str,
    entitlements: usize,
    metadata: usize,
) -> ApiResult<()> {
    if owner_name.len() > 200 || owner_email.len() > 320 {
        return Err(ApiError::bad_request("owner name or email too long"));
    }
    if entitlements > 100 || metadata > 100 {
        return Err(ApiError::bad_request(
            "at most 100 entitlements and 100 metadata entries",
        ));
    }
    Ok(())
}

pub fn new_license(
    now: i64,
    policy: &Policy,
    new: &NewLicense,
    key: Option<LicenseKey>,
) -> ApiResult<(License, LicenseKey)> {
    check_license_details(
        &new.owner_name,
        &new.owner_email,
        new.entitlements.len(),
        new.metadata.len(),
    )?;
    if let Some(at) = new.expires_at {
        check_time("expires_at", at)?;
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

/// The expiry after extending `current`.
pub fn extended_expiry(now: i64, current: Option<i64>, how: &Extend) -> ApiResult<Option<i64>> {
    let expiry = match (how.secs, how.expires_at, how.never) {
        (Some(secs), None, false) => Some(current.unwrap_or(now).max(now).saturating_add(secs)),
        (None, Some(at), false) => Some(at),
        (None, None, true) => None,
        _ => return Err(ApiError::bad_request("give exactly one of secs, expires_at, never")),
    };
    if let Some(at) = expiry {
        check_time("the new expiry", at)?;
    }
    Ok(expiry)
}
