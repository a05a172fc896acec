//! Client operations: validate, activate, renew, deactivate, list machines, trial.

use super::Issued;
use crate::errors::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::model::{Activation, Matching, Policy, Uniqueness};
use crate::page::Page;
use crate::rules;
use crate::store::rows::{self, LicenseCtx, ValidateView};
use keyturn_protocol::wire::{
    ActivateRequest, LicenseStatus, MachinesResponse, TrialRequest, ValidateResponse, VirtInfo, LIMIT_MACHINES_SHOWN,
};
use keyturn_protocol::{Code, LicenseKey};
use rusqlite::{params, Connection};

fn load(conn: &Connection, key_hash: &str) -> ApiResult<LicenseCtx> {
    rows::license_by_hash(conn, key_hash)?.ok_or_else(|| ApiError::not_found("no license has this key"))
}

/// Is this key valid on this device? The answer from the rows validate read (both stores; `None`:
/// no license has the key). Every outcome of an existing key is a [`ValidateResponse`].
pub fn validate_answer(view: Option<&ValidateView>, now: i64) -> ApiResult<ValidateResponse> {
    let view = view.ok_or_else(|| ApiError::not_found("no license has this key"))?;
    let ctx = &view.ctx;
    let (code, message) = if let Some(problem) = rules::license_problem(&ctx.license, now) {
        problem
    } else if view.rule.as_deref() == Some("BLOCK") {
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
        license: rows::summary(ctx, view.seats_used),
        activation_id: view.activation.as_ref().map(|a| a.id.clone()),
    })
}

fn refuse_unusable(conn: &Connection, ctx: &LicenseCtx, now: i64) -> ApiResult<()> {
    if let Some((code, message)) = rules::license_problem(&ctx.license, now) {
        let seats = rows::seats_used(conn, &ctx.license.id)?;
        return Err(ApiError::new(code, message).with_license(rows::summary(ctx, seats)));
    }
    Ok(())
}

/// Block list and VM rule for a device of this product.
fn refuse_device(
    conn: &Connection,
    product_id: &str,
    policy: &Policy,
    fingerprint: &str,
    virt: &VirtInfo,
) -> ApiResult<()> {
    let rule = rows::fingerprint_rule(conn, product_id, fingerprint)?;
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

fn issued(conn: &Connection, ctx: LicenseCtx, activation: Activation) -> ApiResult<Issued> {
    let seats_used = rows::seats_used(conn, &ctx.license.id)?;
    Ok(Issued {
        ctx,
        activation,
        seats_used,
    })
}

/// Binds this device to the license, or answers why not. Activating an already bound device
/// returns its activation (idempotent); with FUZZY matching a changed device re-binds.
pub fn activate(conn: &Connection, now: i64, key_hash: &str, req: &ActivateRequest) -> ApiResult<Issued> {
    let ctx = load(conn, key_hash)?;
    refuse_unusable(conn, &ctx, now)?;
    let with_license = |e: ApiError, conn: &Connection| -> ApiResult<ApiError> {
        let seats = rows::seats_used(conn, &ctx.license.id)?;
        Ok(e.with_license(rows::summary(&ctx, seats)))
    };
    if let Err(e) = refuse_device(conn, &ctx.license.product_id, &ctx.policy, &req.fingerprint, &req.virt) {
        return Err(with_license(e, conn)?);
    }
    if let Some(existing) = rows::activation_by_fingerprint(conn, &ctx.license.id, &req.fingerprint)? {
        // Activating a bound device again counts as a renewal.
        conn.prepare_cached("UPDATE activations SET last_renewed_at = ?1 WHERE id = ?2")?
            .execute(params![now, existing.id])?;
        return issued(
            conn,
            ctx,
            Activation {
                last_renewed_at: now,
                ..existing
            },
        );
    }
    if let Err(e) = check_uniqueness(conn, &ctx, &req.fingerprint) {
        return Err(with_license(e, conn)?);
    }
    let components = serde_json::to_string(&req.components).expect("map serializes");
    if ctx.policy.matching == Matching::Fuzzy && !req.components.is_empty() {
        let all = rows::activations(conn, &ctx.license.id)?;
        if let Some(old) = rules::fuzzy_candidate(ctx.policy.fuzzy_min, &req.components, &all) {
            conn.execute(
                "UPDATE activations SET fingerprint = ?1, components = ?2, name = ?3, platform = ?4, vm = ?5, \
                 container = ?6, virt_kind = ?7, last_renewed_at = ?8 WHERE id = ?9",
                params![
                    req.fingerprint,
                    components,
                    req.name,
                    req.platform,
                    req.virt.vm,
                    req.virt.container,
                    req.virt.kind,
                    now,
                    old.id
                ],
            )?;
            tracing::debug!(activation = %old.id, license = %ctx.license.id, "fuzzy re-bind");
            let activation = rows::activation_by_id(conn, &ctx.license.id, &old.id)?
                .ok_or_else(|| ApiError::Internal("re-bound activation vanished".into()))?;
            return issued(conn, ctx, activation);
        }
    }
    let used = rows::seats_used(conn, &ctx.license.id)?;
    if used >= ctx.policy.max_machines {
        // A bounded list, the devices seen longest ago first: the likeliest ones to free.
        let stale = rows::stalest_activations(conn, &ctx.license.id, LIMIT_MACHINES_SHOWN)?;
        let machines = stale.iter().map(|a| rows::machine(a, None)).collect();
        let e = ApiError::new(
            Code::MachineLimitExceeded,
            format!(
                "this license is in use on {used} of {} machines",
                ctx.policy.max_machines
            ),
        )
        .with_machines(machines, used);
        return Err(with_license(e, conn)?);
    }
    let activation = insert_activation(
        conn,
        now,
        &ctx.license.id,
        &ctx.policy.id,
        &req.fingerprint,
        &components,
        req,
    )?;
    tracing::debug!(activation = %activation.id, license = %ctx.license.id, "activated");
    let seats_used = used + 1;
    Ok(Issued {
        ctx,
        activation,
        seats_used,
    })
}

fn check_uniqueness(conn: &Connection, ctx: &LicenseCtx, fingerprint: &str) -> ApiResult<()> {
    let taken: bool = match ctx.policy.uniqueness {
        Uniqueness::PerLicense => false,
        Uniqueness::PerPolicy => conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM activations WHERE fingerprint = ?1 AND policy_id = ?2 AND license_id != ?3)",
            )?
            .query_row(params![fingerprint, ctx.policy.id, ctx.license.id], |r| r.get(0))?,
        Uniqueness::PerAccount => conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM activations WHERE fingerprint = ?1 AND license_id != ?2)")?
            .query_row(params![fingerprint, ctx.license.id], |r| r.get(0))?,
    };
    if taken {
        return Err(ApiError::new(
            Code::FingerprintInUse,
            "this device is already bound to another license",
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn insert_activation(
    conn: &Connection,
    now: i64,
    license_id: &str,
    policy_id: &str,
    fingerprint: &str,
    components: &str,
    req: &ActivateRequest,
) -> ApiResult<Activation> {
    let id = new_id("act");
    conn.prepare_cached(
        "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, container, \
         virt_kind, created_at, last_renewed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
    )?
    .execute(params![
        id,
        license_id,
        policy_id,
        fingerprint,
        components,
        req.name,
        req.platform,
        req.virt.vm,
        req.virt.container,
        req.virt.kind,
        now
    ])?;
    Ok(Activation {
        id,
        license_id: license_id.into(),
        fingerprint: fingerprint.into(),
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

/// Gives a fresh activation the policy's offline lease (it never shortens one it has).
pub fn lease_offline(conn: &Connection, issued: Issued, now: i64) -> ApiResult<Issued> {
    let until = rules::offline_lease_end(&issued.ctx.policy, now, issued.activation.offline_until);
    conn.prepare_cached("UPDATE activations SET offline_until = ?1 WHERE id = ?2")?
        .execute(params![until, issued.activation.id])?;
    Ok(issued.leased_until(until))
}

/// Renews an activation (heartbeat): the very same body as the activation succeeds.
pub fn renew(
    conn: &Connection,
    now: i64,
    key_hash: &str,
    activation_id: &str,
    req: &ActivateRequest,
) -> ApiResult<Issued> {
    let ctx = load(conn, key_hash)?;
    let activation = rows::activation_by_id(conn, &ctx.license.id, activation_id)?
        .ok_or_else(|| ApiError::new(Code::ActivationNotFound, "this activation does not exist (any more)"))?;
    if activation.fingerprint != req.fingerprint {
        return Err(ApiError::new(
            Code::FingerprintMismatch,
            "this activation belongs to another device",
        ));
    }
    refuse_unusable(conn, &ctx, now)?;
    if rows::fingerprint_rule(conn, &ctx.license.product_id, &req.fingerprint)?.as_deref() == Some("BLOCK") {
        return Err(ApiError::new(Code::FingerprintBlocked, "this device is blocked"));
    }
    conn.prepare_cached("UPDATE activations SET last_renewed_at = ?1 WHERE id = ?2")?
        .execute(params![now, activation.id])?;
    let activation = Activation {
        last_renewed_at: now,
        ..activation
    };
    issued(conn, ctx, activation)
}

/// Frees a seat.
pub fn deactivate(conn: &Connection, key_hash: &str, activation_id: &str) -> ApiResult<()> {
    let ctx = load(conn, key_hash)?;
    let n = conn
        .prepare_cached("DELETE FROM activations WHERE license_id = ?1 AND id = ?2")?
        .execute(params![ctx.license.id, activation_id])?;
    if n == 0 {
        return Err(ApiError::new(
            Code::ActivationNotFound,
            "this activation does not exist (any more)",
        ));
    }
    tracing::debug!(activation = %activation_id, license = %ctx.license.id, "deactivated");
    Ok(())
}

/// One page of the devices bound to the caller's license.
pub fn machines(
    conn: &Connection,
    key_hash: &str,
    fingerprint: Option<&str>,
    page: &Page,
) -> ApiResult<MachinesResponse> {
    let ctx = load(conn, key_hash)?;
    let (list, next) = rows::activations_page(conn, &ctx.license.id, page)?;
    let seats_used = rows::seats_used(conn, &ctx.license.id)?;
    Ok(MachinesResponse {
        machines: list.iter().map(|a| rows::machine(a, fingerprint)).collect(),
        license: rows::summary(&ctx, seats_used),
        next,
    })
}

/// One trial per device per trial policy: creates a trial license and activates this device.
pub fn trial(conn: &Connection, now: i64, key: &LicenseKey, key_hash: &str, req: &TrialRequest) -> ApiResult<Issued> {
    let product = rows::product(conn, &req.product_id)?.ok_or_else(|| ApiError::not_found("no such product"))?;
    let policy =
        rows::trial_policy(conn, &product.id)?.ok_or_else(|| ApiError::not_found("this product offers no trial"))?;
    refuse_device(conn, &product.id, &policy, &req.fingerprint, &req.virt)?;
    let used: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM trials WHERE policy_id = ?1 AND fingerprint = ?2)",
        params![policy.id, req.fingerprint],
        |r| r.get(0),
    )?;
    if used {
        return Err(ApiError::new(Code::TrialUsed, "this device has already had its trial"));
    }
    let duration = policy.duration_secs.unwrap_or(rules::DEFAULT_TRIAL_DURATION_SECS);
    let license_id = new_id("lic");
    conn.execute(
        "INSERT INTO licenses (id, policy_id, product_id, key_hash, key_prefix, status, expires_at, owner_name, \
         owner_email, entitlements, metadata, created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'ACTIVE', ?6, '', '', '[]', ?7, ?8)",
        params![license_id, policy.id, product.id, key_hash, key.display_prefix(), now + duration, r#"{"trial":"true"}"#, now],
    )?;
    conn.execute(
        "INSERT INTO trials (policy_id, fingerprint, license_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![policy.id, req.fingerprint, license_id, now],
    )?;
    let as_activation = ActivateRequest {
        key: String::new(),
        fingerprint: req.fingerprint.clone(),
        components: req.components.clone(),
        name: req.name.clone(),
        platform: req.platform.clone(),
        virt: req.virt.clone(),
    };
    let components = serde_json::to_string(&req.components).expect("map serializes");
    let activation = insert_activation(
        conn,
        now,
        &license_id,
        &policy.id,
        &req.fingerprint,
        &components,
        &as_activation,
    )?;
    let ctx =
        rows::license_by_id(conn, &license_id)?.ok_or_else(|| ApiError::Internal("trial license vanished".into()))?;
    debug_assert_eq!(ctx.license.status, LicenseStatus::Active);
    tracing::info!(license = %license_id, activation = %activation.id, "trial started");
    issued(conn, ctx, activation)
}
