//! The client operations on PostgreSQL: the same rules as [`crate::ops::client`], each change in
//! one transaction holding the license row's lock (`FOR UPDATE`), so seat limits hold across
//! any number of server replicas. Uniqueness across licenses and trials also take a
//! transaction-scoped advisory lock on the fingerprint.

use super::rows::{self as pg, PgResult};
use crate::errors::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::model::{Activation, Matching, Policy, Uniqueness};
use crate::ops::Issued;
use crate::page::Page;
use crate::rules;
use crate::store::rows::{machine, summary, LicenseCtx, ValidateActivation, ValidateView, VALIDATE_TAIL_AT};
use deadpool_postgres::GenericClient;
use keyturn_protocol::wire::{
    ActivateRequest, MachinesResponse, TrialRequest, ValidateResponse, VirtInfo, LIMIT_MACHINES_SHOWN,
};
use keyturn_protocol::{Code, LicenseKey};

fn not_found() -> ApiError {
    ApiError::not_found("no license has this key")
}

pub async fn validate<C: GenericClient>(
    c: &C,
    now: i64,
    key_hash: &str,
    fingerprint: &str,
) -> ApiResult<ValidateResponse> {
    let sql = format!(
        "SELECT {}, {}, pr.name, l.seats_used, \
         (SELECT rule FROM fingerprint_rules f WHERE f.product_id = l.product_id AND f.fingerprint = $2), \
         a.id, a.last_renewed_at, a.offline_until \
         FROM licenses l JOIN policies p ON p.id = l.policy_id JOIN products pr ON pr.id = l.product_id \
         LEFT JOIN activations a ON a.license_id = l.id AND a.fingerprint = $2 \
         WHERE l.key_hash = $1",
        pg::LICENSE_COLS,
        pg::POLICY_COLS
    );
    let stmt = c.prepare_cached(&sql).await?;
    let row = c
        .query_opt(&stmt, &[&key_hash, &fingerprint])
        .await?
        .ok_or_else(not_found)?;
    let (ctx, seats_used) = pg::ctx_row(&row);
    let at = VALIDATE_TAIL_AT;
    let view = ValidateView {
        ctx,
        seats_used,
        rule: row.get(at + 1),
        activation: row.get::<_, Option<String>>(at + 2).map(|id| ValidateActivation {
            id,
            last_renewed_at: row.get(at + 3),
            offline_until: row.get(at + 4),
        }),
    };
    crate::ops::client::validate_answer(Some(&view), now)
}

fn refuse_unusable(ctx: &LicenseCtx, seats: u32, now: i64) -> ApiResult<()> {
    if let Some((code, message)) = rules::license_problem(&ctx.license, now) {
        return Err(ApiError::new(code, message).with_license(summary(ctx, seats)));
    }
    Ok(())
}

async fn refuse_device<C: GenericClient>(
    c: &C,
    product_id: &str,
    policy: &Policy,
    fp: &str,
    virt: &VirtInfo,
) -> ApiResult<()> {
    let rule = pg::fingerprint_rule(c, product_id, fp).await?;
    if rule.as_deref() == Some("BLOCK") {
        return Err(ApiError::new(Code::FingerprintBlocked, "this device is blocked"));
    }
    if virt.vm && !policy.allow_vm && rule.as_deref() != Some("ALLOW") {
        return Err(ApiError::new(
            Code::VmNotAllowed,
            "this license cannot be used in a virtual machine",
        ));
    }
    Ok(())
}

/// Serialises, until the transaction ends, every transaction that checks this fingerprint
/// across licenses (uniqueness, trials).
async fn lock_fingerprint<C: GenericClient>(c: &C, fingerprint: &str) -> PgResult<()> {
    c.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", &[&fingerprint])
        .await?;
    Ok(())
}

async fn renewed<C: GenericClient>(c: &C, now: i64, ctx: LicenseCtx, a: Activation) -> ApiResult<Issued> {
    c.execute(
        &c.prepare_cached("UPDATE activations SET last_renewed_at = $1 WHERE id = $2")
            .await?,
        &[&now, &a.id],
    )
    .await?;
    let seats_used = pg::seats_used(c, &ctx.license.id).await?;
    Ok(Issued {
        ctx,
        activation: Activation {
            last_renewed_at: now,
            ..a
        },
        seats_used,
    })
}

/// [`activate`], then the policy's offline lease (never shortening one the activation has).
pub async fn activate_offline<C: GenericClient>(
    c: &C,
    now: i64,
    key_hash: &str,
    req: &ActivateRequest,
) -> ApiResult<Issued> {
    let issued = activate(c, now, key_hash, req).await?;
    let until = rules::offline_lease_end(&issued.ctx.policy, now, issued.activation.offline_until);
    c.execute(
        "UPDATE activations SET offline_until = $1 WHERE id = $2",
        &[&until, &issued.activation.id],
    )
    .await?;
    Ok(issued.leased_until(until))
}

pub async fn activate<C: GenericClient>(c: &C, now: i64, key_hash: &str, req: &ActivateRequest) -> ApiResult<Issued> {
    let (ctx, used) = pg::license_by_hash(c, key_hash, true).await?.ok_or_else(not_found)?;
    refuse_unusable(&ctx, used, now)?;
    let with_license = |e: ApiError| e.with_license(summary(&ctx, used));
    refuse_device(c, &ctx.license.product_id, &ctx.policy, &req.fingerprint, &req.virt)
        .await
        .map_err(with_license)?;
    if let Some(existing) = pg::activation_by_fingerprint(c, &ctx.license.id, &req.fingerprint).await? {
        return renewed(c, now, ctx, existing).await;
    }
    if ctx.policy.uniqueness != Uniqueness::PerLicense {
        lock_fingerprint(c, &req.fingerprint).await?;
        // PER_POLICY: on no other license of this policy; PER_ACCOUNT: on no other license at all.
        let policy_filter = (ctx.policy.uniqueness == Uniqueness::PerPolicy).then_some(ctx.policy.id.as_str());
        let taken: bool = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM activations WHERE fingerprint = $1 AND license_id <> $2 \
                 AND ($3::TEXT IS NULL OR policy_id = $3))",
                &[&req.fingerprint, &ctx.license.id, &policy_filter],
            )
            .await?
            .get(0);
        if taken {
            return Err(with_license(ApiError::new(
                Code::FingerprintInUse,
                "this device is already bound to another license",
            )));
        }
    }
    let components = serde_json::to_string(&req.components).expect("map serializes");
    if ctx.policy.matching == Matching::Fuzzy && !req.components.is_empty() {
        let all = pg::activations(c, &ctx.license.id).await?;
        if let Some(old) = rules::fuzzy_candidate(ctx.policy.fuzzy_min, &req.components, &all) {
            c.execute(
                "UPDATE activations SET fingerprint = $1, components = $2, name = $3, platform = $4, vm = $5, \
                 container = $6, virt_kind = $7, last_renewed_at = $8 WHERE id = $9",
                &[
                    &req.fingerprint,
                    &components,
                    &req.name,
                    &req.platform,
                    &req.virt.vm,
                    &req.virt.container,
                    &req.virt.kind,
                    &now,
                    &old.id,
                ],
            )
            .await?;
            let activation = pg::activation_by_id(c, &ctx.license.id, &old.id)
                .await?
                .ok_or_else(|| ApiError::Internal("re-bound activation vanished".into()))?;
            return Ok(Issued {
                ctx,
                activation,
                seats_used: used,
            });
        }
    }
    if used >= ctx.policy.max_machines {
        let stale = pg::stalest_activations(c, &ctx.license.id, LIMIT_MACHINES_SHOWN).await?;
        let machines = stale.iter().map(|a| machine(a, None)).collect();
        let e = ApiError::new(
            Code::MachineLimitExceeded,
            format!(
                "this license is in use on {used} of {} machines",
                ctx.policy.max_machines
            ),
        )
        .with_machines(machines, used);
        return Err(with_license(e));
    }
    let activation = insert_activation(c, now, &ctx.license.id, &ctx.policy.id, &components, req).await?;
    Ok(Issued {
        ctx,
        activation,
        seats_used: used + 1,
    })
}

async fn insert_activation<C: GenericClient>(
    c: &C,
    now: i64,
    license_id: &str,
    policy_id: &str,
    components: &str,
    req: &ActivateRequest,
) -> ApiResult<Activation> {
    let id = new_id("act");
    let insert = c
        .prepare_cached(
            "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, \
             container, virt_kind, created_at, last_renewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .await?;
    c.execute(
        &insert,
        &[
            &id,
            &license_id,
            &policy_id,
            &req.fingerprint,
            &components,
            &req.name,
            &req.platform,
            &req.virt.vm,
            &req.virt.container,
            &req.virt.kind,
            &now,
        ],
    )
    .await?;
    Ok(Activation {
        id,
        license_id: license_id.into(),
        fingerprint: req.fingerprint.clone(),
        components: req.components.clone(),
        name: req.name.clone(),
        platform: req.platform.clone(),
        vm: req.virt.vm,
        container: req.virt.container,
        created_at: now,
        last_renewed_at: now,
        offline_until: None,
    })
}

pub async fn renew<C: GenericClient>(
    c: &C,
    now: i64,
    key_hash: &str,
    activation_id: &str,
    req: &ActivateRequest,
) -> ApiResult<Issued> {
    let (ctx, used) = pg::license_by_hash(c, key_hash, false).await?.ok_or_else(not_found)?;
    let activation = pg::activation_by_id(c, &ctx.license.id, activation_id)
        .await?
        .ok_or_else(|| ApiError::new(Code::ActivationNotFound, "this activation does not exist (any more)"))?;
    if activation.fingerprint != req.fingerprint {
        return Err(ApiError::new(
            Code::FingerprintMismatch,
            "this activation belongs to another device",
        ));
    }
    refuse_unusable(&ctx, used, now)?;
    if pg::fingerprint_rule(c, &ctx.license.product_id, &req.fingerprint)
        .await?
        .as_deref()
        == Some("BLOCK")
    {
        return Err(ApiError::new(Code::FingerprintBlocked, "this device is blocked"));
    }
    renewed(c, now, ctx, activation).await
}

pub async fn deactivate<C: GenericClient>(c: &C, key_hash: &str, activation_id: &str) -> ApiResult<()> {
    let (ctx, _) = pg::license_by_hash(c, key_hash, false).await?.ok_or_else(not_found)?;
    let n = c
        .execute(
            "DELETE FROM activations WHERE license_id = $1 AND id = $2",
            &[&ctx.license.id, &activation_id],
        )
        .await?;
    if n == 0 {
        return Err(ApiError::new(
            Code::ActivationNotFound,
            "this activation does not exist (any more)",
        ));
    }
    Ok(())
}

pub async fn machines<C: GenericClient>(
    c: &C,
    key_hash: &str,
    fingerprint: Option<&str>,
    page: &Page,
) -> ApiResult<MachinesResponse> {
    let (ctx, seats_used) = pg::license_by_hash(c, key_hash, false).await?.ok_or_else(not_found)?;
    let (list, next) = pg::activations_page(c, &ctx.license.id, page).await?;
    Ok(MachinesResponse {
        machines: list.iter().map(|a| machine(a, fingerprint)).collect(),
        license: summary(&ctx, seats_used),
        next,
    })
}

pub async fn trial<C: GenericClient>(
    c: &C,
    now: i64,
    key: &LicenseKey,
    key_hash: &str,
    req: &TrialRequest,
) -> ApiResult<Issued> {
    let product = pg::product(c, &req.product_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such product"))?;
    let policy = pg::trial_policy(c, &product.id)
        .await?
        .ok_or_else(|| ApiError::not_found("this product offers no trial"))?;
    refuse_device(c, &product.id, &policy, &req.fingerprint, &req.virt).await?;
    lock_fingerprint(c, &req.fingerprint).await?;
    let used: bool = c
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM trials WHERE policy_id = $1 AND fingerprint = $2)",
            &[&policy.id, &req.fingerprint],
        )
        .await?
        .get(0);
    if used {
        return Err(ApiError::new(Code::TrialUsed, "this device has already had its trial"));
    }
    let duration = policy.duration_secs.unwrap_or(rules::DEFAULT_TRIAL_DURATION_SECS);
    let license_id = new_id("lic");
    c.execute(
        "INSERT INTO licenses (id, policy_id, product_id, key_hash, key_prefix, status, expires_at, owner_name, \
         owner_email, entitlements, metadata, created_at) VALUES ($1, $2, $3, $4, $5, 'ACTIVE', $6, '', '', '[]', $7, $8)",
        &[&license_id, &policy.id, &product.id, &key_hash, &key.display_prefix(), &(now + duration), &r#"{"trial":"true"}"#, &now],
    )
    .await?;
    c.execute(
        "INSERT INTO trials (policy_id, fingerprint, license_id, created_at) VALUES ($1, $2, $3, $4)",
        &[&policy.id, &req.fingerprint, &license_id, &now],
    )
    .await?;
    let as_activation = ActivateRequest {
        key: String::new(),
        fingerprint: req.fingerprint.clone(),
        components: req.components.clone(),
        name: req.name.clone(),
        platform: req.platform.clone(),
        virt: req.virt.clone(),
    };
    let components = serde_json::to_string(&req.components).expect("map serializes");
    let activation = insert_activation(c, now, &license_id, &policy.id, &components, &as_activation).await?;
    let (ctx, seats_used) = pg::license_by_id(c, &license_id, false)
        .await?
        .ok_or_else(|| ApiError::Internal("trial license vanished".into()))?;
    tracing::info!(license = %license_id, activation = %activation.id, "trial started");
    Ok(Issued {
        ctx,
        activation,
        seats_used,
    })
}
