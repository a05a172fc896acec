//! Staff's view of floating seats: the live leases of a license, and ending one (its holder's
//! next heartbeat then gets `LEASE_NOT_FOUND`).

use super::tx::LeaseTx;
use super::{seats, LeaseRow, LeaseView, LeasesView};
use crate::domain::admin::find_license;
use crate::domain::errors::ApiResult;
use crate::domain::secrets::KeyHasher;
use crate::domain::tx::Lock;

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
