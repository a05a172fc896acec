//! What the HTTP layer and the admin CLI need from a store. [`super::Db`] (SQLite) and
//! [`super::postgres::PgStore`] implement it, each method by running one rule of
//! [`crate::domain`] inside the store's own transaction (SQLite: one writer; PostgreSQL: the
//! license row locked `FOR UPDATE`).

use crate::domain::admin::{Extend, LicenseView, MachineView, NewLicense, NewPolicy, NewProduct};
use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, EventPage, EventQuery};
use crate::domain::issued::Issued;
use crate::domain::license_edit::LicenseEdit;
use crate::domain::license_list::{LicensePage, ListRequest};
pub use crate::domain::model::FingerprintRule;
use crate::domain::model::{DemoKey, Policy, Product, StoredSession};
use crate::domain::page::{Page, Paged};
use crate::domain::rename::Renamed;
use crate::domain::secrets::Secrets;
use keyturn_protocol::wire::{ActivateRequest, LicenseStatus, MachinesResponse, TrialRequest, ValidateResponse};
use keyturn_protocol::LicenseKey;
use std::future::Future;
use std::pin::Pin;

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = ApiResult<T>> + Send + 'a>>;

/// Every operation of the server. Changes answer only once durable; `key_hash` is the
/// [`crate::domain::secrets::KeyHasher`] hash of a well-formed key; `id_or_key` is a license id or key.
pub trait Store: Send + Sync + 'static {
    /// The token signing key and the key hasher.
    fn secrets(&self) -> &Secrets;

    // Client operations.
    fn validate(&self, now: i64, key_hash: String, fingerprint: String) -> StoreFuture<'_, ValidateResponse>;
    fn activate(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued>;
    /// Activates like [`Store::activate`] (customer portal, no internet on the device) and, in
    /// the same transaction, gives the activation the policy's offline lease.
    fn activate_offline(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued>;
    fn renew(&self, now: i64, key_hash: String, activation_id: String, req: ActivateRequest)
        -> StoreFuture<'_, Issued>;
    fn deactivate(&self, key_hash: String, activation_id: String) -> StoreFuture<'_, ()>;
    /// One page of the key's machines.
    fn machines(&self, key_hash: String, fingerprint: Option<String>, page: Page) -> StoreFuture<'_, MachinesResponse>;
    /// Creates a trial license with `key` for this device.
    fn trial(&self, now: i64, key: LicenseKey, req: TrialRequest) -> StoreFuture<'_, Issued>;

    // Admin operations.
    fn create_product(&self, now: i64, new: NewProduct) -> StoreFuture<'_, Product>;
    fn products(&self) -> StoreFuture<'_, Vec<Product>>;
    fn create_policy(&self, now: i64, new: NewPolicy) -> StoreFuture<'_, Policy>;
    fn policies(&self, product_id: Option<String>) -> StoreFuture<'_, Vec<Policy>>;
    fn create_license(&self, now: i64, new: NewLicense) -> StoreFuture<'_, (LicenseView, LicenseKey)>;
    /// Licenses and their state at `now` (an expired one shows as EXPIRED).
    fn licenses(&self, now: i64, product_id: Option<String>) -> StoreFuture<'_, Vec<LicenseView>>;
    fn license(&self, now: i64, id_or_key: String) -> StoreFuture<'_, LicenseView>;
    fn set_status(&self, now: i64, id_or_key: String, status: LicenseStatus) -> StoreFuture<'_, LicenseView>;
    fn extend(&self, now: i64, id_or_key: String, how: Extend) -> StoreFuture<'_, LicenseView>;
    /// Removes every machine of the license; how many.
    fn reset(&self, id_or_key: String) -> StoreFuture<'_, usize>;
    /// One page of the license's machines.
    fn license_machines(&self, id_or_key: String, page: Page) -> StoreFuture<'_, Paged<MachineView>>;
    fn remove_machine(&self, id_or_key: String, activation_id: String) -> StoreFuture<'_, ()>;
    /// Sets (Some) or clears (None) a fingerprint's rule for a product.
    fn set_fingerprint_rule(
        &self,
        now: i64,
        product_id: String,
        fingerprint: String,
        rule: Option<FingerprintRule>,
    ) -> StoreFuture<'_, ()>;
    /// Seeds the demo product and keys when missing; every demo key.
    fn demo(&self, now: i64) -> StoreFuture<'_, Vec<DemoKey>>;

    // The event log (crate::events): append (a refused key's license found by its hash) and read
    // a page, newest first.
    fn append_events(&self, events: Vec<Event>) -> StoreFuture<'_, ()>;
    fn events(&self, query: EventQuery) -> StoreFuture<'_, EventPage>;
    /// Removes up to `limit` of the oldest events dated before `before` (unix seconds); answers
    /// how many went. Callers repeat while a full batch went (short transactions).
    fn prune_events(&self, before: i64, limit: u32) -> StoreFuture<'_, u64>;

    /// Console and portal sign-ins ([`crate::domain::sessions`]): keeps a new one (dropping expired ones),
    /// finds a live one, ends one.
    fn put_session(&self, session: StoredSession, now: i64) -> StoreFuture<'_, ()>;
    fn session(&self, kind: String, id_hash: String, now: i64) -> StoreFuture<'_, Option<StoredSession>>;
    fn end_session(&self, kind: String, id_hash: String) -> StoreFuture<'_, ()>;

    /// Before a process that changed the database exits (the admin CLI): waits until the other
    /// processes on the same database can see its changes in validate's answers. SQLite: they
    /// do at once. PostgreSQL: the replicas are told ([`super::postgres::changes`]).
    fn settle(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    /// Waits until this process has heard of every change other processes committed before the
    /// call (tests). SQLite: every read sees them at once. PostgreSQL: the notices are read.
    fn hear_changes(&self) -> StoreFuture<'_, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    // Renaming a device (crate::domain::rename).
    /// Renames the key's activation `activation_id`, asked by the device with `fingerprint`.
    fn rename_machine(
        &self,
        now: i64,
        key_hash: String,
        activation_id: String,
        fingerprint: String,
        name: String,
    ) -> StoreFuture<'_, Renamed>;

    // The license list and owner details (crate::domain::license_list, license_edit).
    /// One page of the licenses matching the request's filters, and how many match.
    fn license_page(&self, req: ListRequest) -> StoreFuture<'_, LicensePage>;
    /// Changes the owner details sent; the license now and the names of the fields changed.
    fn edit_license(
        &self,
        now: i64,
        id_or_key: String,
        edit: LicenseEdit,
    ) -> StoreFuture<'_, (LicenseView, Vec<&'static str>)>;
}
