//! Rows of the store, as the rules see them.

use keyturn_protocol::wire::LicenseStatus;
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
}

#[derive(Debug, Clone, Serialize)]
pub struct License {
    pub id: String,
    pub policy_id: String,
    pub product_id: String,
    /// The first group of the key, for people to recognise it. The key itself is never stored.
    pub key_prefix: String,
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
