//! Floating seats and seats that free themselves, written once for every store over
//! [`tx::LeaseTx`].
//!
//! **Floating** ([`seats`]): a floating policy's `max_machines` is the number of seats in use at
//! once. Leases live in seat *slots*: one row per seat ever used by the license, numbered from 0
//! and never deleted. A slot whose `expires_at` has passed is free: a lapsed lease never counts,
//! and no sweep is needed for correctness. Taking a seat reads at most three rows through
//! indexes (this device's slot, the slot ending soonest, the highest slot number), so checkout
//! and heartbeat cost the same with one live lease or ten thousand. The soonest-ending slot is
//! also the answer to "when does the next seat free up".
//!
//! A lease id is `lse_<slot id>.<generation>`: the slot's generation grows each time the slot
//! is given to a new lease, so an old id is recognised as lapsed (its slot was reused), and an id
//! of another license's slot is simply not found.
//!
//! **Seats that free themselves** ([`auto_release`]): with `release_unseen_days`, a full
//! node-locked license frees its longest-unseen activation (unseen that long) in the transaction
//! that admits the new device.

pub mod admin;
pub mod answer;
pub mod auto_release;
pub mod seats;
pub mod tx;

use super::admin_input::NewPolicy;
use super::errors::{ApiError, ApiResult};
use super::model::LicenseCtx;
use keyturn_protocol::lease::LEASE_ID_PREFIX;
use keyturn_protocol::Code;
use serde::Serialize;

/// The shortest lease a floating policy may have (heartbeats come every third of it).
pub const MIN_LEASE_SECS: i64 = 60;

/// A policy's seat terms (columns of `policies`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SeatTerms {
    /// `max_machines` counts seats in use at once, held by leases.
    pub floating: bool,
    /// Floating: how long a checkout or heartbeat holds the seat.
    pub lease_secs: i64,
    /// Floating: the longest borrow (0: no borrowing).
    pub max_borrow_secs: i64,
    /// Node-locked: an activation unseen this many days no longer blocks a new device.
    pub release_unseen_days: Option<i64>,
}

/// One seat slot of a floating license (a row of `leases`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseRow {
    /// The slot's id (`lse_…`); the lease id adds the generation ([`LeaseRow::lease_id`]).
    pub slot_id: String,
    pub license_id: String,
    /// 0, 1, … per license.
    pub slot: u32,
    pub generation: i64,
    pub fingerprint: String,
    pub name: String,
    pub platform: String,
    pub started_at: i64,
    /// The seat is free from this time on.
    pub expires_at: i64,
    pub borrowed: bool,
    /// Released by its holder or ended by staff (not lapsed).
    pub released: bool,
}

impl LeaseRow {
    pub fn lease_id(&self) -> String {
        format!("{}.{}", self.slot_id, self.generation)
    }

    pub fn is_live(&self, now: i64) -> bool {
        self.expires_at > now
    }
}

/// Splits a lease id into its slot id and generation (None: not a lease id).
pub fn parse_lease_id(id: &str) -> Option<(&str, i64)> {
    let (slot, generation) = id.rsplit_once('.')?;
    let valid = slot.starts_with(LEASE_ID_PREFIX)
        && slot.len() <= 64
        && slot.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let generation = generation.parse::<i64>().ok().filter(|g| *g >= 0)?;
    valid.then_some((slot, generation))
}

pub fn lease_not_found() -> ApiError {
    ApiError::new(Code::LeaseNotFound, "this license has no such lease (any more)")
}

/// A lease that was taken, kept or re-granted: what the answer and its token are made from.
#[derive(Debug, Clone)]
pub struct LeaseIssued {
    pub ctx: LicenseCtx,
    pub lease: LeaseRow,
    /// Set when this call found an earlier lease lapsed (the event log says so).
    pub lapsed: Option<String>,
}

/// A live lease as staff see it (admin API and console).
#[derive(Debug, Clone, Serialize)]
pub struct LeaseView {
    pub id: String,
    pub slot: u32,
    pub name: String,
    pub platform: String,
    /// The first 12 characters of the device's fingerprint.
    pub fingerprint: String,
    pub started_at: i64,
    pub ends_at: i64,
    pub borrowed: bool,
}

impl LeaseView {
    pub fn of(row: &LeaseRow) -> LeaseView {
        LeaseView {
            id: row.lease_id(),
            slot: row.slot,
            name: row.name.clone(),
            platform: row.platform.clone(),
            fingerprint: row.fingerprint.chars().take(12).collect(),
            started_at: row.started_at,
            ends_at: row.expires_at,
            borrowed: row.borrowed,
        }
    }
}

/// The live leases of a license (admin API): how many seats, and who holds them.
#[derive(Debug, Clone, Serialize)]
pub struct LeasesView {
    pub license_id: String,
    /// Only floating licenses have leases.
    pub floating: bool,
    pub seats: u32,
    pub leases: Vec<LeaseView>,
}

/// Refuses a license whose policy is not floating (or, `want_floating == false`, one that is).
pub fn require_floating(ctx: &LicenseCtx, want_floating: bool) -> ApiResult<()> {
    match (ctx.policy.seats.floating, want_floating) {
        (true, true) | (false, false) => Ok(()),
        (false, true) => Err(ApiError::new(
            Code::NotFloating,
            "this license is bound to computers: activate this computer instead",
        )),
        (true, false) => Err(ApiError::new(
            Code::FloatingLicense,
            "this is a floating license: check a seat out instead of activating",
        )),
    }
}

/// A floating policy's lease when it does not say (heartbeats every 5 minutes).
pub const DEFAULT_LEASE_SECS: i64 = 15 * 60;
const MAX_LEASE_SECS: i64 = 30 * 24 * 3600;
const MAX_BORROW_SECS: i64 = 366 * 24 * 3600;
const MAX_UNSEEN_DAYS: i64 = 3650;

/// A new policy's seat terms, checked (the same refusals on every store).
pub fn terms(new: &NewPolicy) -> ApiResult<SeatTerms> {
    let bad = |m: String| Err(ApiError::bad_request(m));
    if !new.floating {
        if new.lease_secs.is_some() || new.max_borrow_secs.is_some() {
            return bad("lease_secs and max_borrow_secs are for floating policies".into());
        }
        if let Some(days) = new.release_unseen_days {
            if !(1..=MAX_UNSEEN_DAYS).contains(&days) {
                return bad(format!("release_unseen_days must be 1 to {MAX_UNSEEN_DAYS}"));
            }
        }
        return Ok(SeatTerms {
            release_unseen_days: new.release_unseen_days,
            ..SeatTerms::default()
        });
    }
    if new.release_unseen_days.is_some() {
        return bad("release_unseen_days is for node-locked policies (floating seats free themselves)".into());
    }
    if new.trial {
        return bad("a trial policy cannot be floating".into());
    }
    let lease_secs = new.lease_secs.unwrap_or(DEFAULT_LEASE_SECS);
    if !(MIN_LEASE_SECS..=MAX_LEASE_SECS).contains(&lease_secs) {
        return bad(format!("lease_secs must be {MIN_LEASE_SECS} to {MAX_LEASE_SECS}"));
    }
    let max_borrow_secs = new.max_borrow_secs.unwrap_or(0);
    if !(0..=MAX_BORROW_SECS).contains(&max_borrow_secs) {
        return bad(format!("max_borrow_secs must be 0 to {MAX_BORROW_SECS}"));
    }
    Ok(SeatTerms {
        floating: true,
        lease_secs,
        max_borrow_secs,
        release_unseen_days: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_ids_carry_slot_and_generation() {
        assert_eq!(parse_lease_id("lse_abc.3"), Some(("lse_abc", 3)));
        assert_eq!(parse_lease_id("lse_abc"), None);
        assert_eq!(parse_lease_id("act_abc.1"), None);
        assert_eq!(parse_lease_id("lse_a-b.1"), None);
        assert_eq!(parse_lease_id("lse_abc.-1"), None);
        assert_eq!(parse_lease_id("lse_abc.x"), None);
    }
}
