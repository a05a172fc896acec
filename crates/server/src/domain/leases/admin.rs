//! Staff's view of floating seats: the live leases of a license, and ending one (its holder's
//! next heartbeat then gets `LEASE_NOT_FOUND`).

use super::tx::LeaseTx;
use super::{seats, LeaseRow, LeaseView, LeasesView};
use crate::domain::admin::{find_license, view, LicenseView};
use crate::domain::errors::ApiResult;
use crate::domain::secrets::KeyHasher;
use crate::domain::tx::{Held, Lock};

/// At most this many leases are listed (the soonest ending first).
pub const MAX_LISTED: u32 = 1000;

pub async fn leases(tx: &mut impl LeaseTx, hasher: &KeyHasher, now: i64, id_or_key: &str) -> ApiResult<LeasesView> {
    let (ctx, _) = find_license(tx, hasher, id_or_key, Lock::No).await?;
    let live = tx.live_leases(&ctx.license.id, now, MAX_LISTED).await?;
    Ok(LeasesView {
        license_id: ctx.license.id.clone(),
        floating: ctx.policy.seats.floating,
        seats: ctx.policy.max_machines,
        leases: live.iter().map(LeaseView::of).collect(),
    })
}

/// Ends one lease of the license now.
pub async fn end_lease(
    tx: &mut impl LeaseTx,
    hasher: &KeyHasher,
    now: i64,
    id_or_key: &str,
    lease_id: &str,
) -> ApiResult<LeaseRow> {
    let (ctx, _) = find_license(tx, hasher, id_or_key, Lock::ForUpdate).await?;
    seats::end(tx, now, &ctx.license.id, lease_id).await
}

/// The seats a license's summary reports as used: its activations (the count the stores keep),
/// or, for a floating policy, which binds no computer, its leases live at `now` (a lapsed one
/// never counts). Every staff view of a license (admin API, console, CSV) goes through here.
pub async fn seats_in_use(tx: &mut impl LeaseTx, (ctx, activations): Held, now: i64) -> ApiResult<Held> {
    if !ctx.policy.seats.floating {
        return Ok((ctx, activations));
    }
    let live = tx.live_lease_count(&ctx.license.id, now).await?;
    Ok((ctx, live))
}

/// A license as staff see it, with its seats in use counted by [`seats_in_use`].
pub async fn staff_view(tx: &mut impl LeaseTx, held: Held, now: i64) -> ApiResult<LicenseView> {
    Ok(view(seats_in_use(tx, held, now).await?, now))
}
