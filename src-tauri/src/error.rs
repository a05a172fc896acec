//! The one error type commands return; it crosses IPC as `{code, message, hint}`.
//! `code` is stable and the UI turns it into plain words; `message` is technical detail for
//! support (it never holds a key or a token).

use keyturn_client::renewal::RenewalError;
use keyturn_client::{ClientError, FingerprintError, FlowError, StoreError};
use keyturn_protocol::KeyFormatError;

use keyturn_client::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    KeyFormat(#[from] KeyFormatError),
    #[error("{0}")]
    Fingerprint(#[from] FingerprintError),
    #[error("{0}")]
    Client(#[from] ClientError),
    #[error("{0}")]
    Flow(#[from] FlowError),
    #[error("{0}")]
    Renewal(#[from] RenewalError),
    #[error("{0}")]
    Local(#[from] keyturn_client::local::LocalError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Config(String),
    #[error("could not save the report: {0}")]
    Save(String),
    #[error("{}", .0.message)]
    Startup(crate::state::StartupError),
    #[error("{0}")]
    Seat(keyturn_client::seat::SeatError),
    #[error("no license key is stored on this computer")]
    NoKey,
}

impl CommandError {
    /// The stable code: the server's where there is one, else one of the app's own.
    pub fn code(&self) -> ErrorCode {
        match self {
            CommandError::KeyFormat(_) => ErrorCode::InvalidKeyFormat,
            CommandError::Fingerprint(_) => ErrorCode::FingerprintUnavailable,
            CommandError::Client(e) => e.error_code(),
            CommandError::Flow(e) => e.error_code(),
            CommandError::Renewal(e) => e.error_code(),
            CommandError::Local(e) => e.error_code(),
            CommandError::Store(e) => e.error_code(),
            CommandError::Config(_) => ErrorCode::Config,
            CommandError::Save(_) => ErrorCode::SaveFailed,
            CommandError::Startup(e) => e.code,
            CommandError::Seat(e) => e.error_code(),
            CommandError::NoKey => ErrorCode::NotActivated,
        }
    }

    /// A short next step for support staff and logs; the UI has its own words per code.
    pub fn hint(&self) -> &'static str {
        match self.code() {
            ErrorCode::InvalidKeyFormat => "Check the key for missing or mistyped characters.",
            ErrorCode::Offline => "Check the internet connection and try again.",
            ErrorCode::KeychainUnavailable => {
                "Start or unlock the system keychain (Secret Service, e.g. GNOME Keyring)."
            }
            ErrorCode::StorageCorrupt => "Activate again with the license key: that replaces the damaged data.",
            ErrorCode::StateUnavailable => "Free some disk space and check that the home folder is writable.",
            ErrorCode::ClockRolledBack | ErrorCode::TokenFromFuture => "Correct the computer's date and time.",
            ErrorCode::Config => "The vendor config file is missing or invalid.",
            ErrorCode::TrialUsed => "This computer has had its trial; activate it with a license key.",
            ErrorCode::InvalidDeviceName => "Use 1 to 64 characters, without line breaks.",
            ErrorCode::OfflineCodeInvalid => "Copy the whole response code from the portal, or choose its file again.",
            ErrorCode::SigningKeyRetired => {
                "Connect to the internet and check again: the license server renews the activation with the vendor's current key."
            }
            _ => "",
        }
    }
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = crate::views::CommandErrorView {
            code: self.code(),
            message: self.to_string(),
            hint: self.hint().to_string(),
        };
        view.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crosses_ipc_as_code_message_hint() {
        let error = CommandError::KeyFormat(KeyFormatError::WrongLength { found: 3 });
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "INVALID_KEY_FORMAT");
        assert_eq!(json["message"], "the key has 3 characters; a key has 30");
        assert_eq!(json["hint"], "Check the key for missing or mistyped characters.");
    }

    #[test]
    fn network_failures_are_offline_not_license_answers() {
        let error = CommandError::Flow(FlowError::Client(ClientError::Network("connection refused".into())));
        assert_eq!(error.code(), ErrorCode::Offline);
    }

    #[test]
    fn a_missing_keychain_is_named() {
        let error = CommandError::Flow(FlowError::Store(StoreError::Unavailable("no D-Bus".into())));
        assert_eq!(error.code(), ErrorCode::KeychainUnavailable);
    }
}
