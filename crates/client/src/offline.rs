//! The offline check: is the stored token still good on this device, now?
//! Signature with the pinned key, fingerprint, product, issued-at drift, valid-until (renew-by +
//! grace), license status and expiry, and clock rollback against the last time seen.

use crate::ErrorCode;
use ed25519_dalek::VerifyingKey;
use keyturn_protocol::token::{self, TokenError};
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::TokenClaims;

/// How far the local clock may be behind the server's (issued-at in the future) or behind the
/// last time seen before it counts as wrong.
pub const MAX_CLOCK_DRIFT_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfflineError {
    #[error("the stored activation is damaged or was not issued by this vendor: {0}")]
    Token(#[from] TokenError),
    #[error("the stored activation belongs to another device")]
    FingerprintMismatch,
    #[error("the stored activation is for another product")]
    WrongProduct,
    #[error(
        "the computer's clock was set back (it reads {now}, but it was already {last_seen}); correct the date and time"
    )]
    ClockRolledBack { now: i64, last_seen: i64 },
    #[error("the activation was issued in the future ({issued_at}, now {now}); check the date and time")]
    IssuedInFuture { issued_at: i64, now: i64 },
    #[error("the activation ran out at {valid_until}; connect to the internet to renew it")]
    Expired { valid_until: i64 },
    #[error("the license expired at {expired_at}")]
    LicenseExpired { expired_at: i64 },
    #[error("the license is {0:?}")]
    NotActive(LicenseStatus),
}

impl OfflineError {
    /// The stable code the app, the command line and host programs report.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            OfflineError::Token(TokenError::KeyNotPinned { .. }) => ErrorCode::SigningKeyRetired,
            OfflineError::Token(_) | OfflineError::WrongProduct => ErrorCode::TokenInvalid,
            OfflineError::FingerprintMismatch => ErrorCode::FingerprintMismatch,
            OfflineError::ClockRolledBack { .. } => ErrorCode::ClockRolledBack,
            OfflineError::IssuedInFuture { .. } => ErrorCode::TokenFromFuture,
            OfflineError::Expired { .. } => ErrorCode::OfflineExpired,
            OfflineError::LicenseExpired { .. } => ErrorCode::Expired,
            OfflineError::NotActive(LicenseStatus::Suspended) => ErrorCode::Suspended,
            OfflineError::NotActive(LicenseStatus::Revoked) => ErrorCode::Revoked,
            OfflineError::NotActive(LicenseStatus::Active) => ErrorCode::Internal,
        }
    }
}

/// The public keys a token may be signed with: one key, or the vendor config's pinned list.
pub trait PinnedKeys {
    fn keys(&self) -> &[VerifyingKey];
}

impl PinnedKeys for VerifyingKey {
    fn keys(&self) -> &[VerifyingKey] {
        std::slice::from_ref(self)
    }
}

impl PinnedKeys for [VerifyingKey] {
    fn keys(&self) -> &[VerifyingKey] {
        self
    }
}

impl PinnedKeys for Vec<VerifyingKey> {
    fn keys(&self) -> &[VerifyingKey] {
        self
    }
}

/// Checks `token` at `now` (Unix seconds) against the pinned keys (the one it names; a token
/// from before key ids against each). `last_seen` is the latest time this device has seen
/// (stored after every successful check); pass `None` on first use.
pub fn check_token(
    token: &str,
    key: &(impl PinnedKeys + ?Sized),
    fingerprint: &str,
    product_id: &str,
    now: i64,
    last_seen: Option<i64>,
) -> Result<TokenClaims, OfflineError> {
    let claims = token::verify_any(token, key.keys())?;
    if claims.fingerprint != fingerprint {
        return Err(OfflineError::FingerprintMismatch);
    }
    if claims.product_id != product_id {
        return Err(OfflineError::WrongProduct);
    }
    if let Some(last_seen) = last_seen {
        if now + MAX_CLOCK_DRIFT_SECS < last_seen {
            return Err(OfflineError::ClockRolledBack { now, last_seen });
        }
    }
    if claims.iat > now + MAX_CLOCK_DRIFT_SECS {
        return Err(OfflineError::IssuedInFuture {
            issued_at: claims.iat,
            now,
        });
    }
    if now >= claims.exp {
        return Err(OfflineError::Expired {
            valid_until: claims.exp,
        });
    }
    if let Some(expired_at) = claims.license_expires_at {
        if now >= expired_at {
            return Err(OfflineError::LicenseExpired { expired_at });
        }
    }
    if claims.status != LicenseStatus::Active {
        return Err(OfflineError::NotActive(claims.status));
    }
    Ok(claims)
}

/// Where a valid token stands in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Standing {
    /// Seconds until the token stops working offline.
    pub seconds_left: i64,
    /// Time to renew (renew-by reached).
    pub renewal_due: bool,
    pub renew_by: i64,
    pub valid_until: i64,
}

pub fn standing(claims: &TokenClaims, now: i64) -> Standing {
    Standing {
        seconds_left: (claims.exp - now).max(0),
        renewal_due: now >= claims.renew_by,
        renew_by: claims.renew_by,
        valid_until: claims.exp,
    }
}

/// The new "last time seen": never moves backwards.
pub fn advance_last_seen(last_seen: Option<i64>, now: i64) -> i64 {
    last_seen.map_or(now, |seen| seen.max(now))
}

#[cfg(test)]
mod tests;
