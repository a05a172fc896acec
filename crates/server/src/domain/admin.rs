//! The admin operations, written once for every store (admin API, console and CLI all come
//! here): products, policies, licenses, status, expiry, machines, fingerprint rules. Inputs are
//! checked first ([`super::admin_input`]); a change of a license locks its row.

pub use super::admin_input::{Extend, NewLicense, NewPolicy, NewProduct};

use super::admin_input::{check_fingerprint, extended_expiry, new_license, new_policy, new_product};
use super::errors::{ApiError, ApiResult};
use super::leases::admin::staff_view;
use super::leases::tx::LeaseTx;
use super::model::{self, Activation, FingerprintRule, License, LicenseCtx, LicenseState, Policy, Product};
use super::page::{Page, Paged};
use super::rules;
use super::secrets::KeyHasher;
use super::tx::{LicenseBy, Lock, Tx};
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::{Code, LicenseKey};
use serde::Serialize;

/// A license as the vendor sees it (never the key: only its first group).
#[derive(Debug, Clone, Serialize)]
pub struct LicenseView {
    #[serde(flatten)]
    pub license: License,
    /// ACTIVE, EXPIRED, SUSPENDED or REVOKED now.
    pub status: LicenseState,
    pub policy_name: String,
    pub product_name: String,
    pub seats_used: u32,
    pub seats_max: u32,
}

/// A machine as the vendor sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MachineView {
    #[serde(flatten)]
    pub activation: Activation,
    pub renew_by: i64,
    pub valid_until: i64,
    /// The device tag the app and the portal show too (`keyturn_protocol::wire::device_tag`).
    pub tag: String,
}

pub fn view((ctx, seats_used): (LicenseCtx, u32), now: i64) -> LicenseView {
    LicenseView {
        status: rules::state(&ctx.license, now),
        seats_max: ctx.policy.max_machines,
        policy_name: ctx.policy.name,
        product_name: ctx.product_name,
        license: ctx.license,
        seats_used,
    }
}

pub fn machine_view(policy: &Policy, a: Activation) -> MachineView {
    MachineView {
        renew_by: rules::renew_by(policy, a.last_renewed_at, a.offline_until),
        valid_until: rules::valid_until(policy, a.last_renewed_at, a.offline_until),
        tag: keyturn_protocol::wire::device_tag(&a.id),
        activation: a,
    }
}

pub async fn create_product(tx: &mut impl Tx, now: i64, new: &NewProduct) -> ApiResult<Product> {
    let product = new_product(now, new)?;
    if !tx.insert_product(&product).await? {
        return Err(ApiError::bad_request(format!(
            "a product with id {} already exists",
            product.id
        )));
    }
    Ok(product)
}

pub async fn products(tx: &mut impl Tx) -> ApiResult<Vec<Product>> {
    tx.products().await
}

pub async fn create_policy(tx: &mut impl Tx, now: i64, new: &NewPolicy) -> ApiResult<Policy> {
    let policy = new_policy(now, new)?;
    if tx.product(&new.product_id).await?.is_none() {
        return Err(ApiError::not_found("no such product"));
    }
    tx.insert_policy(&policy).await?;
    Ok(policy)
}

pub async fn policies(tx: &mut impl Tx, product_id: Option<&str>) -> ApiResult<Vec<Policy>> {
    tx.policies(product_id).await
}

/// Creates a license (with `key`, or a fresh one) and returns it with its key: the only time the
/// key is known.
pub async fn create_license(
    tx: &mut impl Tx,
    now: i64,
    hasher: &KeyHasher,
    new: &NewLicense,
    key: Option<LicenseKey>,
) -> ApiResult<(LicenseView, LicenseKey)> {
    let policy = tx
        .policy(&new.policy_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such policy"))?;
    let (license, key) = new_license(now, &policy, new, key)?;
    tx.insert_license(&license, &hasher.hash(&key)).await?;
    let held = tx.license(LicenseBy::Id(&license.id), Lock::No).await?;
    Ok((
        view(held.ok_or_else(|| ApiError::Internal("license vanished".into()))?, now),
        key,
    ))
}

/// A license by its id or by its key.
pub async fn find_license(
    tx: &mut impl Tx,
    hasher: &KeyHasher,
    id_or_key: &str,
    lock: Lock,
) -> ApiResult<(LicenseCtx, u32)> {
    let found = match LicenseKey::parse(id_or_key) {
        Ok(key) if !id_or_key.starts_with("lic_") => tx.license(LicenseBy::KeyHash(&hasher.hash(&key)), lock).await?,
        _ => tx.license(LicenseBy::Id(id_or_key), lock).await?,
    };
    found.ok_or_else(|| ApiError::not_found("no such license"))
}

pub async fn license(tx: &mut impl LeaseTx, hasher: &KeyHasher, now: i64, id_or_key: &str) -> ApiResult<LicenseView> {
    let held = find_license(tx, hasher, id_or_key, Lock::No).await?;
    staff_view(tx, held, now).await
}

pub async fn licenses(tx: &mut impl LeaseTx, now: i64, product_id: Option<&str>) -> ApiResult<Vec<LicenseView>> {
    let mut views = Vec::new();
    for held in tx.licenses(product_id).await? {
        views.push(staff_view(tx, held, now).await?);
    }
    Ok(views)
}

/// The license after a change: read again inside the same transaction.
async fn reread(tx: &mut impl LeaseTx, license_id: &str, now: i64) -> ApiResult<LicenseView> {
    let held = tx.license(LicenseBy::Id(license_id), Lock::No).await?;
    let held = held.ok_or_else(|| ApiError::Internal("license vanished".into()))?;
    staff_view(tx, held, now).await
}

pub async fn set_status(
    tx: &mut impl LeaseTx,
    hasher: &KeyHasher,
    now: i64,
    id_or_key: &str,
    status: LicenseStatus,
) -> ApiResult<LicenseView> {
    let (ctx, _) = find_license(tx, hasher, id_or_key, Lock::ForUpdate).await?;
    tx.set_license_status(&ctx.license.id, status).await?;
    tracing::info!(license = %ctx.license.id, status = model::status_str(status), "license status changed");
    reread(tx, &ctx.license.id, now).await
}

/// Moves the expiry (see [`Extend`]).
pub async fn extend(
    tx: &mut impl LeaseTx,
    hasher: &KeyHasher,
    now: i64,
    id_or_key: &str,
    how: &Extend,
) -> ApiResult<LicenseView> {
    let (ctx, _) = find_license(tx, hasher, id_or_key, Lock::ForUpdate).await?;
    let expiry = extended_expiry(now, ctx.license.expires_at, how)?;
    tx.set_license_expiry(&ctx.license.id, expiry).await?;
    tracing::info!(license = %ctx.license.id, expires_at = ?expiry, "license expiry changed");
    reread(tx, &ctx.license.id, now).await
}

/// Removes every machine of the license; how many.
pub async fn reset(tx: &mut impl Tx, hasher: &KeyHasher, id_or_key: &str) -> ApiResult<usize> {
    let (ctx, _) = find_license(tx, hasher, id_or_key, Lock::ForUpdate).await?;
    let removed = tx.delete_activations(&ctx.license.id).await?;
    tracing::info!(license = %ctx.license.id, removed, "license reset");
    Ok(removed as usize)
}

/// One page of the license's machines, oldest activation first.
pub async fn machines(
    tx: &mut impl Tx,
    hasher: &KeyHasher,
    id_or_key: &str,
    page: &Page,
) -> ApiResult<Paged<MachineView>> {
    let (ctx, total) = find_license(tx, hasher, id_or_key, Lock::No).await?;
    let (list, next) = tx.activations_page(&ctx.license.id, page).await?;
    Ok(Paged {
        machines: list.into_iter().map(|a| machine_view(&ctx.policy, a)).collect(),
        total,
        next,
    })
}

/// Removes one activation of the license.
pub async fn remove_machine(
    tx: &mut impl Tx,
    hasher: &KeyHasher,
    id_or_key: &str,
    activation_id: &str,
) -> ApiResult<()> {
    let (ctx, _) = find_license(tx, hasher, id_or_key, Lock::ForUpdate).await?;
    if tx.delete_activation(&ctx.license.id, activation_id).await? == 0 {
        return Err(ApiError::new(
            Code::ActivationNotFound,
            "no such activation on this license",
        ));
    }
    tracing::info!(license = %ctx.license.id, activation = %activation_id, "machine removed");
    Ok(())
}

/// `BLOCK` or `ALLOW` a fingerprint for a product, or clear its rule (`None`). ALLOW exempts the
/// device from a policy's VM refusal and replaces a block.
pub async fn set_fingerprint_rule(
    tx: &mut impl Tx,
    now: i64,
    product_id: &str,
    fingerprint: &str,
    rule: Option<FingerprintRule>,
) -> ApiResult<()> {
    check_fingerprint(fingerprint)?;
    if tx.product(product_id).await?.is_none() {
        return Err(ApiError::not_found("no such product"));
    }
    tx.put_fingerprint_rule(product_id, fingerprint, rule, now).await
}
