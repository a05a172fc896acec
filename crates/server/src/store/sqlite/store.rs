//! [`Store`] for the SQLite [`Db`]: each method runs one rule of [`crate::domain`] over
//! [`SqliteTx`], reads on a pooled reader's snapshot, changes inside the writer's transaction
//! (answered once committed). Validate reads through [`Db::validate_view`] (kept in memory while
//! the file is unchanged).

use super::tx::SqliteTx;
use super::{complete, Db};
use crate::domain::admin::{self, Extend, LicenseView, MachineView, NewLicense, NewPolicy, NewProduct};
use crate::domain::errors::ApiResult;
use crate::domain::event_log;
use crate::domain::events::{Event, EventPage, EventQuery};
use crate::domain::issued::Issued;
use crate::domain::leases::tx::AutoReleased;
use crate::domain::leases::{self, LeaseIssued, LeaseRow, LeasesView};
use crate::domain::license_edit::{self, LicenseEdit};
use crate::domain::license_list::{self, LicensePage, ListRequest};
use crate::domain::model::{DemoKey, FingerprintRule, Policy, Product, StoredSession};
use crate::domain::page::{Page, Paged};
use crate::domain::payments::{Applied, PaymentConfig, PaymentEvent};
use crate::domain::rename::{self, Renamed};
use crate::domain::secrets::Secrets;
use crate::domain::signing_keys::{self, KeyChange, KeyList, KeyView};
use crate::domain::staff::{self, StaffAnswer, StaffOp};
use crate::domain::webhooks::{self, Attempt, Delivery, DeliveryQuery, Due, Endpoint, NewEndpoint};
use crate::domain::{client, demo, sessions};
use crate::store::contract::{Store, StoreFuture};
use keyturn_protocol::lease::CheckoutRequest;
use keyturn_protocol::wire::{ActivateRequest, LicenseStatus, MachinesResponse, TrialRequest, ValidateResponse};
use keyturn_protocol::LicenseKey;
use std::sync::Arc;

fn ready<'a, T: Send + 'a>(result: ApiResult<T>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(result))
}

impl Store for Db {
    fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    fn validate(&self, now: i64, key_hash: String, fingerprint: String) -> StoreFuture<'_, ValidateResponse> {
        ready(
            self.validate_view(key_hash, fingerprint)
                .and_then(|view| client::validate(view.as_deref(), now)),
        )
    }

    fn activate(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(self.write_noted(move |c| complete(client::activate(&mut SqliteTx(c), now, &key_hash, &req))))
    }

    fn activate_offline(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(self.write_noted(move |c| complete(client::activate_offline(&mut SqliteTx(c), now, &key_hash, &req))))
    }

    fn renew(&self, now: i64, key_hash: String, id: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(self.write_noted(move |c| complete(client::renew(&mut SqliteTx(c), now, &key_hash, &id, &req))))
    }

    fn deactivate(&self, key_hash: String, id: String) -> StoreFuture<'_, ()> {
        Box::pin(self.write_noted(move |c| complete(client::deactivate(&mut SqliteTx(c), &key_hash, &id))))
    }

    fn machines(&self, key_hash: String, fp: Option<String>, page: Page) -> StoreFuture<'_, MachinesResponse> {
        ready(self.read(|c| complete(client::machines(&mut SqliteTx(c), &key_hash, fp.as_deref(), &page))))
    }

    fn trial(&self, now: i64, key: LicenseKey, req: TrialRequest) -> StoreFuture<'_, Issued> {
        let key_hash = self.secrets.hasher.hash(&key);
        Box::pin(self.write_noted(move |c| complete(client::trial(&mut SqliteTx(c), now, &key, &key_hash, &req))))
    }

    fn create_product(&self, now: i64, new: NewProduct) -> StoreFuture<'_, Product> {
        Box::pin(self.write_noted(move |c| complete(admin::create_product(&mut SqliteTx(c), now, &new))))
    }

    fn products(&self) -> StoreFuture<'_, Vec<Product>> {
        ready(self.read_long(|c| complete(admin::products(&mut SqliteTx(c)))))
    }

    fn create_policy(&self, now: i64, new: NewPolicy) -> StoreFuture<'_, Policy> {
        Box::pin(self.write_noted(move |c| complete(admin::create_policy(&mut SqliteTx(c), now, &new))))
    }

    fn policies(&self, product_id: Option<String>) -> StoreFuture<'_, Vec<Policy>> {
        ready(self.read_long(|c| complete(admin::policies(&mut SqliteTx(c), product_id.as_deref()))))
    }

    fn create_license(&self, now: i64, new: NewLicense) -> StoreFuture<'_, (LicenseView, LicenseKey)> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write_noted(move |c| complete(admin::create_license(&mut SqliteTx(c), now, &h, &new, None))))
    }

    fn licenses(&self, now: i64, product_id: Option<String>) -> StoreFuture<'_, Vec<LicenseView>> {
        ready(self.read_long(|c| complete(admin::licenses(&mut SqliteTx(c), now, product_id.as_deref()))))
    }

    fn license(&self, now: i64, id_or_key: String) -> StoreFuture<'_, LicenseView> {
        let h = &self.secrets.hasher;
        ready(self.read(|c| complete(admin::license(&mut SqliteTx(c), h, now, &id_or_key))))
    }

    fn set_status(&self, now: i64, id_or_key: String, status: LicenseStatus) -> StoreFuture<'_, LicenseView> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write_noted(move |c| complete(admin::set_status(&mut SqliteTx(c), &h, now, &id_or_key, status))))
    }

    fn extend(&self, now: i64, id_or_key: String, how: Extend) -> StoreFuture<'_, LicenseView> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write_noted(move |c| complete(admin::extend(&mut SqliteTx(c), &h, now, &id_or_key, &how))))
    }

    fn reset(&self, id_or_key: String) -> StoreFuture<'_, usize> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write_noted(move |c| complete(admin::reset(&mut SqliteTx(c), &h, &id_or_key))))
    }

    fn license_machines(&self, id_or_key: String, page: Page) -> StoreFuture<'_, Paged<MachineView>> {
        let h = &self.secrets.hasher;
        ready(self.read(|c| complete(admin::machines(&mut SqliteTx(c), h, &id_or_key, &page))))
    }

    fn remove_machine(&self, id_or_key: String, id: String) -> StoreFuture<'_, ()> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write_noted(move |c| complete(admin::remove_machine(&mut SqliteTx(c), &h, &id_or_key, &id))))
    }

    fn set_fingerprint_rule(
        &self,
        now: i64,
        product_id: String,
        fingerprint: String,
        rule: Option<FingerprintRule>,
    ) -> StoreFuture<'_, ()> {
        Box::pin(self.write_noted(move |c| {
            complete(admin::set_fingerprint_rule(
                &mut SqliteTx(c),
                now,
                &product_id,
                &fingerprint,
                rule,
            ))
        }))
    }

    fn demo(&self, now: i64) -> StoreFuture<'_, Vec<DemoKey>> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write(move |c| complete(demo::seed(&mut SqliteTx(c), now, &h))))
    }

    fn append_events(&self, list: Vec<Event>) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| complete(event_log::append(&mut SqliteTx(c), &list))))
    }

    fn events(&self, query: EventQuery) -> StoreFuture<'_, EventPage> {
        ready(self.read_long(|c| complete(event_log::page(&mut SqliteTx(c), &query))))
    }

    fn prune_events(&self, before: i64, limit: u32) -> StoreFuture<'_, u64> {
        Box::pin(self.write(move |c| complete(event_log::prune(&mut SqliteTx(c), before, limit))))
    }

    fn put_session(&self, session: StoredSession, now: i64) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| complete(sessions::put(&mut SqliteTx(c), &session, now))))
    }

    fn session(&self, kind: String, id_hash: String, now: i64) -> StoreFuture<'_, Option<StoredSession>> {
        ready(self.read(|c| complete(sessions::get(&mut SqliteTx(c), &kind, &id_hash, now))))
    }

    fn end_session(&self, kind: String, id_hash: String) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| complete(sessions::end(&mut SqliteTx(c), &kind, &id_hash))))
    }

    // Renaming a device.
    fn rename_machine(
        &self,
        now: i64,
        key_hash: String,
        id: String,
        fp: String,
        name: String,
    ) -> StoreFuture<'_, Renamed> {
        Box::pin(self.write_noted(move |c| complete(rename::rename(&mut SqliteTx(c), now, &key_hash, &id, &fp, &name))))
    }

    // The license list and owner details.
    fn license_page(&self, req: ListRequest) -> StoreFuture<'_, LicensePage> {
        ready(self.read_long(|c| complete(license_list::page(&mut SqliteTx(c), &req))))
    }

    fn edit_license(
        &self,
        now: i64,
        id: String,
        edit: LicenseEdit,
    ) -> StoreFuture<'_, (LicenseView, Vec<&'static str>)> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write_noted(move |c| complete(license_edit::edit(&mut SqliteTx(c), &h, now, &id, &edit))))
    }

    // Staff accounts, API tokens and staff settings.
    fn staff_read(&self, now: i64, op: StaffOp) -> StoreFuture<'_, StaffAnswer> {
        ready(self.read(|c| complete(staff::run(&mut SqliteTx(c), now, op))))
    }

    fn staff_write(&self, now: i64, op: StaffOp) -> StoreFuture<'_, StaffAnswer> {
        Box::pin(self.write(move |c| complete(staff::run(&mut SqliteTx(c), now, op))))
    }

    // Webhooks out (issue 18): endpoints, the delivery log, and the delivery worker's claims.
    fn create_webhook(&self, now: i64, new: NewEndpoint) -> StoreFuture<'_, Endpoint> {
        Box::pin(self.write_noted(move |c| complete(webhooks::create_endpoint(&mut SqliteTx(c), now, &new))))
    }

    fn webhooks(&self) -> StoreFuture<'_, Vec<Endpoint>> {
        ready(self.read(|c| complete(webhooks::endpoints(&mut SqliteTx(c)))))
    }

    fn remove_webhook(&self, id: String) -> StoreFuture<'_, ()> {
        Box::pin(self.write_noted(move |c| complete(webhooks::remove_endpoint(&mut SqliteTx(c), &id))))
    }

    fn webhook_deliveries(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<Delivery>> {
        ready(self.read_long(|c| complete(webhooks::deliveries(&mut SqliteTx(c), &query))))
    }

    fn redeliver(&self, now: i64, id: i64) -> StoreFuture<'_, Delivery> {
        Box::pin(self.write_noted(move |c| complete(webhooks::redeliver(&mut SqliteTx(c), now, id))))
    }

    fn claim_deliveries(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<Due>> {
        // The lease in the writer; what to send read beside it (the writer is the activations').
        Box::pin(async move {
            let ids = self
                .write(move |c| complete(webhooks::lease(&mut SqliteTx(c), now, limit)))
                .await?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let due = self.read(|c| complete(webhooks::load(&mut SqliteTx(c), &ids)))?;
            if due.len() < ids.len() {
                let loaded = due.clone();
                self.write(move |c| complete(webhooks::give_up_gone(&mut SqliteTx(c), &ids, &loaded)))
                    .await?;
            }
            Ok(due)
        })
    }

    fn finish_deliveries(&self, now: i64, results: Vec<(i64, Option<Attempt>)>) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| complete(webhooks::finish(&mut SqliteTx(c), now, &results))))
    }

    // Payments in (issue 18): one provider event, applied with its event in one transaction.
    fn apply_payment(&self, now: i64, config: Arc<PaymentConfig>, event: PaymentEvent) -> StoreFuture<'_, Applied> {
        let h = self.secrets.hasher.clone();
        Box::pin(self.write_noted(move |c| {
            complete(crate::domain::payments::apply(
                &mut SqliteTx(c),
                now,
                &h,
                &config,
                &event,
            ))
        }))
    }

    // ---- Self-hosting (issue 19): crate::store::sqlite::ops ----
    fn gauges(&self) -> StoreFuture<'_, crate::store::contract::StoreGauges> {
        ready(self.ops_gauges())
    }

    // ---- Signing keys (issue 19: rotation) ----
    fn signing_keys(&self, now: i64) -> StoreFuture<'_, KeyList> {
        // A write: a database from before rotation takes its key in on first use.
        Box::pin(self.write(move |c| complete(signing_keys::listing(&mut SqliteTx(c), now))))
    }

    fn change_signing_keys(&self, now: i64, change: KeyChange) -> StoreFuture<'_, KeyView> {
        Box::pin(self.write(move |c| complete(signing_keys::change(&mut SqliteTx(c), now, &change))))
    }

    fn refresh_signing_keys(&self) -> StoreFuture<'_, bool> {
        use crate::domain::signing_keys::tx::SigningKeyTx;
        Box::pin(async move {
            let stored = self.read(|c| complete(SqliteTx(c).signing_keys()))?;
            Ok(signing_keys::refresh(&self.secrets, &stored))
        })
    }

    // The key by email (issue 18).
    fn claim_mails(&self, now: i64, limit: u32) -> StoreFuture<'_, Vec<crate::domain::mail::KeyMail>> {
        Box::pin(self.write(move |c| complete(crate::domain::mail::claim(&mut SqliteTx(c), now, limit))))
    }

    fn finish_mail(&self, now: i64, license_id: String, error: Option<String>) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| complete(crate::domain::mail::finish(&mut SqliteTx(c), now, &license_id, error))))
    }

    // Floating seats and seats that free themselves.
    fn checkout(&self, now: i64, key_hash: String, req: CheckoutRequest) -> StoreFuture<'_, LeaseIssued> {
        Box::pin(self.write_noted(move |c| complete(leases::seats::checkout(&mut SqliteTx(c), now, &key_hash, &req))))
    }

    fn heartbeat(&self, now: i64, key_hash: String, id: String, fp: String) -> StoreFuture<'_, LeaseIssued> {
        Box::pin(
            self.write_noted(move |c| complete(leases::seats::heartbeat(&mut SqliteTx(c), now, &key_hash, &id, &fp))),
        )
    }

    fn release(&self, now: i64, key_hash: String, id: String) -> StoreFuture<'_, LeaseRow> {
        Box::pin(self.write_noted(move |c| complete(leases::seats::release(&mut SqliteTx(c), now, &key_hash, &id))))
    }

    fn license_leases(&self, now: i64, id_or_key: String) -> StoreFuture<'_, LeasesView> {
        let h = &self.secrets.hasher;
        ready(self.read(|c| complete(leases::admin::leases(&mut SqliteTx(c), h, now, &id_or_key))))
    }

    fn end_lease(&self, now: i64, id_or_key: String, id: String) -> StoreFuture<'_, LeaseRow> {
        let h = self.secrets.hasher.clone();
        Box::pin(
            self.write_noted(move |c| complete(leases::admin::end_lease(&mut SqliteTx(c), &h, now, &id_or_key, &id))),
        )
    }

    fn auto_released(&self, key_hash: String, fp: String) -> StoreFuture<'_, Option<AutoReleased>> {
        ready(self.read(|c| complete(leases::auto_release::for_device(&mut SqliteTx(c), &key_hash, &fp))))
    }
    // ---- The console's outbox (issue 18, crate::domain::outbox) ----
    fn delivery_log(&self, query: DeliveryQuery) -> StoreFuture<'_, Vec<crate::domain::outbox::LoggedDelivery>> {
        ready(self.read_long(|c| complete(crate::domain::outbox::delivery_log(&mut SqliteTx(c), &query))))
    }

    fn mail_queue(&self, query: crate::domain::outbox::MailQuery) -> StoreFuture<'_, crate::domain::outbox::MailPage> {
        ready(self.read_long(|c| complete(crate::domain::outbox::mail_queue(&mut SqliteTx(c), &query))))
    }

    fn resend_mail(&self, now: i64, license_id: String) -> StoreFuture<'_, crate::domain::mail::KeyMail> {
        Box::pin(self.write(move |c| complete(crate::domain::outbox::resend_mail(&mut SqliteTx(c), now, &license_id))))
    }

    // ---- Unmatched refunds (issue 18, crate::domain::payments::unmatched) ----
    fn unmatched_payments(
        &self,
        query: crate::domain::payments::unmatched::UnmatchedQuery,
    ) -> StoreFuture<'_, crate::domain::payments::unmatched::UnmatchedPage> {
        ready(self.read(|c| complete(crate::domain::payments::unmatched::list(&mut SqliteTx(c), &query))))
    }
}
