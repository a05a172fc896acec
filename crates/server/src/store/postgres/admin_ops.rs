//! The admin operations on PostgreSQL, with the checks of [`crate::ops::admin`].

use super::rows::{self as pg};
use crate::demo::{DemoKey, DEMO_KEYS, PRODUCT_ID};
use crate::errors::{ApiError, ApiResult};
use crate::model::{self, Policy, Product};
use crate::ops::admin::{self, Extend, LicenseView, MachineView, NewLicense, NewPolicy, NewProduct};
use crate::page::{Page, Paged};
use crate::secrets::KeyHasher;
use crate::store::rows::LicenseCtx;
use crate::store::FingerprintRule;
use deadpool_postgres::GenericClient;
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::LicenseKey;

pub fn view((ctx, seats_used): (LicenseCtx, u32)) -> LicenseView {
    LicenseView {
        seats_max: ctx.policy.max_machines,
        policy_name: ctx.policy.name,
        product_name: ctx.product_name,
        license: ctx.license,
        seats_used,
    }
}

pub async fn create_product<C: GenericClient>(c: &C, now: i64, new: &NewProduct) -> ApiResult<Product> {
    let product = admin::new_product(now, new)?;
    let n = c
        .execute(
            "INSERT INTO products (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            &[&product.id, &product.name, &now],
        )
        .await?;
    if n == 0 {
        return Err(ApiError::bad_request(format!(
            "a product with id {} already exists",
            product.id
        )));
    }
    Ok(product)
}

pub async fn create_policy<C: GenericClient>(c: &C, now: i64, new: &NewPolicy) -> ApiResult<Policy> {
    let policy = admin::new_policy(now, new)?;
    if pg::product(c, &new.product_id).await?.is_none() {
        return Err(ApiError::not_found("no such product"));
    }
    c.execute(
        "INSERT INTO policies (id, product_id, name, max_machines, uniqueness, matching, fuzzy_min, renew_interval_secs, \
         grace_secs, duration_secs, allow_vm, trial, created_at, offline_lease_secs) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        &[
            &policy.id,
            &policy.product_id,
            &policy.name,
            &i64::from(policy.max_machines),
            &policy.uniqueness.as_str(),
            &policy.matching.as_str(),
            &i64::from(policy.fuzzy_min),
            &policy.renew_interval_secs,
            &policy.grace_secs,
            &policy.duration_secs,
            &policy.allow_vm,
            &policy.trial,
            &policy.created_at,
            &policy.offline_lease_secs,
        ],
    )
    .await?;
    Ok(policy)
}

pub async fn create_license<C: GenericClient>(
    c: &C,
    now: i64,
    hasher: &KeyHasher,
    new: &NewLicense,
    key: Option<LicenseKey>,
) -> ApiResult<(LicenseView, LicenseKey)> {
    let policy = pg::policy(c, &new.policy_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such policy"))?;
    let (license, key) = admin::new_license(now, &policy, new, key)?;
    c.execute(
        "INSERT INTO licenses (id, policy_id, product_id, key_hash, key_prefix, status, expires_at, owner_name, \
         owner_email, entitlements, metadata, created_at) VALUES ($1, $2, $3, $4, $5, 'ACTIVE', $6, $7, $8, $9, $10, $11)",
        &[
            &license.id,
            &license.policy_id,
            &license.product_id,
            &hasher.hash(&key),
            &license.key_prefix,
            &license.expires_at,
            &license.owner_name,
            &license.owner_email,
            &serde_json::to_string(&license.entitlements).expect("serializes"),
            &serde_json::to_string(&license.metadata).expect("serializes"),
            &now,
        ],
    )
    .await?;
    let found = pg::license_by_id(c, &license.id, false).await?;
    Ok((
        view(found.ok_or_else(|| ApiError::Internal("license vanished".into()))?),
        key,
    ))
}

/// A license by id or key; with `lock` its row stays locked until the transaction ends.
pub async fn find_license<C: GenericClient>(
    c: &C,
    hasher: &KeyHasher,
    id_or_key: &str,
    lock: bool,
) -> ApiResult<(LicenseCtx, u32)> {
    let found = match LicenseKey::parse(id_or_key) {
        Ok(key) if !id_or_key.starts_with("lic_") => pg::license_by_hash(c, &hasher.hash(&key), lock).await?,
        _ => pg::license_by_id(c, id_or_key, lock).await?,
    };
    found.ok_or_else(|| ApiError::not_found("no such license"))
}

pub async fn licenses<C: GenericClient>(c: &C, product_id: Option<&str>) -> ApiResult<Vec<LicenseView>> {
    Ok(pg::licenses(c, product_id).await?.into_iter().map(view).collect())
}

pub async fn set_status<C: GenericClient>(
    c: &C,
    h: &KeyHasher,
    id_or_key: &str,
    status: LicenseStatus,
) -> ApiResult<LicenseView> {
    let (ctx, _) = find_license(c, h, id_or_key, true).await?;
    c.execute(
        "UPDATE licenses SET status = $1 WHERE id = $2",
        &[&model::status_str(status), &ctx.license.id],
    )
    .await?;
    tracing::info!(license = %ctx.license.id, status = model::status_str(status), "license status changed");
    Ok(view(find_license(c, h, &ctx.license.id, false).await?))
}

pub async fn extend<C: GenericClient>(
    c: &C,
    h: &KeyHasher,
    now: i64,
    id_or_key: &str,
    how: &Extend,
) -> ApiResult<LicenseView> {
    let (ctx, _) = find_license(c, h, id_or_key, true).await?;
    let expiry = admin::extended_expiry(now, ctx.license.expires_at, how)?;
    c.execute(
        "UPDATE licenses SET expires_at = $1 WHERE id = $2",
        &[&expiry, &ctx.license.id],
    )
    .await?;
    Ok(view(find_license(c, h, &ctx.license.id, false).await?))
}

pub async fn reset<C: GenericClient>(c: &C, h: &KeyHasher, id_or_key: &str) -> ApiResult<usize> {
    let (ctx, _) = find_license(c, h, id_or_key, true).await?;
    Ok(
        c.execute("DELETE FROM activations WHERE license_id = $1", &[&ctx.license.id])
            .await? as usize,
    )
}

pub async fn machines<C: GenericClient>(
    c: &C,
    h: &KeyHasher,
    id_or_key: &str,
    page: &Page,
) -> ApiResult<Paged<MachineView>> {
    let (ctx, total) = find_license(c, h, id_or_key, false).await?;
    let (list, next) = pg::activations_page(c, &ctx.license.id, page).await?;
    Ok(Paged {
        machines: list.into_iter().map(|a| admin::machine_view(&ctx.policy, a)).collect(),
        total,
        next,
    })
}

pub async fn remove_machine<C: GenericClient>(
    c: &C,
    h: &KeyHasher,
    id_or_key: &str,
    activation_id: &str,
) -> ApiResult<()> {
    let (ctx, _) = find_license(c, h, id_or_key, true).await?;
    let n = c
        .execute(
            "DELETE FROM activations WHERE license_id = $1 AND id = $2",
            &[&ctx.license.id, &activation_id],
        )
        .await?;
    if n == 0 {
        return Err(ApiError::new(
            keyturn_protocol::Code::ActivationNotFound,
            "no such activation on this license",
        ));
    }
    Ok(())
}

pub async fn set_fingerprint_rule<C: GenericClient>(
    c: &C,
    now: i64,
    product_id: &str,
    fingerprint: &str,
    rule: Option<FingerprintRule>,
) -> ApiResult<()> {
    if pg::product(c, product_id).await?.is_none() {
        return Err(ApiError::not_found("no such product"));
    }
    admin::check_fingerprint(fingerprint)?;
    match rule {
        Some(rule) => {
            c.execute(
                "INSERT INTO fingerprint_rules (product_id, fingerprint, rule, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (product_id, fingerprint) DO UPDATE SET rule = excluded.rule, created_at = excluded.created_at",
                &[&product_id, &fingerprint, &rule.as_str(), &now],
            )
            .await?
        }
        None => {
            c.execute(
                "DELETE FROM fingerprint_rules WHERE product_id = $1 AND fingerprint = $2",
                &[&product_id, &fingerprint],
            )
            .await?
        }
    };
    Ok(())
}

/// The demo product, policies and keys (see [`crate::demo`]), seeded when missing.
pub async fn demo<C: GenericClient>(c: &C, now: i64, hasher: &KeyHasher) -> ApiResult<Vec<DemoKey>> {
    if pg::product(c, PRODUCT_ID).await?.is_none() {
        create_product(c, now, &crate::demo::product()).await?;
    }
    for (name, max, trial) in crate::demo::POLICIES {
        policy_id(c, now, name, *max, *trial).await?;
    }
    for k in DEMO_KEYS {
        let known = c
            .query_opt("SELECT 1 FROM demo_keys WHERE label = $1", &[&k.label])
            .await?
            .is_some();
        if known {
            continue;
        }
        let policy = policy_id(c, now, k.policy, 0, false).await?;
        let (license, key) = create_license(c, now, hasher, &crate::demo::license(policy, k, now), None).await?;
        if k.status != LicenseStatus::Active {
            c.execute(
                "UPDATE licenses SET status = $1 WHERE id = $2",
                &[&model::status_str(k.status), &license.license.id],
            )
            .await?;
        }
        c.execute(
            "INSERT INTO demo_keys (label, license_key, purpose) VALUES ($1, $2, $3)",
            &[&k.label, &key.to_string(), &crate::demo::purpose(k)],
        )
        .await?;
    }
    let rows = c
        .query("SELECT label, license_key, purpose FROM demo_keys ORDER BY seq", &[])
        .await?;
    Ok(rows
        .iter()
        .map(|r| DemoKey {
            label: r.get(0),
            key: r.get(1),
            purpose: r.get(2),
        })
        .collect())
}

async fn policy_id<C: GenericClient>(c: &C, now: i64, name: &str, max: u32, trial: bool) -> ApiResult<String> {
    let existing = c
        .query_opt(
            "SELECT id FROM policies WHERE product_id = $1 AND name = $2",
            &[&PRODUCT_ID, &name],
        )
        .await?;
    if let Some(row) = existing {
        return Ok(row.get(0));
    }
    Ok(create_policy(c, now, &crate::demo::policy(name, max, trial)).await?.id)
}
