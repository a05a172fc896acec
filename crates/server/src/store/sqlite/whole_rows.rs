//! The statements that write a whole row from the model (a license, a policy, an activation new
//! or bound again): long column lists, kept apart from [`super::tx`]'s short queries, which call
//! them.

use super::tx::SqliteTx;
use crate::domain::model::{self, License, Policy};
use crate::domain::tx::Device;
use rusqlite::params;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("maps and lists serialize")
}

impl SqliteTx<'_> {
    /// Inserts a license (its key only as the keyed hash and the display prefix).
    pub(super) fn write_license(&self, l: &License, key_hash: &str) -> rusqlite::Result<()> {
        self.run(
            "INSERT INTO licenses (id, policy_id, product_id, key_hash, key_prefix, status, expires_at, owner_name, \
             owner_email, entitlements, metadata, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                l.id,
                l.policy_id,
                l.product_id,
                key_hash,
                l.key_prefix,
                model::status_str(l.status),
                l.expires_at,
                l.owner_name,
                l.owner_email,
                json(&l.entitlements),
                json(&l.metadata),
                l.created_at
            ],
        )
    }

    /// Inserts a policy.
    pub(super) fn write_policy(&self, p: &Policy) -> rusqlite::Result<()> {
        self.run(
            "INSERT INTO policies (id, product_id, name, max_machines, uniqueness, matching, fuzzy_min, \
             renew_interval_secs, grace_secs, duration_secs, allow_vm, trial, created_at, offline_lease_secs, \
             floating, lease_secs, max_borrow_secs, release_unseen_days) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            params![
                p.id,
                p.product_id,
                p.name,
                p.max_machines,
                p.uniqueness.as_str(),
                p.matching.as_str(),
                p.fuzzy_min,
                p.renew_interval_secs,
                p.grace_secs,
                p.duration_secs,
                p.allow_vm,
                p.trial,
                p.created_at,
                p.offline_lease_secs,
                p.seats.floating,
                p.seats.lease_secs,
                p.seats.max_borrow_secs,
                p.seats.release_unseen_days
            ],
        )
    }

    /// Inserts an activation bound under `policy_id` (kept for per-policy uniqueness).
    pub(super) fn write_activation(&self, policy_id: &str, d: Device<'_>) -> rusqlite::Result<()> {
        let a = d.activation;
        self.run(
            "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, \
             container, virt_kind, created_at, last_renewed_at, offline_until) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                a.id,
                a.license_id,
                policy_id,
                a.fingerprint,
                json(&a.components),
                a.name,
                a.platform,
                a.vm,
                a.container,
                d.virt_kind,
                a.created_at,
                a.last_renewed_at,
                a.offline_until
            ],
        )
    }

    /// Writes an activation's new fingerprint and device details over its old ones.
    pub(super) fn rebind(&self, d: Device<'_>) -> rusqlite::Result<()> {
        let a = d.activation;
        self.run(
            "UPDATE activations SET fingerprint = ?1, components = ?2, name = ?3, platform = ?4, vm = ?5, \
             container = ?6, virt_kind = ?7, last_renewed_at = ?8 WHERE id = ?9",
            params![
                a.fingerprint,
                json(&a.components),
                a.name,
                a.platform,
                a.vm,
                a.container,
                d.virt_kind,
                a.last_renewed_at,
                a.id
            ],
        )
    }
}
