//! What the rules work on: the rows of a store as plain types, and the views made of them.

use keyturn_protocol::wire::{LicenseStatus, LicenseSummary, Machine};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a fingerprint must be unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Uniqueness {
    /// Once per license (always true).
    PerLicense,
    /// On at most one license of the policy.
    PerPolicy,
    /// On at most one license of this whole server (the vendor's account).
    PerAccount,
}

/// How an activation finds "its" device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Matching {
    /// The fingerprint must be the same.
    Exact,
    /// A changed fingerprint re-binds an activation when at least `fuzzy_min` component hashes match.
    Fuzzy,
}

impl Uniqueness {
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::PerLicense => "PER_LICENSE",
            Uniqueness::PerPolicy => "PER_POLICY",
            Uniqueness::PerAccount => "PER_ACCOUNT",
        }
    }
    pub fn parse(s: &str) -> Uniqueness {
        match s {
            "PER_POLICY" => Uniqueness::PerPolicy,
            "PER_ACCOUNT" => Uniqueness::PerAccount,
            _ => Uniqueness::PerLicense,
        }
    }
}

impl Matching {
    pub fn as_str(self) -> &'static str {
        match self {
            Matching::Exact => "EXACT",
            Matching::Fuzzy => "FUZZY",
        }
    }
    pub fn parse(s: &str) -> Matching {
        if s == "FUZZY" {
            Matching::Fuzzy
        } else {
            Matching::Exact
        }
    }
}

pub fn status_str(status: LicenseStatus) -> &'static str {
    match status {
        LicenseStatus::Active => "ACTIVE",
        LicenseStatus::Suspended => "SUSPENDED",
        LicenseStatus::Revoked => "REVOKED",
    }
}

pub fn parse_status(s: &str) -> LicenseStatus {
    match s {
        "SUSPENDED" => LicenseStatus::Suspended,
        "REVOKED" => LicenseStatus::Revoked,
        _ => LicenseStatus::Active,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    pub id: String,
    pub product_id: String,
    pub name: String,
    pub max_machines: u32,
    pub uniqueness: Uniqueness,
    pub matching: Matching,
    /// With FUZZY: how many component hashes must match.
    pub fuzzy_min: u32,
    pub renew_interval_secs: i64,
    pub grace_secs: i64,
    /// Licenses of this policy expire this long after creation (None: never).
    pub duration_secs: Option<i64>,
    pub allow_vm: bool,
    pub trial: bool,
    pub created_at: i64,
    /// A device activated without internet (customer portal) needs no renewal for this long.
    pub offline_lease_secs: i64,
    /// Floating seats and seats that free themselves ([`super::leases`]).
    #[serde(flatten)]
    pub seats: super::leases::SeatTerms,
}

/// A license's state as people are shown it ([`super::rules::state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseState {
    Active,
    Expired,
    Suspended,
    Revoked,
}

#[derive(Debug, Clone, Serialize)]
pub struct License {
    pub id: String,
    pub policy_id: String,
    pub product_id: String,
    /// The first group of the key, for people to recognise it. The key itself is never stored.
    pub key_prefix: String,
    /// The stored status (ACTIVE, SUSPENDED, REVOKED); what people see is [`LicenseState`].
    #[serde(skip_serializing)]
    pub status: LicenseStatus,
    pub expires_at: Option<i64>,
    pub owner_name: String,
    pub owner_email: String,
    pub entitlements: Vec<String>,
    pub metadata: BTreeMap<String, String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Activation {
    pub id: String,
    pub license_id: String,
    pub fingerprint: String,
    pub components: BTreeMap<String, String>,
    pub name: String,
    pub platform: String,
    pub vm: bool,
    pub container: bool,
    pub created_at: i64,
    pub last_renewed_at: i64,
    /// Activated without internet: no renewal is due before this time (the offline lease).
    pub offline_until: Option<i64>,
}

/// A license with its policy and product name: what every client call needs.
#[derive(Debug, Clone)]
pub struct LicenseCtx {
    pub license: License,
    pub policy: Policy,
    pub product_name: String,
}

/// Everything validate needs, read in one statement: the license, its seat count, the
/// fingerprint's block/allow rule, and this fingerprint's activation.
#[derive(Debug, Clone)]
pub struct ValidateView {
    pub ctx: LicenseCtx,
    pub seats_used: u32,
    pub rule: Option<FingerprintRule>,
    pub activation: Option<ValidateActivation>,
}

/// This device's activation as validate needs it.
#[derive(Debug, Clone)]
pub struct ValidateActivation {
    pub id: String,
    pub last_renewed_at: i64,
    pub offline_until: Option<i64>,
}

/// A fingerprint's rule for a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FingerprintRule {
    Block,
    Allow,
}

impl FingerprintRule {
    pub fn as_str(self) -> &'static str {
        match self {
            FingerprintRule::Block => "BLOCK",
            FingerprintRule::Allow => "ALLOW",
        }
    }

    pub fn parse(s: &str) -> Option<FingerprintRule> {
        match s {
            "BLOCK" => Some(FingerprintRule::Block),
            "ALLOW" => Some(FingerprintRule::Allow),
            _ => None,
        }
    }
}

/// One signed-in browser (console or portal). Found by the SHA-256 of its cookie's id, so the
/// store holds no cookie that works; `kind` is the cookie's name, `data` JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub kind: String,
    pub id_hash: String,
    pub csrf: String,
    pub data: String,
    pub expires_at: i64,
}

/// A demo key as `keyturn-server demo` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoKey {
    pub label: String,
    pub key: String,
    pub purpose: String,
}

/// A count read from a store's integer column (seats, fuzzy minimum): never negative, never
/// wrapped (both stores read counts through this).
pub fn count(n: i64) -> u32 {
    n.clamp(0, u32::MAX.into()) as u32
}

/// The license as its holder sees it.
pub fn summary(ctx: &LicenseCtx, seats_used: u32) -> LicenseSummary {
    LicenseSummary {
        id: ctx.license.id.clone(),
        product_id: ctx.license.product_id.clone(),
        product_name: ctx.product_name.clone(),
        policy_name: ctx.policy.name.clone(),
        status: ctx.license.status,
        expires_at: ctx.license.expires_at,
        seats_used,
        seats_max: ctx.policy.max_machines,
        entitlements: ctx.license.entitlements.clone(),
        trial: ctx.policy.trial,
    }
}

/// A machine as its license holder sees it (`is_this_device` for the caller's fingerprint).
pub fn machine(a: &Activation, caller_fingerprint: Option<&str>) -> Machine {
    Machine {
        id: a.id.clone(),
        name: a.name.clone(),
        platform: a.platform.clone(),
        created_at: a.created_at,
        last_seen_at: a.last_renewed_at,
        is_this_device: caller_fingerprint == Some(a.fingerprint.as_str()),
        tag: keyturn_protocol::wire::device_tag(&a.id),
    }
}
