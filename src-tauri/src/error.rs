//! The one error type commands return; it crosses IPC as `{code, message, hint}`.
//! `code` is stable and the UI turns it into plain words; `message` is technical detail.

use keyturn_client::{ClientError, FingerprintError, FlowError};
use keyturn_protocol::KeyFormatError;
use serde::ser::SerializeStruct;

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
    Config(String),
}

impl CommandError {
    /// The stable code: a server code where there is one, else one of the app's own.
    pub fn code(&self) -> String {
        match self {
            CommandError::KeyFormat(_) => "INVALID_KEY_FORMAT".into(),
            CommandError::Fingerprint(_) => "FINGERPRINT_UNAVAILABLE".into(),
            CommandError::Client(e) => client_code(e),
            CommandError::Flow(e) => match e.code() {
                Some(code) => code.as_str().into(),
                None => "INTERNAL".into(),
            },
            CommandError::Config(_) => "CONFIG".into(),
        }
    }

    /// A short next step for support staff and logs; the UI has its own words per code.
    pub fn hint(&self) -> &'static str {
        match self {
            CommandError::KeyFormat(_) => "Check the key for missing or mistyped characters.",
            CommandError::Client(e) if e.is_offline() => "Check the internet connection and try again.",
            CommandError::Config(_) => "The vendor config file is missing or invalid.",
            _ => "",
        }
    }
}

fn client_code(error: &ClientError) -> String {
    if error.is_offline() {
        return "OFFLINE".into();
    }
    match error.code() {
        Some(code) => code.as_str().into(),
        None => "INTERNAL".into(),
    }
}

impl serde::Serialize for CommandError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("CommandError", 3)?;
        s.serialize_field("code", &self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.serialize_field("hint", self.hint())?;
        s.end()
    }
}
