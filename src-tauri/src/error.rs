//! The one error type commands return; it crosses IPC as `{code, message, hint}`.
//! `code` is stable and the UI turns it into plain words; `message` is technical detail for
//! support (it never holds a key or a token).

use keyturn_client::renewal::RenewalError;
use keyturn_client::{ClientError, FingerprintError, FlowError, StoreError};
use keyturn_protocol::KeyFormatError;

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
}

impl CommandError {
    /// The stable code: the server's where there is one, else one of the app's own.
    pub fn code(&self) -> &'static str {
        match self {
            CommandError::KeyFormat(_) => "INVALID_KEY_FORMAT",
            CommandError::Fingerprint(_) => "FINGERPRINT_UNAVAILABLE",
            CommandError::Client(e) => client_code(e),
            CommandError::Flow(e) => match e {
                FlowError::Client(e) => client_code(e),
                FlowError::Token(e) => e.code_name(),
                FlowError::Config(_) => "CONFIG",
                FlowError::Store(e) => e.code_name(),
                FlowError::NotActivated => "NOT_ACTIVATED",
                FlowError::OfflineCode(_) => "OFFLINE_CODE_INVALID",
                FlowError::Refused { code, .. } => code.as_str(),
            },
            CommandError::Renewal(e) => match e {
                RenewalError::NotActivated => "NOT_ACTIVATED",
                RenewalError::Token(e) => e.code_name(),
                RenewalError::Store(e) => e.code_name(),
                RenewalError::Config(_) => "CONFIG",
            },
            CommandError::Local(e) => e.code_name(),
            CommandError::Store(e) => e.code_name(),
            CommandError::Config(_) => "CONFIG",
            CommandError::Save(_) => "SAVE_FAILED",
            CommandError::Startup(e) => e.code,
        }
    }

    /// A short next step for support staff and logs; the UI has its own words per code.
    pub fn hint(&self) -> &'static str {
        match self.code() {
            "INVALID_KEY_FORMAT" => "Check the key for missing or mistyped characters.",
            "OFFLINE" => "Check the internet connection and try again.",
            "KEYCHAIN_UNAVAILABLE" => "Start or unlock the system keychain (Secret Service, e.g. GNOME Keyring).",
            "CLOCK_ROLLED_BACK" | "TOKEN_FROM_FUTURE" => "Correct the computer's date and time.",
            "CONFIG" => "The vendor config file is missing or invalid.",
            "OFFLINE_CODE_INVALID" => "Copy the whole response code from the portal, or choose its file again.",
            _ => "",
        }
    }
}

fn client_code(error: &ClientError) -> &'static str {
    if error.is_offline() {
        return "OFFLINE";
    }
    error.code().map_or("INTERNAL", |code| code.as_str())
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = crate::views::CommandErrorView {
            code: self.code().to_string(),
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
        assert_eq!(error.code(), "OFFLINE");
    }

    #[test]
    fn a_missing_keychain_is_named() {
        let error = CommandError::Flow(FlowError::Store(StoreError::Unavailable("no D-Bus".into())));
        assert_eq!(error.code(), "KEYCHAIN_UNAVAILABLE");
    }
}
