//! Issuing the signed activation token (keyturn_protocol::token) for an activation.

use super::issued::Issued;
use super::rules;
use keyturn_protocol::token::{self, TokenClaims, TokenSigningKey};
use keyturn_protocol::wire::ActivateResponse;

pub fn claims(issued: &Issued, now: i64) -> TokenClaims {
    let policy = &issued.ctx.policy;
    let license = &issued.ctx.license;
    let a = &issued.activation;
    TokenClaims {
        sub: issued.activation.id.clone(),
        license_id: license.id.clone(),
        fingerprint: issued.activation.fingerprint.clone(),
        product_id: license.product_id.clone(),
        policy_id: policy.id.clone(),
        iat: now,
        renew_by: rules::renew_by(policy, a.last_renewed_at, a.offline_until),
        exp: rules::valid_until(policy, a.last_renewed_at, a.offline_until),
        license_expires_at: license.expires_at,
        status: license.status,
        entitlements: license.entitlements.clone(),
    }
}

/// The activation answer: the machine, a freshly signed token and the license summary.
pub fn response(issued: &Issued, now: i64, key: &TokenSigningKey) -> ActivateResponse {
    ActivateResponse {
        machine: super::model::machine(&issued.activation, Some(&issued.activation.fingerprint)),
        token: token::sign(&claims(issued, now), key),
        license: super::model::summary(&issued.ctx, issued.seats_used),
    }
}
