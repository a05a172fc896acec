//! Stable answer codes. The string form (SCREAMING_SNAKE_CASE) is the wire form and never changes.

use serde::{Deserialize, Serialize};

/// Every code the server answers with, license outcomes and request errors alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Code {
    // License outcomes (validate, activate, renew).
    Valid,
    NotFound,
    FingerprintNotFound,
    Suspended,
    Revoked,
    Expired,
    Overdue,
    FingerprintBlocked,
    MachineLimitExceeded,
    FingerprintInUse,
    VmNotAllowed,
    FingerprintMismatch,
    ActivationNotFound,
    TrialUsed,
    /// A new device name that is empty after trimming, longer than 64 characters or holds a
    /// control character ([`crate::wire::device_name`]).
    InvalidDeviceName,
    // Floating seats and seats that free themselves (see crate::lease).
    /// Every seat of a floating license is in use (with the seat count and when the next frees).
    SeatsInUse,
    /// No lease of this license has this id (ended, released, or another license's).
    LeaseNotFound,
    /// A seat checkout on a node-locked license (activate it instead).
    NotFloating,
    /// An activation on a floating license (check a seat out instead).
    FloatingLicense,
    /// Borrowing is not allowed, or for longer than the policy allows.
    BorrowNotAllowed,
    /// This device's seat was given to another device after it went unused for the policy's days.
    AutoReleased,
    // Request errors.
    InvalidKeyFormat,
    InvalidFingerprint,
    BadRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    RouteNotFound,
    MethodNotAllowed,
    Unauthorized,
    RateLimited,
    Timeout,
    Internal,
    // Staff accounts and API tokens (admin API and console only; never sent to a license's app).
    /// The signed-in role (or token) may not do this; nothing changed.
    Forbidden,
    /// A staff password too short, too long or too simple.
    WeakPassword,
    /// Not an email address.
    InvalidEmail,
    /// Not one of owner, admin, support, viewer.
    UnknownRole,
    /// A staff account with this email (or a token with this name) exists already.
    AlreadyExists,
    /// The account needs its second factor (a TOTP code) to sign in.
    TotpRequired,
    /// The change would leave no owner who can sign in (disable, demote the last one).
    LastOwner,
    /// Staff may not disable or re-role their own account (another owner does it).
    CannotChangeSelf,

    // Payments in (a provider's webhook, never the app).
    SignatureInvalid,
    SignatureExpired,
    // The key by email (console and admin API).
    /// The email was sent and its key is no longer kept (only its hash is): it cannot be sent again.
    MailKeyGone,
    /// A code this build does not know yet (a newer server). Never sent.
    #[serde(other)]
    Unknown,
}

impl Code {
    /// The wire form, e.g. `"MACHINE_LIMIT_EXCEEDED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Valid => "VALID",
            Code::NotFound => "NOT_FOUND",
            Code::FingerprintNotFound => "FINGERPRINT_NOT_FOUND",
            Code::Suspended => "SUSPENDED",
            Code::Revoked => "REVOKED",
            Code::Expired => "EXPIRED",
            Code::Overdue => "OVERDUE",
            Code::FingerprintBlocked => "FINGERPRINT_BLOCKED",
            Code::MachineLimitExceeded => "MACHINE_LIMIT_EXCEEDED",
            Code::FingerprintInUse => "FINGERPRINT_IN_USE",
            Code::VmNotAllowed => "VM_NOT_ALLOWED",
            Code::FingerprintMismatch => "FINGERPRINT_MISMATCH",
            Code::ActivationNotFound => "ACTIVATION_NOT_FOUND",
            Code::TrialUsed => "TRIAL_USED",
            Code::InvalidDeviceName => "INVALID_DEVICE_NAME",
            Code::SeatsInUse => "SEATS_IN_USE",
            Code::LeaseNotFound => "LEASE_NOT_FOUND",
            Code::NotFloating => "NOT_FLOATING",
            Code::FloatingLicense => "FLOATING_LICENSE",
            Code::BorrowNotAllowed => "BORROW_NOT_ALLOWED",
            Code::AutoReleased => "AUTO_RELEASED",
            Code::InvalidKeyFormat => "INVALID_KEY_FORMAT",
            Code::InvalidFingerprint => "INVALID_FINGERPRINT",
            Code::BadRequest => "BAD_REQUEST",
            Code::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Code::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Code::RouteNotFound => "ROUTE_NOT_FOUND",
            Code::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Code::Unauthorized => "UNAUTHORIZED",
            Code::RateLimited => "RATE_LIMITED",
            Code::Timeout => "TIMEOUT",
            Code::Internal => "INTERNAL",
            Code::Forbidden => "FORBIDDEN",
            Code::WeakPassword => "WEAK_PASSWORD",
            Code::InvalidEmail => "INVALID_EMAIL",
            Code::UnknownRole => "UNKNOWN_ROLE",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::TotpRequired => "TOTP_REQUIRED",
            Code::LastOwner => "LAST_OWNER",
            Code::CannotChangeSelf => "CANNOT_CHANGE_SELF",

            Code::SignatureInvalid => "SIGNATURE_INVALID",
            Code::SignatureExpired => "SIGNATURE_EXPIRED",
            Code::MailKeyGone => "MAIL_KEY_GONE",
            Code::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_matches_as_str() {
        for code in [
            Code::Valid,
            Code::FingerprintNotFound,
            Code::MachineLimitExceeded,
            Code::Internal,
            Code::WeakPassword,
            Code::TotpRequired,
            Code::LastOwner,
            Code::CannotChangeSelf,
            Code::SeatsInUse,
            Code::AutoReleased,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
        }
    }

    #[test]
    fn unknown_code_from_a_newer_server_is_tolerated() {
        assert_eq!(
            serde_json::from_str::<Code>("\"SOMETHING_NEW\"").unwrap(),
            Code::Unknown
        );
    }
}
