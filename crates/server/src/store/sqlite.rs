//! [`Store`] for the SQLite [`Db`]: reads on a pooled connection, changes through the writer.

use super::contract::{FingerprintRule, Store, StoreFuture};
use super::session_rows::{self, StoredSession};
use super::{rows, Db};
use crate::demo::DemoKey;
use crate::errors::{ApiError, ApiResult};
use crate::model::{Policy, Product};
use crate::ops::admin::{self, Extend, LicenseView, MachineView, NewLicense, NewPolicy, NewProduct};
use crate::ops::{client, Issued};
use crate::page::{Page, Paged};
use crate::secrets::Secrets;
use keyturn_protocol::wire::{ActivateRequest, LicenseStatus, MachinesResponse, TrialRequest, ValidateResponse};
use keyturn_protocol::LicenseKey;

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
                .and_then(|view| client::validate_answer(view.as_deref(), now)),
        )
    }

    fn activate(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(self.write(move |c| client::activate(c, now, &key_hash, &req)))
    }

    fn activate_offline(&self, now: i64, key_hash: String, req: ActivateRequest) -> StoreFuture<'_, Issued> {
        Box::pin(self.write(move |c| {
            let issued = client::activate(c, now, &key_hash, &req)?;
            client::lease_offline(c, issued, now)
        }))
    }

    fn renew(
        &self,
        now: i64,
        key_hash: String,
        activation_id: String,
        req: ActivateRequest,
    ) -> StoreFuture<'_, Issued> {
        Box::pin(self.write(move |c| client::renew(c, now, &key_hash, &activation_id, &req)))
    }

    fn deactivate(&self, key_hash: String, activation_id: String) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| client::deactivate(c, &key_hash, &activation_id)))
    }

    fn machines(&self, key_hash: String, fingerprint: Option<String>, page: Page) -> StoreFuture<'_, MachinesResponse> {
        ready(self.read(|c| client::machines(c, &key_hash, fingerprint.as_deref(), &page)))
    }

    fn trial(&self, now: i64, key: LicenseKey, req: TrialRequest) -> StoreFuture<'_, Issued> {
        let key_hash = self.secrets.hasher.hash(&key);
        Box::pin(self.write(move |c| client::trial(c, now, &key, &key_hash, &req)))
    }

    fn create_product(&self, now: i64, new: NewProduct) -> StoreFuture<'_, Product> {
        Box::pin(self.write(move |c| admin::create_product(c, now, &new)))
    }

    fn products(&self) -> StoreFuture<'_, Vec<Product>> {
        ready(self.read_long(|c| Ok(rows::products(c)?)))
    }

    fn create_policy(&self, now: i64, new: NewPolicy) -> StoreFuture<'_, Policy> {
        Box::pin(self.write(move |c| admin::create_policy(c, now, &new)))
    }

    fn policies(&self, product_id: Option<String>) -> StoreFuture<'_, Vec<Policy>> {
        ready(self.read_long(|c| Ok(rows::policies(c, product_id.as_deref())?)))
    }

    fn create_license(&self, now: i64, new: NewLicense) -> StoreFuture<'_, (LicenseView, LicenseKey)> {
        let hasher = self.secrets.hasher.clone();
        Box::pin(self.write(move |c| {
            let (license, key) = admin::create_license(c, now, &hasher, &new, None)?;
            let ctx =
                rows::license_by_id(c, &license.id)?.ok_or_else(|| ApiError::Internal("license vanished".into()))?;
            Ok((admin::view(c, ctx)?, key))
        }))
    }

    fn licenses(&self, product_id: Option<String>) -> StoreFuture<'_, Vec<LicenseView>> {
        ready(self.read_long(|c| admin::licenses(c, product_id.as_deref())))
    }

    fn license(&self, id_or_key: String) -> StoreFuture<'_, LicenseView> {
        ready(self.read(|c| {
            let ctx = admin::find_license(c, &self.secrets.hasher, &id_or_key)?;
            admin::view(c, ctx)
        }))
    }

    fn set_status(&self, id_or_key: String, status: LicenseStatus) -> StoreFuture<'_, LicenseView> {
        let hasher = self.secrets.hasher.clone();
        Box::pin(self.write(move |c| {
            let ctx = admin::find_license(c, &hasher, &id_or_key)?;
            admin::set_status(c, &ctx.license.id, status)?;
            let ctx = admin::find_license(c, &hasher, &ctx.license.id)?;
            admin::view(c, ctx)
        }))
    }

    fn extend(&self, now: i64, id_or_key: String, how: Extend) -> StoreFuture<'_, LicenseView> {
        let hasher = self.secrets.hasher.clone();
        Box::pin(self.write(move |c| {
            let ctx = admin::find_license(c, &hasher, &id_or_key)?;
            admin::extend(c, now, &ctx, &how)?;
            let ctx = admin::find_license(c, &hasher, &ctx.license.id)?;
            admin::view(c, ctx)
        }))
    }

    fn reset(&self, id_or_key: String) -> StoreFuture<'_, usize> {
        let hasher = self.secrets.hasher.clone();
        Box::pin(self.write(move |c| {
            let ctx = admin::find_license(c, &hasher, &id_or_key)?;
            admin::reset(c, &ctx.license.id)
        }))
    }

    fn license_machines(&self, id_or_key: String, page: Page) -> StoreFuture<'_, Paged<MachineView>> {
        ready(self.read(|c| {
            let ctx = admin::find_license(c, &self.secrets.hasher, &id_or_key)?;
            admin::machines(c, &ctx, &page)
        }))
    }

    fn remove_machine(&self, id_or_key: String, activation_id: String) -> StoreFuture<'_, ()> {
        let hasher = self.secrets.hasher.clone();
        Box::pin(self.write(move |c| {
            let ctx = admin::find_license(c, &hasher, &id_or_key)?;
            admin::remove_machine(c, &ctx.license.id, &activation_id)
        }))
    }

    fn append_events(&self, list: Vec<crate::events::Event>) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| crate::events::sql::insert_all(c, &list)))
    }

    fn events(&self, query: crate::events::EventQuery) -> StoreFuture<'_, crate::events::EventPage> {
        ready(self.read_long(|c| crate::events::sql::query(c, &query)))
    }

    fn prune_events(&self, before: i64, limit: u32) -> StoreFuture<'_, u64> {
        Box::pin(self.write(move |c| crate::events::sql::prune(c, before, limit)))
    }

    fn put_session(&self, session: StoredSession, now: i64) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| session_rows::put(c, &session, now)))
    }

    fn session(&self, kind: String, id_hash: String, now: i64) -> StoreFuture<'_, Option<StoredSession>> {
        ready(self.read(|c| session_rows::get(c, &kind, &id_hash, now)))
    }

    fn end_session(&self, kind: String, id_hash: String) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| session_rows::end(c, &kind, &id_hash)))
    }

    fn set_fingerprint_rule(
        &self,
        now: i64,
        product_id: String,
        fingerprint: String,
        rule: Option<FingerprintRule>,
    ) -> StoreFuture<'_, ()> {
        Box::pin(self.write(move |c| {
            admin::set_fingerprint_rule(c, now, &product_id, &fingerprint, rule.map(FingerprintRule::as_str))
        }))
    }

    fn demo(&self, _now: i64) -> StoreFuture<'_, Vec<DemoKey>> {
        let hasher = self.secrets.hasher.clone();
        Box::pin(self.write(move |c| crate::demo::seed(c, &hasher)))
    }
}
