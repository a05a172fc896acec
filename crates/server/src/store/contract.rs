//! What the HTTP layer and the admin CLI need from a store. [`super::Db`] (SQLite) and
//! [`super::postgres::PgStore`] implement it, each method by running one rule of
//! [`crate::domain`] inside the store's own transaction (SQLite: one writer; PostgreSQL: the
//! license row locked `FOR UPDATE`).

use crate::domain::admin::{Extend, LicenseView, MachineView, NewLicense, NewPolicy, NewProduct};
use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, EventPage, EventQuery};
use crate::domain::issued::Issued;
use crate::domain::leases::tx::AutoReleased;
use crate::domain::leases::{LeaseIssued, LeaseRow, LeasesView};
use crate::domain::license_edit::LicenseEdit;
use crate::domain::license_list::{LicensePage, ListRequest};
pub use crate::domain::model::FingerprintRule;
use crate::domain::model::{DemoKey, Policy, Product, StoredSession};
use crate::domain::page::{Page, Paged};
use crate::domain::payments::{Applied, PaymentConfig, PaymentEvent};
use crate::domain::rename::Renamed;
use crate::domain::secrets::Secrets;
use crate::domain::signing_keys::{KeyChange, KeyList, KeyView};
use crate::domain::webhooks::{Attempt, Delivery, DeliveryQuery, Due, Endpoint, NewEndpoint};
use keyturn_protocol::lease::CheckoutRequest;
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

    // Staff accounts, API tokens and staff settings (crate::domain::staff::run).
    /// Runs a staff query on a snapshot (read-only ops).
    fn staff_read(
        &self,
        now: i64,
        op: crate::domain::staff::StaffOp,
    ) -> StoreFuture<'_, crate::domain::staff::StaffAnswer>;
    /// Runs a staff change in one transaction.
    fn staff_write(
        &self,
        now: i64,
        op: crate::domain::staff::StaffOp,
    ) -> StoreFuture<'_, crate::domain::staff::StaffAnswer>;

    // Webhooks out (issue 18, [`crate::domain::webhooks`]): endpoints (listed without secrets),
    // the delivery log newest first, redeliver; the delivery worker claims due deliveries
    // (leased: one process sends each) and records each attempt.
    fn create_webhook(&self, now: i64, new: NewEndpoint) -> StoreFuture<'_, Endpoint>;
    fn webhooks(&self) -> StoreFuture<'_, Vec<Endpoint>>;
    fn remove_webhook(&self, id: String) -> StoreFuture<'_, ()>;
    fn webhook_deliveries(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<Delivery>>;
    fn redeliver(&self, now: i64, id: i64) -> StoreFuture<'_, Delivery>;
    fn claim_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<Due>>;
    fn finish_deliveries(&self, now: i64, results: Vec<(i64, Option<Attempt>)>) -> StoreFuture<'_, ()>;

    /// Payments in (issue 18, [`crate::domain::payments::apply`]): one verified provider event.
    fn apply_payment(
        &self,
        now: i64,
        config: std::sync::Arc<PaymentConfig>,
        event: PaymentEvent,
    ) -> StoreFuture<'_, Applied>;
    // ---- Self-hosting (issue 19, crate::ops): numbers for /metrics ----
    /// Seats in use (activations bound) and the connection pool.
    fn gauges(&self) -> StoreFuture<'_, StoreGauges>;

    // ---- Signing keys (issue 19: rotation; crate::domain::signing_keys) ----
    /// Every signing key and the public keys to pin. Servers read their keys at start and then
    /// every few seconds ([`Store::refresh_signing_keys`]).
    fn signing_keys(&self, now: i64) -> StoreFuture<'_, KeyList>;
    /// Adds the next key, promotes it, or retires one; the key concerned.
    fn change_signing_keys(&self, now: i64, change: KeyChange) -> StoreFuture<'_, KeyView>;
    /// Reads the `signing_keys` table and takes in a change made since (another process's
    /// `keys promote` / `retire`): [`crate::domain::signing_keys::refresh`]. Whether it changed.
    fn refresh_signing_keys(&self) -> StoreFuture<'_, bool>;

    /// The key by email (issue 18, [`crate::domain::mail`]): the mail worker claims due emails
    /// (leased) and records each attempt (`error` None: sent).
    fn claim_mails(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<crate::domain::mail::KeyMail>>;
    fn finish_mail(&self, now: i64, license_id: String, error: Option<String>) -> StoreFuture<'_, ()>;

    // Floating seats and seats that free themselves (crate::domain::leases): each in one
    // transaction holding the license's lock.
    fn checkout(&self, now: i64, key_hash: String, req: CheckoutRequest) -> StoreFuture<'_, LeaseIssued>;
    fn heartbeat(
        &self,
        now: i64,
        key_hash: String,
        lease_id: String,
        fingerprint: String,
    ) -> StoreFuture<'_, LeaseIssued>;
    /// Ends the lease (a borrowed one too); answers the lease as it is now.
    fn release(&self, now: i64, key_hash: String, lease_id: String) -> StoreFuture<'_, LeaseRow>;
    /// The live leases of a license (admin).
    fn license_leases(&self, now: i64, id_or_key: String) -> StoreFuture<'_, LeasesView>;
    /// Ends one lease of the license now (admin).
    fn end_lease(&self, now: i64, id_or_key: String, lease_id: String) -> StoreFuture<'_, LeaseRow>;
    /// Validate found no activation of this device: was its seat freed by the policy?
    fn auto_released(&self, key_hash: String, fingerprint: String) -> StoreFuture<'_, Option<AutoReleased>>;

    // ---- The console's outbox (issue 18, crate::domain::outbox) ----
    /// The webhook delivery log with each delivery's event type.
    fn delivery_log(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<crate::domain::outbox::LoggedDelivery>>;
    /// The key emails, newest first (never their keys).
    fn mail_queue(&self, query: crate::domain::outbox::MailQuery) -> StoreFuture<'_, crate::domain::outbox::MailPage>;
    /// A staff Resend of a license's key email.
    fn resend_mail(&self, now: i64, license_id: String) -> StoreFuture<'_, crate::domain::mail::KeyMail>;

    // ---- Unmatched refunds (issue 18, crate::domain::payments::unmatched) ----
    /// Refunds and lost disputes recorded on an order that has no license.
    fn unmatched_payments(
        &self,
        query: crate::domain::payments::unmatched::UnmatchedQuery,
    ) -> StoreFuture<'_, crate::domain::payments::unmatched::UnmatchedPage>;
}

/// The store's numbers for `/metrics` in one statement, the same SQL on both stores (partial
/// indexes of the pending rows answer the two backlog counts; the events an endpoint has not
/// taken from the log yet are a range of the events' primary key).
pub const GAUGES_SQL: &str = "SELECT (SELECT COUNT(*) FROM activations), \
     CAST((SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'PENDING') \
     + (SELECT COALESCE(SUM((SELECT COUNT(*) FROM events e WHERE e.id > w.after_event)), 0) \
     FROM webhook_endpoints w) AS BIGINT), \
     (SELECT COUNT(*) FROM license_mails WHERE state = 'PENDING')";

/// What `/metrics` reports of the store.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreGauges {
    pub seats_in_use: i64,
    /// Webhook deliveries not yet delivered nor given up (state PENDING, due or retrying), and
    /// events each endpoint has not taken from the log yet.
    pub webhook_backlog: i64,
    /// Purchase emails not yet sent nor given up (state PENDING).
    pub mail_backlog: i64,
    /// Open connections of the pool (SQLite: the readers' pool), and how many of them are idle.
    pub pool_size: usize,
    pub pool_idle: usize,
}
