//! Floating seats on the wire: a device checks a seat out (a lease), keeps it with heartbeats
//! and releases it; a borrowed lease needs no heartbeat until it ends. The license key
//! authenticates every call, like the activation calls in [`crate::wire`].
//!
//! | call | route | answers |
//! |---|---|---|
//! | checkout | `POST /v1/leases` [`CheckoutRequest`] | 201 [`LeaseResponse`]; `SEATS_IN_USE` (with `license.seats_max` and `next_free_at`), `NOT_FLOATING`, `BORROW_NOT_ALLOWED`, status codes |
//! | heartbeat | `POST /v1/leases/{id}/heartbeat` [`HeartbeatRequest`] | 200 [`LeaseResponse`] (after a lapse: a new lease when a seat is free); `SEATS_IN_USE`, `LEASE_NOT_FOUND`, `FINGERPRINT_MISMATCH` |
//! | release | `POST /v1/leases/{id}/release` [`ReleaseRequest`] | 204; `LEASE_NOT_FOUND` |
//!
//! The lease token is the activation token ([`crate::token`]) with the lease id as subject,
//! `renew_by` the time of the next heartbeat and `exp` the end of the lease (no grace).

use crate::wire::LicenseSummary;
use serde::{Deserialize, Serialize};

/// Lease ids start with this (activation ids with `act_`).
pub const LEASE_ID_PREFIX: &str = "lse_";

/// Is this token subject a lease (not an activation)?
pub fn is_lease_id(id: &str) -> bool {
    id.starts_with(LEASE_ID_PREFIX)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutRequest {
    pub key: String,
    pub fingerprint: String,
    /// A human name for the device (shown to the vendor's support, never to other holders).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub platform: String,
    /// Borrow the seat for this many seconds (no heartbeats needed; at most the policy's
    /// `max_borrow_secs`). Returned early by releasing it.
    #[serde(default)]
    pub borrow_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatRequest {
    pub key: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    pub key: String,
}

/// A seat held by this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub id: String,
    pub started_at: i64,
    /// The seat is this device's until then (the token's expiry).
    pub ends_at: i64,
    /// Borrowed for offline use: no heartbeat is needed before `ends_at`.
    pub borrowed: bool,
    /// Send a heartbeat this often (a third of the lease).
    pub heartbeat_secs: i64,
    /// How long each heartbeat extends the lease.
    pub lease_secs: i64,
    /// The longest borrow the policy allows (0: none).
    pub max_borrow_secs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseResponse {
    pub lease: Lease,
    /// Signed token valid until `lease.ends_at`.
    pub token: String,
    /// The license (`seats_max`: seats in use at once).
    pub license: LicenseSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_refused() {
        let body = r#"{"key":"k","fingerprint":"f","borrow":1}"#;
        assert!(serde_json::from_str::<CheckoutRequest>(body).is_err());
        let body = r#"{"key":"k","fingerprint":"f","borrow_secs":60}"#;
        assert_eq!(
            serde_json::from_str::<CheckoutRequest>(body).unwrap().borrow_secs,
            Some(60)
        );
        assert!(is_lease_id("lse_abc.1") && !is_lease_id("act_abc"));
    }
}
