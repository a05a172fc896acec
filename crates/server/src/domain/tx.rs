//! The query-level interface the rules run over: one transaction (or read snapshot) of a store.
//!
//! Each store implements [`Tx`] with its own SQL ([`crate::store::sqlite`],
//! [`crate::store::postgres`]) and keeps owning its transactions: SQLite runs a rule inside its
//! single writer's `BEGIN IMMEDIATE` (or on a reader's snapshot), PostgreSQL inside a
//! transaction that holds the license row's lock. The rules themselves ([`super::client`],
//! [`super::admin`], …) are written once, as `async` functions generic over `Tx`; SQLite's
//! queries are synchronous, so its futures are ready at once and the writer completes a rule in
//! one poll ([`crate::store::sqlite::complete`]).
//!
//! A method answers only what its name says; every decision (limits, order of checks, codes,
//! events, log lines) is the rules'.

use super::errors::ApiResult;
use super::events::{Event, EventQuery, StoredEvent};
use super::model::{Activation, DemoKey, FingerprintRule, License, LicenseCtx, Policy, Product, StoredSession};
use super::page::Page;
use keyturn_protocol::wire::LicenseStatus;
use std::future::Future;

/// How a license is looked up.
#[derive(Debug, Clone, Copy)]
pub enum LicenseBy<'a> {
    /// The keyed hash of its key ([`super::secrets::KeyHasher`]).
    KeyHash(&'a str),
    Id(&'a str),
}

/// Whether the license row stays locked until the transaction ends. Every change of a
/// license's seats or state takes the lock first, so limits hold across server replicas
/// (SQLite: one writer runs every change, the lock is implied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    ForUpdate,
    No,
}

/// A license with its policy and product name, and how many seats it uses.
pub type Held = (LicenseCtx, u32);

/// The device details an activation (re)binds.
#[derive(Debug, Clone, Copy)]
pub struct Device<'a> {
    pub activation: &'a Activation,
    /// `docker`, `kvm`, …: what the client reported.
    pub virt_kind: Option<&'a str>,
}

pub trait Tx {
    // Licenses, policies, products.
    fn license(&mut self, by: LicenseBy<'_>, lock: Lock) -> impl Future<Output = ApiResult<Option<Held>>> + Send;
    /// Every license (of one product), oldest first.
    fn licenses(&mut self, product_id: Option<&str>) -> impl Future<Output = ApiResult<Vec<Held>>> + Send;
    fn seats_used(&mut self, license_id: &str) -> impl Future<Output = ApiResult<u32>> + Send;
    fn insert_license(&mut self, license: &License, key_hash: &str) -> impl Future<Output = ApiResult<()>> + Send;
    fn set_license_status(&mut self, id: &str, status: LicenseStatus) -> impl Future<Output = ApiResult<()>> + Send;
    fn set_license_expiry(&mut self, id: &str, at: Option<i64>) -> impl Future<Output = ApiResult<()>> + Send;
    fn product(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<Product>>> + Send;
    fn products(&mut self) -> impl Future<Output = ApiResult<Vec<Product>>> + Send;
    /// Inserts the product unless one with its id exists; whether it was inserted.
    fn insert_product(&mut self, product: &Product) -> impl Future<Output = ApiResult<bool>> + Send;
    fn policy(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<Policy>>> + Send;
    fn policies(&mut self, product_id: Option<&str>) -> impl Future<Output = ApiResult<Vec<Policy>>> + Send;
    /// The product's oldest policy with this name.
    fn policy_named(&mut self, product_id: &str, name: &str) -> impl Future<Output = ApiResult<Option<Policy>>> + Send;
    /// The product's trial policy (the oldest policy marked trial).
    fn trial_policy(&mut self, product_id: &str) -> impl Future<Output = ApiResult<Option<Policy>>> + Send;
    fn insert_policy(&mut self, policy: &Policy) -> impl Future<Output = ApiResult<()>> + Send;

    // Activations.
    fn activation_by_fingerprint(
        &mut self,
        license_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<Option<Activation>>> + Send;
    fn activation_by_id(
        &mut self,
        license_id: &str,
        id: &str,
    ) -> impl Future<Output = ApiResult<Option<Activation>>> + Send;
    /// Every activation of the license, oldest first.
    fn activations(&mut self, license_id: &str) -> impl Future<Output = ApiResult<Vec<Activation>>> + Send;
    /// One page in insertion order, and the cursor of the next page.
    fn activations_page(
        &mut self,
        license_id: &str,
        page: &Page,
    ) -> impl Future<Output = ApiResult<(Vec<Activation>, Option<String>)>> + Send;
    /// The `limit` activations seen longest ago.
    fn stalest_activations(
        &mut self,
        license_id: &str,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<Activation>>> + Send;
    /// Serialises, until the transaction ends, every transaction that checks this fingerprint
    /// across licenses (uniqueness, trials). SQLite: nothing to do (one writer).
    fn lock_fingerprint(&mut self, fingerprint: &str) -> impl Future<Output = ApiResult<()>> + Send;
    /// Is the fingerprint bound to a license other than `license_id` (of `policy_id` when given)?
    fn fingerprint_bound_elsewhere(
        &mut self,
        fingerprint: &str,
        license_id: &str,
        policy_id: Option<&str>,
    ) -> impl Future<Output = ApiResult<bool>> + Send;
    fn insert_activation(&mut self, policy_id: &str, device: Device<'_>) -> impl Future<Output = ApiResult<()>> + Send;
    /// Writes the device details and `last_renewed_at` of the activation with the device's id.
    fn rebind_activation(&mut self, device: Device<'_>) -> impl Future<Output = ApiResult<()>> + Send;
    fn touch_activation(&mut self, id: &str, now: i64) -> impl Future<Output = ApiResult<()>> + Send;
    fn set_offline_until(&mut self, id: &str, until: i64) -> impl Future<Output = ApiResult<()>> + Send;
    /// Deletes one activation of the license; how many went (0 or 1).
    fn delete_activation(&mut self, license_id: &str, id: &str) -> impl Future<Output = ApiResult<u64>> + Send;
    /// Deletes every activation of the license; how many went.
    fn delete_activations(&mut self, license_id: &str) -> impl Future<Output = ApiResult<u64>> + Send;

    // Fingerprint rules and trials.
    fn fingerprint_rule(
        &mut self,
        product_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<Option<FingerprintRule>>> + Send;
    /// Sets (`Some`) or removes (`None`) the rule.
    fn put_fingerprint_rule(
        &mut self,
        product_id: &str,
        fingerprint: &str,
        rule: Option<FingerprintRule>,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send;
    fn trial_used(&mut self, policy_id: &str, fingerprint: &str) -> impl Future<Output = ApiResult<bool>> + Send;
    fn insert_trial(
        &mut self,
        policy_id: &str,
        fingerprint: &str,
        license_id: &str,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send;

    // Demo keys (demo licenses keep their key's plaintext, see `super::demo`).
    /// Serialises demo seeding (two CLI runs racing would both create the keys).
    fn lock_demo(&mut self) -> impl Future<Output = ApiResult<()>> + Send;
    fn demo_keys(&mut self) -> impl Future<Output = ApiResult<Vec<DemoKey>>> + Send;
    fn insert_demo_key(&mut self, key: &DemoKey) -> impl Future<Output = ApiResult<()>> + Send;

    // The event log.
    /// Appends events; a refused key's license is found by its hash (the hash is not stored).
    fn insert_events(&mut self, events: &[Event]) -> impl Future<Output = ApiResult<()>> + Send;
    /// Up to `limit` events matching the query's filters, newest first.
    fn events(&mut self, query: &EventQuery, limit: u32) -> impl Future<Output = ApiResult<Vec<StoredEvent>>> + Send;
    /// Removes up to `limit` events dated before `before`, oldest first; how many went.
    fn delete_events_before(&mut self, before: i64, limit: u32) -> impl Future<Output = ApiResult<u64>> + Send;

    // Browser sessions.
    fn delete_sessions_expired(&mut self, now: i64) -> impl Future<Output = ApiResult<()>> + Send;
    fn insert_session(&mut self, session: &StoredSession) -> impl Future<Output = ApiResult<()>> + Send;
    /// The session of this kind and id hash expiring after `now`.
    fn session(
        &mut self,
        kind: &str,
        id_hash: &str,
        now: i64,
    ) -> impl Future<Output = ApiResult<Option<StoredSession>>> + Send;
    fn delete_session(&mut self, kind: &str, id_hash: &str) -> impl Future<Output = ApiResult<()>> + Send;
}
