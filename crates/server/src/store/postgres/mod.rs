//! The PostgreSQL store (`--db postgres://…`): the same [`Store`] contract as SQLite, for
//! several server replicas on one database. Every change runs in one transaction that locks
//! the license row (`SELECT … FOR UPDATE`), so seat limits hold across replicas; a change is
//! answered only after COMMIT returned (durable with PostgreSQL's default
//! `synchronous_commit = on`). Connections come from a deadpool pool; no TLS (use a local
//! socket, a loopback address or a tunnel).

pub mod changes;
mod events;
mod leases;
mod license_list;
mod mail;
mod open;
mod ops;
mod outbox;
mod payments;
mod query;
mod rename;
mod replica;
mod rows;
pub mod schema;
mod seal_key;
mod sessions;
mod signing_keys;
mod staff;
pub mod tx;
mod versions;
mod webhooks;

use super::contract::{Store, StoreFuture};
use crate::domain::admin::{self, Extend, LicenseView, MachineView, NewLicense, NewPolicy, NewProduct};
use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, EventPage, EventQuery};
use crate::domain::issued::Issued;
use crate::domain::leases::tx::AutoReleased;
use crate::domain::leases::{self as lease_rules, LeaseIssued, LeaseRow, LeasesView};
use crate::domain::license_edit::LicenseEdit;
use crate::domain::license_list::{LicensePage, ListRequest};
use crate::domain::model::ValidateView;
use crate::domain::model::{DemoKey, FingerprintRule, Policy, Product, StoredSession};
use crate::domain::page::{Page, Paged};
use crate::domain::payments::{Applied, PaymentConfig, PaymentEvent};
use crate::domain::secrets::Secrets;
use crate::domain::staff::{StaffAnswer, StaffOp};

use crate::domain::signing_keys::{KeyChange, KeyList, KeyView};
use crate::domain::webhooks::{self as webhook_rules, Attempt, Delivery, DeliveryQuery, Due, Endpoint, NewEndpoint};
use crate::domain::{client, demo};
use crate::store::validate_cache::ValidateCache;
use deadpool_postgres::Pool;
use keyturn_protocol::lease::CheckoutRequest;
use keyturn_protocol::wire::{ActivateRequest, LicenseStatus, MachinesResponse, TrialRequest, ValidateResponse};
use keyturn_protocol::LicenseKey;
use std::sync::Arc;
use tx::PgTx;

/// Connections per server process: enough for every core to have requests waiting on the
/// database while others run, without crowding PostgreSQL's own connection limit (100 by
/// default) when a few replicas share it.
pub fn pool_size() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (cores * 8).clamp(8, 32)
}

/// Is this `--db` value a PostgreSQL connection URL?
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

pub struct PgStore {
    pool: Pool,
    secrets: Secrets,
    /// What this replica hears of changes (the version of [`PgStore::validate_cache`]).
    changes: Arc<changes::Changes>,
    validate_cache: ValidateCache<replica::Timed<ValidateView>, changes::Version>,
}

// `in_tx!` and `on_client!` (before `noted`, which uses `in_tx!`).
#[macro_use]
mod macros;

// `noted_tx!`: a change with its event (after `in_tx!`, which it uses).
#[macro_use]
mod noted;

impl Store for PgStore {
    fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    fn validate(&self, now: i64, key_hash: String, fingerprint: String) -> StoreFuture<'_, ValidateResponse> {
        Box::pin(self.cached_validate(now, key_hash, fingerprint))
    }

    fn activate(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(async move { noted_tx!(self, |tx| client::activate(tx, now, &key_hash, &req)) })
    }

    fn activate_offline(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(async move { noted_tx!(self, |tx| client::activate_offline(tx, now, &key_hash, &req)) })
    }

    fn renew(&self, now: i64, key_hash: String, id: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(async move { noted_tx!(self, |tx| client::renew(tx, now, &key_hash, &id, &req)) })
    }

    fn deactivate(&self, key_hash: String, id: String) -> StoreFuture<'_, ()> {
        Box::pin(async move { noted_tx!(self, |tx| client::deactivate(tx, &key_hash, &id)) })
    }

    fn machines(&self, key_hash: String, fp: Option<String>, page: Page) -> StoreFuture<'_, MachinesResponse> {
        // One snapshot for the page and the count.
        Box::pin(async move { in_tx!(self, |tx| client::machines(tx, &key_hash, fp.as_deref(), &page)) })
    }

    fn trial(&self, now: i64, key: LicenseKey, req: TrialRequest) -> StoreFuture<'_, Issued> {
        let key_hash = self.secrets.hasher.hash(&key);
        Box::pin(async move { noted_tx!(self, |tx| client::trial(tx, now, &key, &key_hash, &req)) })
    }

    fn create_product(&self, now: i64, new: NewProduct) -> StoreFuture<'_, Product> {
        Box::pin(async move { noted_tx!(self, |tx| admin::create_product(tx, now, &new)) })
    }

    fn products(&self) -> StoreFuture<'_, Vec<Product>> {
        Box::pin(async move { on_client!(self, |tx| admin::products(tx)) })
    }

    fn create_policy(&self, now: i64, new: NewPolicy) -> StoreFuture<'_, Policy> {
        Box::pin(async move { noted_tx!(self, |tx| admin::create_policy(tx, now, &new)) })
    }

    fn policies(&self, product_id: Option<String>) -> StoreFuture<'_, Vec<Policy>> {
        Box::pin(async move { on_client!(self, |tx| admin::policies(tx, product_id.as_deref())) })
    }

    fn create_license(&self, now: i64, new: NewLicense) -> StoreFuture<'_, (LicenseView, LicenseKey)> {
        let h = &self.secrets.hasher;
        Box::pin(async move { noted_tx!(self, |tx| admin::create_license(tx, now, h, &new, None)) })
    }

    fn licenses(&self, now: i64, product_id: Option<String>) -> StoreFuture<'_, Vec<LicenseView>> {
        Box::pin(async move { on_client!(self, |tx| admin::licenses(tx, now, product_id.as_deref())) })
    }

    fn license(&self, now: i64, id_or_key: String) -> StoreFuture<'_, LicenseView> {
        let h = &self.secrets.hasher;
        Box::pin(async move { on_client!(self, |tx| admin::license(tx, h, now, &id_or_key)) })
    }

    fn set_status(&self, now: i64, id_or_key: String, status: LicenseStatus) -> StoreFuture<'_, LicenseView> {
        let h = &self.secrets.hasher;
        Box::pin(async move { noted_tx!(self, |tx| admin::set_status(tx, h, now, &id_or_key, status)) })
    }

    fn extend(&self, now: i64, id_or_key: String, how: Extend) -> StoreFuture<'_, LicenseView> {
        let h = &self.secrets.hasher;
        Box::pin(async move { noted_tx!(self, |tx| admin::extend(tx, h, now, &id_or_key, &how)) })
    }

    fn reset(&self, id_or_key: String) -> StoreFuture<'_, usize> {
        let h = &self.secrets.hasher;
        Box::pin(async move { noted_tx!(self, |tx| admin::reset(tx, h, &id_or_key)) })
    }

    fn license_machines(&self, id_or_key: String, page: Page) -> StoreFuture<'_, Paged<MachineView>> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| admin::machines(tx, h, &id_or_key, &page)) })
    }

    fn remove_machine(&self, id_or_key: String, id: String) -> StoreFuture<'_, ()> {
        let h = &self.secrets.hasher;
        Box::pin(async move { noted_tx!(self, |tx| admin::remove_machine(tx, h, &id_or_key, &id)) })
    }

    fn set_fingerprint_rule(
        &self,
        now: i64,
        product_id: String,
        fingerprint: String,
        rule: Option<FingerprintRule>,
    ) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            noted_tx!(self, |tx| admin::set_fingerprint_rule(
                tx,
                now,
                &product_id,
                &fingerprint,
                rule
            ))
        })
    }

    fn demo(&self, now: i64) -> StoreFuture<'_, Vec<DemoKey>> {
        let h = &self.secrets.hasher;
        Box::pin(async move { in_tx!(self, |tx| demo::seed(tx, now, h)) })
    }

    fn append_events(&self, list: Vec<Event>) -> StoreFuture<'_, ()> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::event_log::append(tx, &list)) })
    }

    fn events(&self, query: EventQuery) -> StoreFuture<'_, EventPage> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::event_log::page(tx, &query)) })
    }

    fn prune_events(&self, before: i64, limit: u32) -> StoreFuture<'_, u64> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::event_log::prune(tx, before, limit)) })
    }

    fn put_session(&self, session: StoredSession, now: i64) -> StoreFuture<'_, ()> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::sessions::put(tx, &session, now)) })
    }

    fn session(&self, kind: String, id_hash: String, now: i64) -> StoreFuture<'_, Option<StoredSession>> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::sessions::get(tx, &kind, &id_hash, now)) })
    }

    fn settle(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.tell_replicas())
    }

    fn hear_changes(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.hear_replicas())
    }

    fn end_session(&self, kind: String, id_hash: String) -> StoreFuture<'_, ()> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::sessions::end(tx, &kind, &id_hash)) })
    }

    // Renaming a device.
    fn rename_machine(
        &self,
        now: i64,
        key_hash: String,
        id: String,
        fp: String,
        name: String,
    ) -> StoreFuture<'_, crate::domain::rename::Renamed> {
        Box::pin(async move {
            noted_tx!(self, |tx| crate::domain::rename::rename(
                tx, now, &key_hash, &id, &fp, &name
            ))
        })
    }

    // The license list and owner details.
    fn license_page(&self, req: ListRequest) -> StoreFuture<'_, LicensePage> {
        // One snapshot for the page and the total.
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::license_list::page(tx, &req)) })
    }

    fn edit_license(
        &self,
        now: i64,
        id: String,
        edit: LicenseEdit,
    ) -> StoreFuture<'_, (LicenseView, Vec<&'static str>)> {
        let h = self.secrets.hasher.clone();
        Box::pin(async move { noted_tx!(self, |tx| crate::domain::license_edit::edit(tx, &h, now, &id, &edit)) })
    }

    // Staff accounts, API tokens and staff settings (validate does not read them: quiet).
    fn staff_read(&self, now: i64, op: StaffOp) -> StoreFuture<'_, StaffAnswer> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::staff::run(tx, now, op)) })
    }

    fn staff_write(&self, now: i64, op: StaffOp) -> StoreFuture<'_, StaffAnswer> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::staff::run(tx, now, op)) })
    }

    // Webhooks out (issue 18): endpoints, the delivery log, and the delivery worker's claims.
    fn create_webhook(&self, now: i64, new: NewEndpoint) -> StoreFuture<'_, Endpoint> {
        Box::pin(async move { noted_tx!(self, |tx| webhook_rules::create_endpoint(tx, now, &new)) })
    }

    fn webhooks(&self) -> StoreFuture<'_, Vec<Endpoint>> {
        Box::pin(async move { in_tx!(quiet self, |tx| webhook_rules::endpoints(tx)) })
    }

    fn remove_webhook(&self, id: String) -> StoreFuture<'_, ()> {
        Box::pin(async move { noted_tx!(self, |tx| webhook_rules::remove_endpoint(tx, &id)) })
    }

    fn webhook_deliveries(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<Delivery>> {
        Box::pin(async move { on_client!(self, |tx| webhook_rules::deliveries(tx, &query)) })
    }

    fn redeliver(&self, now: i64, id: i64) -> StoreFuture<'_, Delivery> {
        Box::pin(async move { noted_tx!(self, |tx| webhook_rules::redeliver(tx, now, id)) })
    }

    fn claim_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<Due>> {
        Box::pin(async move {
            in_tx!(quiet self, |tx| async move {
                let ids = webhook_rules::lease(tx, now, limit).await?;
                let due = webhook_rules::load(tx, &ids).await?;
                webhook_rules::give_up_gone(tx, &ids, &due).await?;
                Ok(due)
            })
        })
    }

    fn finish_deliveries(&self, now: i64, results: Vec<(i64, Option<Attempt>)>) -> StoreFuture<'_, ()> {
        Box::pin(async move { in_tx!(quiet self, |tx| webhook_rules::finish(tx, now, &results)) })
    }

    // Payments in (issue 18): one provider event, applied with its event in one transaction.
    fn apply_payment(&self, now: i64, config: Arc<PaymentConfig>, event: PaymentEvent) -> StoreFuture<'_, Applied> {
        let h = &self.secrets.hasher;
        Box::pin(async move { noted_tx!(self, |tx| crate::domain::payments::apply(tx, now, h, &config, &event)) })
    }
    // The key by email (issue 18).
    fn claim_mails(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<crate::domain::mail::KeyMail>> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::mail::claim(tx, now, limit)) })
    }

    fn finish_mail(&self, now: i64, license_id: String, error: Option<String>) -> StoreFuture<'_, ()> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::mail::finish(tx, now, &license_id, error)) })
    }

    // ---- Self-hosting (issue 19): crate::store::postgres::ops ----
    fn gauges(&self) -> StoreFuture<'_, crate::store::contract::StoreGauges> {
        Box::pin(self.ops_gauges())
    }

    // ---- Signing keys (issue 19: rotation) ----
    fn signing_keys(&self, now: i64) -> StoreFuture<'_, KeyList> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::signing_keys::listing(tx, now)) })
    }

    fn change_signing_keys(&self, now: i64, change: KeyChange) -> StoreFuture<'_, KeyView> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::signing_keys::change(tx, now, &change)) })
    }

    fn refresh_signing_keys(&self) -> StoreFuture<'_, bool> {
        use crate::domain::signing_keys::tx::SigningKeyTx;
        Box::pin(async move {
            let stored = in_tx!(quiet self, |tx| tx.signing_keys())?;
            Ok(crate::domain::signing_keys::refresh(&self.secrets, &stored))
        })
    }

    // Floating seats and seats that free themselves (validate's cache is not involved: quiet).
    fn checkout(&self, now: i64, key_hash: String, req: CheckoutRequest) -> StoreFuture<'_, LeaseIssued> {
        Box::pin(async move { noted_tx!(quiet self, |tx| lease_rules::seats::checkout(tx, now, &key_hash, &req)) })
    }

    fn heartbeat(&self, now: i64, key_hash: String, id: String, fp: String) -> StoreFuture<'_, LeaseIssued> {
        Box::pin(async move { noted_tx!(quiet self, |tx| lease_rules::seats::heartbeat(tx, now, &key_hash, &id, &fp)) })
    }

    fn release(&self, now: i64, key_hash: String, id: String) -> StoreFuture<'_, LeaseRow> {
        Box::pin(async move { noted_tx!(quiet self, |tx| lease_rules::seats::release(tx, now, &key_hash, &id)) })
    }

    fn license_leases(&self, now: i64, id_or_key: String) -> StoreFuture<'_, LeasesView> {
        let h = &self.secrets.hasher;
        Box::pin(async move { on_client!(self, |tx| lease_rules::admin::leases(tx, h, now, &id_or_key)) })
    }

    fn end_lease(&self, now: i64, id_or_key: String, id: String) -> StoreFuture<'_, LeaseRow> {
        let h = &self.secrets.hasher;
        Box::pin(async move { noted_tx!(quiet self, |tx| lease_rules::admin::end_lease(tx, h, now, &id_or_key, &id)) })
    }

    fn auto_released(&self, key_hash: String, fp: String) -> StoreFuture<'_, Option<AutoReleased>> {
        Box::pin(async move { on_client!(self, |tx| lease_rules::auto_release::for_device(tx, &key_hash, &fp)) })
    }
    // ---- The console's outbox (issue 18, crate::domain::outbox) ----
    fn delivery_log(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<crate::domain::outbox::LoggedDelivery>> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::outbox::delivery_log(tx, &query)) })
    }

    fn mail_queue(&self, query: crate::domain::outbox::MailQuery) -> StoreFuture<'_, crate::domain::outbox::MailPage> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::outbox::mail_queue(tx, &query)) })
    }

    fn resend_mail(&self, now: i64, license_id: String) -> StoreFuture<'_, crate::domain::mail::KeyMail> {
        Box::pin(async move { in_tx!(quiet self, |tx| crate::domain::outbox::resend_mail(tx, now, &license_id)) })
    }

    // ---- Unmatched refunds (issue 18, crate::domain::payments::unmatched) ----
    fn unmatched_payments(
        &self,
        query: crate::domain::payments::unmatched::UnmatchedQuery,
    ) -> StoreFuture<'_, crate::domain::payments::unmatched::UnmatchedPage> {
        Box::pin(async move { on_client!(self, |tx| crate::domain::payments::unmatched::list(tx, &query)) })
    }
}
