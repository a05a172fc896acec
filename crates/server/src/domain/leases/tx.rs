//! The queries the lease rules need, beyond [`Tx`]: each store implements them in its own
//! file (`store/sqlite/leases.rs`, `store/postgres/leases.rs`). Every lookup that a checkout or
//! heartbeat makes goes through an index on the license, so its cost does not grow with the
//! number of leases.

use super::LeaseRow;
use crate::domain::errors::ApiResult;
use crate::domain::tx::Tx;
use std::future::Future;

/// A node-locked activation freed by `release_unseen_days` (kept so its device learns why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoReleased {
    pub activation_id: String,
    pub fingerprint: String,
    pub released_at: i64,
    pub unseen_days: i64,
}

pub trait LeaseTx: Tx {
    /// This device's slot of the license (live or not).
    fn lease_by_fingerprint(
        &mut self,
        license_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<Option<LeaseRow>>> + Send;
    fn lease_by_slot(
        &mut self,
        license_id: &str,
        slot_id: &str,
    ) -> impl Future<Output = ApiResult<Option<LeaseRow>>> + Send;
    /// The slot whose lease ends soonest (lapsed ones first).
    fn soonest_lease(&mut self, license_id: &str) -> impl Future<Output = ApiResult<Option<LeaseRow>>> + Send;
    /// How many slots the license has (the highest slot number + 1).
    fn lease_slots(&mut self, license_id: &str) -> impl Future<Output = ApiResult<u32>> + Send;
    fn insert_lease(&mut self, row: &LeaseRow) -> impl Future<Output = ApiResult<()>> + Send;
    /// Writes every field of the slot with the row's `slot_id`.
    fn update_lease(&mut self, row: &LeaseRow) -> impl Future<Output = ApiResult<()>> + Send;
    /// How many of the license's leases are live at `now`: its seats in use.
    fn live_lease_count(&mut self, license_id: &str, now: i64) -> impl Future<Output = ApiResult<u32>> + Send;
    /// The license's leases live at `now`, soonest ending first (at most `limit`).
    fn live_leases(
        &mut self,
        license_id: &str,
        now: i64,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<LeaseRow>>> + Send;

    /// Remembers that an activation was freed by the policy.
    fn insert_auto_released(
        &mut self,
        license_id: &str,
        r: &AutoReleased,
    ) -> impl Future<Output = ApiResult<()>> + Send;
    /// The latest auto-release of this activation id, or of this fingerprint.
    fn auto_released(
        &mut self,
        license_id: &str,
        activation_id: Option<&str>,
        fingerprint: Option<&str>,
    ) -> impl Future<Output = ApiResult<Option<AutoReleased>>> + Send;
    /// Forgets the fingerprint's auto-releases (it was activated again).
    fn forget_auto_released(
        &mut self,
        license_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<()>> + Send;
}
