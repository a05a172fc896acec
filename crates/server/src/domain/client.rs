//! The client operations, written once for every store: validate, activate (online and with the
//! offline lease), renew, deactivate, list machines, trial. Each runs inside one transaction of
//! the store ([`Tx`]); a change of a license's seats first locks its row ([`Lock::ForUpdate`]).

use super::errors::{ApiError, ApiResult};
use super::ids::new_id;
use super::issued::Issued;
use super::leases::{auto_release, require_floating, tx::LeaseTx};
use super::model::{self, Activation, FingerprintRule, LicenseCtx, Matching, Policy, Uniqueness, ValidateView};
use super::page::Page;
use super::rules;
use super::tx::{Device, LicenseBy, Lock, Tx};
use keyturn_protocol::wire::{
    ActivateRequest, MachinesResponse, TrialRequest, ValidateResponse, VirtInfo, LIMIT_MACHINES_SHOWN,
};
use keyturn_protocol::{Code, LicenseKey};

fn no_license() -> ApiError {
    ApiError::not_found("no license has this key")
}

fn activation_gone() -> ApiError {
    ApiError::new(Code::ActivationNotFound, "this activation does not exist (any more)")
}

pub(crate) async fn load(tx: &mut impl Tx, key_hash: &str, lock: Lock) -> ApiResult<(LicenseCtx, u32)> {
    tx.license(LicenseBy::KeyHash(key_hash), lock)
        .await?
        .ok_or_else(no_license)
}

/// Is this key valid on this device? The answer from what the store read for validate (`None`:
/// no license has the key). Every outcome of an existing key is a [`ValidateResponse`].
pub fn validate(view: Option<&ValidateView>, now: i64) -> ApiResult<ValidateResponse> {
    let view = view.ok_or_else(no_license)?;
    let ctx = &view.ctx;
    let (code, message) = if let Some(problem) = rules::license_problem(&ctx.license, now) {
        problem
    } else if view.rule == Some(FingerprintRule::Block) {
        (Code::FingerprintBlocked, "this device is blocked")
    } else {
        match &view.activation {
            None => (Code::FingerprintNotFound, "this device is not activated"),
            Some(a) if now >= rules::valid_until(&ctx.policy, a.last_renewed_at, a.offline_until) => {
                (Code::Overdue, "this device missed its renewal and grace period")
            }
            Some(_) => (Code::Valid, "valid"),
        }
    };
    Ok(ValidateResponse {
        valid: code == Code::Valid,
        code,
        message: message.into(),
        license: model::summary(ctx, view.seats_used),
        activation_id: view.activation.as_ref().map(|a| a.id.clone()),
    })
}

/// Refuses a license that is not usable now, whatever the device (with its summary).
pub(crate) fn refuse_unusable(ctx: &LicenseCtx, seats: u32, now: i64) -> ApiResult<()> {
    match rules::license_problem(&ctx.license, now) {
        Some((code, message)) => Err(ApiError::new(code, message).with_license(model::summary(ctx, seats))),
        None => Ok(()),
    }
}

/// Block list and VM rule for a device of this product.
pub(crate) async fn refuse_device(
    tx: &mut impl Tx,
    product_id: &str,
    policy: &Policy,
    fingerprint: &str,
    virt: &VirtInfo,
) -> ApiResult<()> {
    let rule = tx.fingerprint_rule(product_id, fingerprint).await?;
    if rule == Some(FingerprintRule::Block) {
        return Err(ApiError::new(Code::FingerprintBlocked, "this device is blocked"));
    }
    if virt.vm && !policy.allow_vm && rule != Some(FingerprintRule::Allow) {
        return Err(ApiError::new(
            Code::VmNotAllowed,
            "this license cannot be used in a virtual machine",
        ));
    }
    Ok(())
}

/// The activation this request makes (not stored yet).
fn new_activation(now: i64, license_id: &str, req: &ActivateRequest) -> Activation {
    Activation {
        id: new_id("act"),
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
    }
}

/// Records a renewal of `activation` now and answers it.
async fn renewed(tx: &mut impl Tx, now: i64, ctx: LicenseCtx, seats_used: u32, a: Activation) -> ApiResult<Issued> {
    tx.touch_activation(&a.id, now).await?;
    Ok(Issued {
        ctx,
        activation: Activation {
            last_renewed_at: now,
            ..a
        },
        seats_used,
    })
}

/// Binds this device to the license, or answers why not. Activating an already bound device
/// returns its activation (idempotent, counts as a renewal); with FUZZY matching a changed
/// device re-binds its old activation.
pub async fn activate(tx: &mut impl LeaseTx, now: i64, key_hash: &str, req: &ActivateRequest) -> ApiResult<Issued> {
    let (ctx, used) = load(tx, key_hash, Lock::ForUpdate).await?;
    refuse_unusable(&ctx, used, now)?;
    let with_license = |e: ApiError| e.with_license(model::summary(&ctx, used));
    require_floating(&ctx, false).map_err(with_license)?;
    refuse_device(tx, &ctx.license.product_id, &ctx.policy, &req.fingerprint, &req.virt)
        .await
        .map_err(with_license)?;
    if let Some(existing) = tx.activation_by_fingerprint(&ctx.license.id, &req.fingerprint).await? {
        return renewed(tx, now, ctx, used, existing).await;
    }
    if ctx.policy.uniqueness != Uniqueness::PerLicense {
        tx.lock_fingerprint(&req.fingerprint).await?;
        // PER_POLICY: on no other license of this policy; PER_ACCOUNT: on no other license at all.
        let policy = (ctx.policy.uniqueness == Uniqueness::PerPolicy).then_some(ctx.policy.id.as_str());
        if tx
            .fingerprint_bound_elsewhere(&req.fingerprint, &ctx.license.id, policy)
            .await?
        {
            return Err(with_license(ApiError::new(
                Code::FingerprintInUse,
                "this device is already bound to another license",
            )));
        }
    }
    if ctx.policy.matching == Matching::Fuzzy && !req.components.is_empty() {
        let all = tx.activations(&ctx.license.id).await?;
        if let Some(old) = rules::fuzzy_candidate(ctx.policy.fuzzy_min, &req.components, &all) {
            let rebound = Activation {
                id: old.id.clone(),
                created_at: old.created_at,
                offline_until: old.offline_until,
                ..new_activation(now, &ctx.license.id, req)
            };
            tx.rebind_activation(Device {
                activation: &rebound,
                virt_kind: req.virt.kind.as_deref(),
            })
            .await?;
            tracing::debug!(activation = %rebound.id, license = %ctx.license.id, "fuzzy re-bind");
            return Ok(Issued {
                ctx,
                activation: rebound,
                seats_used: used,
            });
        }
    }
    // Full: the policy may free a device unseen for its `release_unseen_days` (same transaction).
    let freed = used >= ctx.policy.max_machines && auto_release::free_unseen(tx, now, &ctx).await?;
    if used >= ctx.policy.max_machines && !freed {
        // A bounded list, the devices seen longest ago first: the likeliest ones to free.
        let stale = tx.stalest_activations(&ctx.license.id, LIMIT_MACHINES_SHOWN).await?;
        let machines = stale.iter().map(|a| model::machine(a, None)).collect();
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
    let activation = new_activation(now, &ctx.license.id, req);
    tx.insert_activation(
        &ctx.policy.id,
        Device {
            activation: &activation,
            virt_kind: req.virt.kind.as_deref(),
        },
    )
    .await?;
    if ctx.policy.seats.release_unseen_days.is_some() {
        tx.forget_auto_released(&ctx.license.id, &activation.fingerprint)
            .await?;
    }
    tracing::debug!(activation = %activation.id, license = %ctx.license.id, "activated");
    Ok(Issued {
        ctx,
        activation,
        seats_used: if freed { used } else { used + 1 },
    })
}

/// [`activate`] for a device without internet (customer portal), then gives the activation the
/// policy's offline lease in the same transaction (never shortening one it has).
pub async fn activate_offline(
    tx: &mut impl LeaseTx,
    now: i64,
    key_hash: &str,
    req: &ActivateRequest,
) -> ApiResult<Issued> {
    let issued = activate(tx, now, key_hash, req).await?;
    let until = rules::offline_lease_end(&issued.ctx.policy, now, issued.activation.offline_until);
    tx.set_offline_until(&issued.activation.id, until).await?;
    Ok(issued.leased_until(until))
}

/// Renews an activation (heartbeat): the very same body as the activation succeeds.
pub async fn renew(
    tx: &mut impl LeaseTx,
    now: i64,
    key_hash: &str,
    activation_id: &str,
    req: &ActivateRequest,
) -> ApiResult<Issued> {
    let (ctx, used) = load(tx, key_hash, Lock::No).await?;
    let Some(activation) = tx.activation_by_id(&ctx.license.id, activation_id).await? else {
        return Err(auto_release::gone(tx, &ctx, activation_id).await?);
    };
    if activation.fingerprint != req.fingerprint {
        return Err(ApiError::new(
            Code::FingerprintMismatch,
            "this activation belongs to another device",
        ));
    }
    refuse_unusable(&ctx, used, now)?;
    if tx.fingerprint_rule(&ctx.license.product_id, &req.fingerprint).await? == Some(FingerprintRule::Block) {
        return Err(ApiError::new(Code::FingerprintBlocked, "this device is blocked"));
    }
    renewed(tx, now, ctx, used, activation).await
}

/// Frees a seat.
pub async fn deactivate(tx: &mut impl Tx, key_hash: &str, activation_id: &str) -> ApiResult<()> {
    let (ctx, _) = load(tx, key_hash, Lock::No).await?;
    if tx.delete_activation(&ctx.license.id, activation_id).await? == 0 {
        return Err(activation_gone());
    }
    tracing::debug!(activation = %activation_id, license = %ctx.license.id, "deactivated");
    Ok(())
}

/// One page of the devices bound to the caller's license.
pub async fn machines(
    tx: &mut impl Tx,
    key_hash: &str,
    fingerprint: Option<&str>,
    page: &Page,
) -> ApiResult<MachinesResponse> {
    let (ctx, seats_used) = load(tx, key_hash, Lock::No).await?;
    let (list, next) = tx.activations_page(&ctx.license.id, page).await?;
    Ok(MachinesResponse {
        machines: list.iter().map(|a| model::machine(a, fingerprint)).collect(),
        license: model::summary(&ctx, seats_used),
        next,
    })
}

/// One trial per device per trial policy: creates a trial license with `key` and activates
/// this device on it.
pub async fn trial(
    tx: &mut impl Tx,
    now: i64,
    key: &LicenseKey,
    key_hash: &str,
    req: &TrialRequest,
) -> ApiResult<Issued> {
    let product = tx
        .product(&req.product_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such product"))?;
    let policy = tx
        .trial_policy(&product.id)
        .await?
        .ok_or_else(|| ApiError::not_found("this product offers no trial"))?;
    refuse_device(tx, &product.id, &policy, &req.fingerprint, &req.virt).await?;
    tx.lock_fingerprint(&req.fingerprint).await?;
    if tx.trial_used(&policy.id, &req.fingerprint).await? {
        return Err(ApiError::new(Code::TrialUsed, "this device has already had its trial"));
    }
    let duration = policy.duration_secs.unwrap_or(rules::DEFAULT_TRIAL_DURATION_SECS);
    let license = model::License {
        id: new_id("lic"),
        policy_id: policy.id.clone(),
        product_id: product.id.clone(),
        key_prefix: key.display_prefix().to_string(),
        status: keyturn_protocol::wire::LicenseStatus::Active,
        expires_at: Some(now + duration),
        owner_name: String::new(),
        owner_email: String::new(),
        entitlements: vec![],
        metadata: [("trial".to_string(), "true".to_string())].into(),
        created_at: now,
    };
    tx.insert_license(&license, key_hash).await?;
    tx.insert_trial(&policy.id, &req.fingerprint, &license.id, now).await?;
    let as_activation = ActivateRequest {
        key: String::new(),
        fingerprint: req.fingerprint.clone(),
        components: req.components.clone(),
        name: req.name.clone(),
        platform: req.platform.clone(),
        virt: req.virt.clone(),
    };
    let activation = new_activation(now, &license.id, &as_activation);
    tx.insert_activation(
        &policy.id,
        Device {
            activation: &activation,
            virt_kind: req.virt.kind.as_deref(),
        },
    )
    .await?;
    let (ctx, seats_used) = tx
        .license(LicenseBy::Id(&license.id), Lock::No)
        .await?
        .ok_or_else(|| ApiError::Internal("trial license vanished".into()))?;
    tracing::info!(license = %license.id, activation = %activation.id, "trial started");
    Ok(Issued {
        ctx,
        activation,
        seats_used,
    })
}
