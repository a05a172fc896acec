//! Seats that free themselves (node-locked policies with `release_unseen_days`): when a full
//! license admits a new device, its longest-unseen activation is freed if it has not renewed for
//! that many days, in the same transaction, with the event `auto_released` (actor `policy`). The
//! freed device's renew and validate then answer `AUTO_RELEASED`, so its app can say why.

use super::tx::{AutoReleased, LeaseTx};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::events::Event;
use crate::domain::model::LicenseCtx;
use keyturn_protocol::Code;

const DAY_SECS: i64 = 24 * 3600;

/// Frees the longest-unseen activation of the full license when the policy allows it and it
/// has been unseen long enough; whether one was freed.
pub async fn free_unseen(tx: &mut impl LeaseTx, now: i64, ctx: &LicenseCtx) -> ApiResult<bool> {
    let Some(days) = ctx.policy.seats.release_unseen_days else {
        return Ok(false);
    };
    let Some(stalest) = tx.stalest_activations(&ctx.license.id, 1).await?.into_iter().next() else {
        return Ok(false);
    };
    // A device activated without internet is "seen" until its offline lease ends.
    let seen = stalest.last_renewed_at.max(stalest.offline_until.unwrap_or(i64::MIN));
    if seen > now.saturating_sub(days.saturating_mul(DAY_SECS)) {
        return Ok(false);
    }
    tx.delete_activation(&ctx.license.id, &stalest.id).await?;
    let released = AutoReleased {
        activation_id: stalest.id.clone(),
        fingerprint: stalest.fingerprint.clone(),
        released_at: now,
        unseen_days: days,
    };
    tx.insert_auto_released(&ctx.license.id, &released).await?;
    let event = Event::new(now, "auto_released", "policy")
        .license(&ctx.license.id)
        .activation(&stalest.id)
        .detail(format!(
            "device \"{}\" unseen since {seen} (over {days} days) freed for a new device",
            stalest.name.chars().take(64).collect::<String>()
        ));
    tx.insert_events(&[event]).await?;
    tracing::debug!(activation = %stalest.id, license = %ctx.license.id, "auto-released");
    Ok(true)
}

/// The refusal for a device whose activation was freed by the policy.
pub fn refusal(r: &AutoReleased) -> ApiError {
    ApiError::new(
        Code::AutoReleased,
        format!(
            "this computer's seat was given to another computer after {} days unused; activate again to use it here",
            r.unseen_days
        ),
    )
}

/// Why an activation id is not found: freed by the policy, or just gone.
pub async fn gone(tx: &mut impl LeaseTx, ctx: &LicenseCtx, activation_id: &str) -> ApiResult<ApiError> {
    if ctx.policy.seats.release_unseen_days.is_some() {
        if let Some(r) = tx.auto_released(&ctx.license.id, Some(activation_id), None).await? {
            return Ok(refusal(&r));
        }
    }
    Ok(ApiError::new(
        Code::ActivationNotFound,
        "this activation does not exist (any more)",
    ))
}

/// Validate found no activation of this device: was its seat freed by the policy?
pub async fn for_device(tx: &mut impl LeaseTx, key_hash: &str, fingerprint: &str) -> ApiResult<Option<AutoReleased>> {
    let Some((ctx, _)) = tx
        .license(
            crate::domain::tx::LicenseBy::KeyHash(key_hash),
            crate::domain::tx::Lock::No,
        )
        .await?
    else {
        return Ok(None);
    };
    if ctx.policy.seats.release_unseen_days.is_none() {
        return Ok(None);
    }
    tx.auto_released(&ctx.license.id, None, Some(fingerprint)).await
}
