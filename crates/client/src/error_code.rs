//! Every code an error can carry to the app's UI, the command line and host programs: the
//! server's codes plus the client's own. With the `ts` feature it is exported to TypeScript
//! (ts-rs) as the `ErrorCode` union, which keys each locale's error words, so a code without
//! words in some language fails the UI's type check.

use keyturn_protocol::Code;
use serde::Serialize;

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $wire:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $wire)] $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The wire form, e.g. `"KEYCHAIN_UNAVAILABLE"`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                }
            }
        }
    };
}

error_codes! {
    // The server's answers (crates/protocol/src/code.rs).
    NotFound = "NOT_FOUND",
    FingerprintNotFound = "FINGERPRINT_NOT_FOUND",
    Suspended = "SUSPENDED",
    Revoked = "REVOKED",
    Expired = "EXPIRED",
    Overdue = "OVERDUE",
    FingerprintBlocked = "FINGERPRINT_BLOCKED",
    MachineLimitExceeded = "MACHINE_LIMIT_EXCEEDED",
    FingerprintInUse = "FINGERPRINT_IN_USE",
    VmNotAllowed = "VM_NOT_ALLOWED",
    FingerprintMismatch = "FINGERPRINT_MISMATCH",
    ActivationNotFound = "ACTIVATION_NOT_FOUND",
    TrialUsed = "TRIAL_USED",
    /// A new name for this computer that cannot be used (empty, too long, control characters).
    InvalidDeviceName = "INVALID_DEVICE_NAME",
    SeatsInUse = "SEATS_IN_USE",
    LeaseNotFound = "LEASE_NOT_FOUND",
    NotFloating = "NOT_FLOATING",
    FloatingLicense = "FLOATING_LICENSE",
    BorrowNotAllowed = "BORROW_NOT_ALLOWED",
    AutoReleased = "AUTO_RELEASED",
    InvalidKeyFormat = "INVALID_KEY_FORMAT",
    InvalidFingerprint = "INVALID_FINGERPRINT",
    BadRequest = "BAD_REQUEST",
    PayloadTooLarge = "PAYLOAD_TOO_LARGE",
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE",
    RouteNotFound = "ROUTE_NOT_FOUND",
    MethodNotAllowed = "METHOD_NOT_ALLOWED",
    Unauthorized = "UNAUTHORIZED",
    RateLimited = "RATE_LIMITED",
    Timeout = "TIMEOUT",
    Internal = "INTERNAL",
    /// A code from a newer server that this build does not know.
    Unknown = "UNKNOWN",
    // The app's own.
    Offline = "OFFLINE",
    NotActivated = "NOT_ACTIVATED",
    KeychainUnavailable = "KEYCHAIN_UNAVAILABLE",
    StorageCorrupt = "STORAGE_CORRUPT",
    /// The app's (non-secret) state file cannot be read or written.
    StateUnavailable = "STATE_UNAVAILABLE",
    Config = "CONFIG",
    FingerprintUnavailable = "FINGERPRINT_UNAVAILABLE",
    TokenInvalid = "TOKEN_INVALID",
    ClockRolledBack = "CLOCK_ROLLED_BACK",
    TokenFromFuture = "TOKEN_FROM_FUTURE",
    OfflineExpired = "OFFLINE_EXPIRED",
    /// The stored activation was signed with a key the vendor config no longer pins (the vendor
    /// rotated keys): renewing online brings one signed with the current key.
    SigningKeyRetired = "SIGNING_KEY_RETIRED",
    SaveFailed = "SAVE_FAILED",
    /// An offline activation response (from the customer portal) that cannot be read.
    OfflineCodeInvalid = "OFFLINE_CODE_INVALID",
}

impl From<Code> for ErrorCode {
    /// Exhaustive on purpose: a new server code does not compile until it has a UI code (and
    /// then the UI does not type-check until every language has words for it).
    fn from(code: Code) -> Self {
        match code {
            // "Valid" is never a failure; a server sending it as one is at fault.
            Code::Valid | Code::Internal => ErrorCode::Internal,
            Code::NotFound => ErrorCode::NotFound,
            Code::FingerprintNotFound => ErrorCode::FingerprintNotFound,
            Code::Suspended => ErrorCode::Suspended,
            Code::Revoked => ErrorCode::Revoked,
            Code::Expired => ErrorCode::Expired,
            Code::Overdue => ErrorCode::Overdue,
            Code::FingerprintBlocked => ErrorCode::FingerprintBlocked,
            Code::MachineLimitExceeded => ErrorCode::MachineLimitExceeded,
            Code::FingerprintInUse => ErrorCode::FingerprintInUse,
            Code::VmNotAllowed => ErrorCode::VmNotAllowed,
            Code::FingerprintMismatch => ErrorCode::FingerprintMismatch,
            Code::ActivationNotFound => ErrorCode::ActivationNotFound,
            Code::TrialUsed => ErrorCode::TrialUsed,
            Code::InvalidDeviceName => ErrorCode::InvalidDeviceName,
            Code::SeatsInUse => ErrorCode::SeatsInUse,
            Code::LeaseNotFound => ErrorCode::LeaseNotFound,
            Code::NotFloating => ErrorCode::NotFloating,
            Code::FloatingLicense => ErrorCode::FloatingLicense,
            Code::BorrowNotAllowed => ErrorCode::BorrowNotAllowed,
            Code::AutoReleased => ErrorCode::AutoReleased,
            Code::InvalidKeyFormat => ErrorCode::InvalidKeyFormat,
            Code::InvalidFingerprint => ErrorCode::InvalidFingerprint,
            Code::BadRequest => ErrorCode::BadRequest,
            Code::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Code::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Code::RouteNotFound => ErrorCode::RouteNotFound,
            Code::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Code::Unauthorized => ErrorCode::Unauthorized,
            Code::RateLimited => ErrorCode::RateLimited,
            Code::Timeout => ErrorCode::Timeout,
            // A payment provider's webhook answers; the app never calls it.
            Code::SignatureInvalid | Code::SignatureExpired => ErrorCode::Unauthorized,
            Code::Unknown => ErrorCode::Unknown,
            // Staff and API token codes: the admin side's, never a license answer to an app.
            Code::Forbidden
            | Code::WeakPassword
            | Code::InvalidEmail
            | Code::UnknownRole
            | Code::AlreadyExists
            | Code::TotpRequired
            | Code::LastOwner
            | Code::CannotChangeSelf
            | Code::MailKeyGone => ErrorCode::Unknown,
        }
    }
}

impl crate::ClientError {
    /// Network failures are `OFFLINE`, never a license answer; else the server's code.
    pub fn error_code(&self) -> ErrorCode {
        if self.is_offline() {
            return ErrorCode::Offline;
        }
        self.code().map_or(ErrorCode::Internal, ErrorCode::from)
    }
}

impl crate::FlowError {
    /// The stable code the app, the command line and the C library report.
    pub fn error_code(&self) -> ErrorCode {
        use crate::FlowError;
        match self {
            FlowError::Client(e) => e.error_code(),
            FlowError::Token(e) => e.error_code(),
            FlowError::Config(_) => ErrorCode::Config,
            FlowError::Store(e) => e.error_code(),
            FlowError::NotActivated => ErrorCode::NotActivated,
            FlowError::OfflineCode(_) => ErrorCode::OfflineCodeInvalid,
            FlowError::Refused { code, .. } => (*code).into(),
        }
    }
}

impl crate::renewal::RenewalError {
    /// The stable code the app, the command line and the C library report.
    pub fn error_code(&self) -> ErrorCode {
        use crate::renewal::RenewalError;
        match self {
            RenewalError::NotActivated => ErrorCode::NotActivated,
            RenewalError::Token(e) => e.error_code(),
            RenewalError::Store(e) => e.error_code(),
            RenewalError::Config(_) => ErrorCode::Config,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_is_what_serde_sends() {
        for code in ErrorCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }

    #[test]
    fn server_codes_keep_their_wire_form() {
        for code in [
            Code::NotFound,
            Code::TrialUsed,
            Code::MachineLimitExceeded,
            Code::Unknown,
            Code::Timeout,
        ] {
            assert_eq!(ErrorCode::from(code).as_str(), code.as_str());
        }
    }
}
