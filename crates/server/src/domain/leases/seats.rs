//! Checkout, heartbeat and release of a floating seat. Each runs in one transaction holding
//! the license row's lock ([`Lock::ForUpdate`]), so N concurrent checkouts on an M-seat license
//! admit exactly min(N, M), on one server or several replicas.

use super::tx::LeaseTx;
use super::{lease_not_found, parse_lease_id, require_floating, LeaseIssued, LeaseRow};
use crate::domain::client::{load, refuse_device, refuse_unusable};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::events::Event;
use crate::domain::ids::new_id;
use crate::domain::model::{self, LicenseCtx};
use crate::domain::tx::Lock;
use keyturn_protocol::lease::{CheckoutRequest, LEASE_ID_PREFIX};
use keyturn_protocol::wire::VirtInfo;
use keyturn_protocol::Code;

/// Who asks for a seat.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    pub fingerprint: &'a str,
    pub name: &'a str,
    pub platform: &'a str,
}

/// Every seat is taken: how many there are and when the soonest lease ends, never who holds them.
fn seats_in_use(ctx: &LicenseCtx, next_free_at: Option<i64>, lapsed: bool) -> ApiError {
    let seats = ctx.policy.max_machines;
    let message = if lapsed {
        format!("this device's lease ended and all {seats} seats are in use now")
    } else {
        format!("all {seats} seats are in use")
    };
    let e = ApiError::new(Code::SeatsInUse, message).with_license(model::summary(ctx, seats));
    match next_free_at {
        Some(at) => e.with_next_free_at(at),
        None => e,
    }
}

/// How long this checkout holds the seat, and whether it is a borrow.
fn lease_end(ctx: &LicenseCtx, now: i64, borrow_secs: Option<i64>) -> ApiResult<(i64, bool)> {
    let terms = &ctx.policy.seats;
    match borrow_secs {
        None => Ok((now.saturating_add(terms.lease_secs), false)),
        Some(_) if terms.max_borrow_secs == 0 => Err(ApiError::new(
            Code::BorrowNotAllowed,
            "this license does not allow borrowing a seat",
        )),
        Some(secs) if secs < 1 || secs > terms.max_borrow_secs => Err(ApiError::new(
            Code::BorrowNotAllowed,
            format!("a seat can be borrowed for 1 to {} seconds", terms.max_borrow_secs),
        )),
        Some(secs) => Ok((now.saturating_add(secs), true)),
    }
}

/// The event for a lease found lapsed when its slot was taken again.
fn lapse_event(now: i64, row: &LeaseRow) -> Event {
    Event::new(now, "lease_lapsed", "policy")
        .license(&row.license_id)
        .activation(row.lease_id())
        .detail(format!(
            "seat {} was not renewed; it ended at {}",
            row.slot, row.expires_at
        ))
}

/// Gives the free slot `old` to `holder` as a new lease (a new generation, so the old lease's
/// id no longer works); a lapsed lease of another holder is logged.
async fn reuse_slot(
    tx: &mut impl LeaseTx,
    now: i64,
    ctx: LicenseCtx,
    old: LeaseRow,
    holder: Holder<'_>,
    ends: i64,
    borrowed: bool,
) -> ApiResult<LeaseIssued> {
    let lapsed = (!old.released).then(|| old.lease_id());
    if !old.released {
        tx.insert_events(&[lapse_event(now, &old)]).await?;
    }
    let row = LeaseRow {
        generation: old.generation + 1,
        fingerprint: holder.fingerprint.into(),
        name: holder.name.into(),
        platform: holder.platform.into(),
        started_at: now,
        expires_at: ends,
        borrowed,
        released: false,
        ..old
    };
    tx.update_lease(&row).await?;
    Ok(LeaseIssued {
        ctx,
        lease: row,
        lapsed,
    })
}

/// Takes a seat for `holder` until `ends`: its own lease when it has one (a second program on the
/// device shares it), else a lapsed slot, else a new slot while there are fewer than the seats.
async fn take_seat(
    tx: &mut impl LeaseTx,
    now: i64,
    ctx: LicenseCtx,
    holder: Holder<'_>,
    ends: i64,
    borrowed: bool,
    after_lapse: bool,
) -> ApiResult<LeaseIssued> {
    let license_id = ctx.license.id.clone();
    if let Some(mut own) = tx.lease_by_fingerprint(&license_id, holder.fingerprint).await? {
        if own.is_live(now) {
            own.expires_at = own.expires_at.max(ends);
            own.borrowed |= borrowed;
            tx.update_lease(&own).await?;
            return Ok(LeaseIssued {
                ctx,
                lease: own,
                lapsed: None,
            });
        }
        return reuse_slot(tx, now, ctx, own, holder, ends, borrowed).await;
    }
    let soonest = tx.soonest_lease(&license_id).await?;
    match soonest {
        Some(free) if !free.is_live(now) => reuse_slot(tx, now, ctx, free, holder, ends, borrowed).await,
        _ => {
            let slots = tx.lease_slots(&license_id).await?;
            if slots >= ctx.policy.max_machines {
                return Err(seats_in_use(&ctx, soonest.map(|s| s.expires_at), after_lapse));
            }
            let row = LeaseRow {
                slot_id: new_id(LEASE_ID_PREFIX.trim_end_matches('_')),
                license_id,
                slot: slots,
                generation: 1,
                fingerprint: holder.fingerprint.into(),
                name: holder.name.into(),
                platform: holder.platform.into(),
                started_at: now,
                expires_at: ends,
                borrowed,
                released: false,
            };
            tx.insert_lease(&row).await?;
            Ok(LeaseIssued {
                ctx,
                lease: row,
                lapsed: None,
            })
        }
    }
}

/// The license behind the key, locked, usable now, floating, and this device not blocked.
async fn floating_license(tx: &mut impl LeaseTx, now: i64, key_hash: &str, fingerprint: &str) -> ApiResult<LicenseCtx> {
    let (ctx, used) = load(tx, key_hash, Lock::ForUpdate).await?;
    refuse_unusable(&ctx, used, now)?;
    let summary = || model::summary(&ctx, used);
    require_floating(&ctx, true).map_err(|e| e.with_license(summary()))?;
    refuse_device(
        tx,
        &ctx.license.product_id,
        &ctx.policy,
        fingerprint,
        &VirtInfo::default(),
    )
    .await
    .map_err(|e| e.with_license(summary()))?;
    Ok(ctx)
}

/// Checks a seat out for this device (or borrows one for `borrow_secs`).
pub async fn checkout(
    tx: &mut impl LeaseTx,
    now: i64,
    key_hash: &str,
    req: &CheckoutRequest,
) -> ApiResult<LeaseIssued> {
    let ctx = floating_license(tx, now, key_hash, &req.fingerprint).await?;
    let (ends, borrowed) = lease_end(&ctx, now, req.borrow_secs)?;
    let holder = Holder {
        fingerprint: &req.fingerprint,
        name: &req.name,
        platform: &req.platform,
    };
    take_seat(tx, now, ctx, holder, ends, borrowed, false).await
}

/// Keeps a seat: extends the lease by the policy's lease. After a lapse the seat comes back when
/// one is free (a new lease id when its slot went to someone else), else `SEATS_IN_USE`.
pub async fn heartbeat(
    tx: &mut impl LeaseTx,
    now: i64,
    key_hash: &str,
    lease_id: &str,
    fingerprint: &str,
) -> ApiResult<LeaseIssued> {
    let ctx = floating_license(tx, now, key_hash, fingerprint).await?;
    let (slot_id, generation) = parse_lease_id(lease_id).ok_or_else(lease_not_found)?;
    let mut row = tx
        .lease_by_slot(&ctx.license.id, slot_id)
        .await?
        .ok_or_else(lease_not_found)?;
    let ends = now.saturating_add(ctx.policy.seats.lease_secs);
    if generation > row.generation || (generation == row.generation && row.released) {
        return Err(lease_not_found());
    }
    if generation == row.generation {
        if row.fingerprint != fingerprint {
            return Err(ApiError::new(
                Code::FingerprintMismatch,
                "this lease belongs to another device",
            ));
        }
        let mut lapsed = None;
        if !row.is_live(now) {
            // Lapsed, and nobody took the slot since: the seat is this device's again.
            tx.insert_events(&[lapse_event(now, &row)]).await?;
            lapsed = Some(row.lease_id());
            row.borrowed = false;
        }
        row.expires_at = row.expires_at.max(ends);
        tx.update_lease(&row).await?;
        return Ok(LeaseIssued {
            ctx,
            lease: row,
            lapsed,
        });
    }
    // The slot went to another lease after this one lapsed: a free seat, if any.
    let holder = Holder {
        fingerprint,
        name: "",
        platform: "",
    };
    let mut issued = take_seat(tx, now, ctx, holder, ends, false, true).await?;
    issued.lapsed = Some(lease_id.to_string());
    Ok(issued)
}

/// Frees a seat (also returns a borrowed one early). A lease that already ended answers the
/// same; an id this license never gave out is `LEASE_NOT_FOUND`.
pub async fn release(tx: &mut impl LeaseTx, now: i64, key_hash: &str, lease_id: &str) -> ApiResult<LeaseRow> {
    let (ctx, _) = load(tx, key_hash, Lock::ForUpdate).await?;
    end(tx, now, &ctx.license.id, lease_id).await
}

/// Ends the lease now when it is live (release, or staff ending it).
pub async fn end(tx: &mut impl LeaseTx, now: i64, license_id: &str, lease_id: &str) -> ApiResult<LeaseRow> {
    let (slot_id, generation) = parse_lease_id(lease_id).ok_or_else(lease_not_found)?;
    let mut row = tx
        .lease_by_slot(license_id, slot_id)
        .await?
        .filter(|r| r.generation == generation)
        .ok_or_else(lease_not_found)?;
    if row.is_live(now) {
        row.expires_at = now;
        row.released = true;
        row.borrowed = false;
        tx.update_lease(&row).await?;
    }
    Ok(row)
}
