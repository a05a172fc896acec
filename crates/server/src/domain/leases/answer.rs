//! The answer to a checkout or heartbeat: the lease, its signed token (valid until the lease
//! ends, no grace) and the license.

use super::LeaseIssued;
use crate::domain::model;
use keyturn_protocol::lease::{Lease, LeaseResponse};
use keyturn_protocol::token::{self, TokenClaims, TokenSigningKey};

pub fn claims(issued: &LeaseIssued, now: i64) -> TokenClaims {
    let license = &issued.ctx.license;
    let lease = &issued.lease;
    TokenClaims {
        sub: lease.lease_id(),
        license_id: license.id.clone(),
        fingerprint: lease.fingerprint.clone(),
        product_id: license.product_id.clone(),
        policy_id: issued.ctx.policy.id.clone(),
        iat: now,
        // The next heartbeat is due then (a borrowed lease needs none before it ends).
        renew_by: if lease.borrowed {
            lease.expires_at
        } else {
            now.saturating_add(heartbeat_secs(issued)).min(lease.expires_at)
        },
        exp: lease.expires_at,
        license_expires_at: license.expires_at,
        status: license.status,
        entitlements: license.entitlements.clone(),
    }
}

/// A heartbeat every third of the lease.
fn heartbeat_secs(issued: &LeaseIssued) -> i64 {
    (issued.ctx.policy.seats.lease_secs / 3).max(1)
}

pub fn response(issued: &LeaseIssued, now: i64, key: &TokenSigningKey) -> LeaseResponse {
    let terms = &issued.ctx.policy.seats;
    LeaseResponse {
        lease: Lease {
            id: issued.lease.lease_id(),
            started_at: issued.lease.started_at,
            ends_at: issued.lease.expires_at,
            borrowed: issued.lease.borrowed,
            heartbeat_secs: heartbeat_secs(issued),
            lease_secs: terms.lease_secs,
            max_borrow_secs: terms.max_borrow_secs,
        },
        token: token::sign(&claims(issued, now), key),
        // Counting the live leases would cost as much as there are: the summary gives the seats.
        license: model::summary(&issued.ctx, 0),
    }
}
