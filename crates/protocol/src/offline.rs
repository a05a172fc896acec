//! Offline activation for computers without internet, through the customer portal:
//!
//! 1. The app writes an [`OfflineRequest`] as a code (`KT-REQ1.` + base64url JSON): this device's
//!    fingerprint, component hashes, name and platform. Nothing secret: no key, no token.
//! 2. In the portal (signed in with the license key, on any computer) the customer uploads it;
//!    the server activates like `POST /v1/activations` and answers an [`OfflineResponse`] code
//!    (`KT-RES1.`): the usual [`crate::wire::ActivateResponse`], whose token is signed by the
//!    server's key and names this fingerprint.
//! 3. The app imports it: it verifies the token with its pinned public key and checks the
//!    fingerprint is its own, exactly as after an online activation.
//!
//! Offline deactivation: the app forgets its activation and shows an [`OfflineDeactivation`]
//! code (`KT-DEA1.`) holding the token it had; the portal frees that seat after verifying the
//! token's signature and that it belongs to the signed-in license. Only the holder of the
//! token (or of the key, who can remove any device in the portal) can free a seat.
//!
//! Codes tolerate line breaks and spaces (people copy them out of emails and files).

use crate::wire::{ActivateResponse, VirtInfo};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const REQUEST_PREFIX: &str = "KT-REQ1.";
pub const RESPONSE_PREFIX: &str = "KT-RES1.";
pub const DEACTIVATION_PREFIX: &str = "KT-DEA1.";
/// No code is longer than this (a response with its token is about 1.5 KiB).
pub const MAX_CODE_LEN: usize = 12 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineRequest {
    pub product_id: String,
    pub fingerprint: String,
    #[serde(default)]
    pub components: BTreeMap<String, String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub virt: VirtInfo,
    /// When the app wrote it (Unix seconds), for people comparing files.
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineResponse {
    pub activation: ActivateResponse,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineDeactivation {
    /// The activation token the device held (signed by the server; proves which seat).
    pub token: String,
    pub deactivated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfflineCodeError {
    #[error("this is not a {0} code (it should start with {1})")]
    WrongKind(&'static str, &'static str),
    #[error("the code is damaged or incomplete; copy it again in full")]
    Damaged,
    #[error("the code is longer than any Keyturn code")]
    TooLong,
}

/// A kind of code: its prefix and name.
pub trait OfflineCode: Serialize + DeserializeOwned {
    const PREFIX: &'static str;
    const NAME: &'static str;

    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("offline code serializes");
        format!("{}{}", Self::PREFIX, URL_SAFE_NO_PAD.encode(json))
    }

    fn decode(text: &str) -> Result<Self, OfflineCodeError> {
        if text.len() > MAX_CODE_LEN {
            return Err(OfflineCodeError::TooLong);
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let body = compact
            .strip_prefix(Self::PREFIX)
            .ok_or(OfflineCodeError::WrongKind(Self::NAME, Self::PREFIX))?;
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| OfflineCodeError::Damaged)?;
        serde_json::from_slice(&json).map_err(|_| OfflineCodeError::Damaged)
    }
}

impl OfflineCode for OfflineRequest {
    const PREFIX: &'static str = REQUEST_PREFIX;
    const NAME: &'static str = "offline activation request";
}

impl OfflineCode for OfflineResponse {
    const PREFIX: &'static str = RESPONSE_PREFIX;
    const NAME: &'static str = "offline activation response";
}

impl OfflineCode for OfflineDeactivation {
    const PREFIX: &'static str = DEACTIVATION_PREFIX;
    const NAME: &'static str = "offline deactivation";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> OfflineRequest {
        OfflineRequest {
            product_id: "demo".into(),
            fingerprint: "ab".repeat(32),
            components: BTreeMap::from([("cpu".into(), "cd".repeat(32))]),
            name: "Lab PC".into(),
            platform: "linux-x86_64".into(),
            virt: VirtInfo::default(),
            created_at: 1_700_000_000,
        }
    }

    #[test]
    fn codes_round_trip_through_line_breaks() {
        let code = request().encode();
        assert!(code.starts_with(REQUEST_PREFIX));
        let wrapped: String = code
            .as_bytes()
            .chunks(60)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\r\n");
        assert_eq!(OfflineRequest::decode(&format!("  {wrapped}\n")).unwrap(), request());
    }

    #[test]
    fn wrong_kinds_and_damage_are_named() {
        let code = request().encode();
        assert_eq!(
            OfflineResponse::decode(&code),
            Err(OfflineCodeError::WrongKind(
                "offline activation response",
                RESPONSE_PREFIX
            ))
        );
        assert_eq!(
            OfflineRequest::decode(&code[..code.len() - 9]),
            Err(OfflineCodeError::Damaged)
        );
        assert_eq!(
            OfflineRequest::decode(&"x".repeat(MAX_CODE_LEN + 1)),
            Err(OfflineCodeError::TooLong)
        );
    }
}
