//! Offline activation for computers without internet, through the customer portal:
//!
//! 1. The app writes an [`OfflineRequest`] as a code (`KT-REQ2.` + base64url JSON + `.` + check):
//!    this device's
//!    fingerprint, component hashes, name and platform. Nothing secret: no key, no token.
//! 2. In the portal (signed in with the license key, on any computer) the customer uploads it;
//!    the server activates like `POST /v1/activations` and answers an [`OfflineResponse`] code
//!    (`KT-RES2.`): the usual [`crate::wire::ActivateResponse`], whose token is signed by the
//!    server's key and names this fingerprint.
//! 3. The app imports it: it verifies the token with its pinned public key and checks the
//!    fingerprint is its own, exactly as after an online activation.
//!
//! Offline deactivation: the app forgets its activation and shows an [`OfflineDeactivation`]
//! code (`KT-DEA2.`) holding the token it had; the portal frees that seat after verifying the
//! token's signature and that it belongs to the signed-in license. Only the holder of the
//! token (or of the key, who can remove any device in the portal) can free a seat.
//!
//! Codes tolerate line breaks and spaces (people copy them out of emails and files), and end in a
//! check (the first 10 base64url characters of the SHA-256 of the kind and the body: 60 bits), so
//! a code damaged anywhere by a typo or a lost character is refused before anything changes,
//! with words that say to copy it again. Codes of the first version (`KT-REQ1.` …, no check) are
//! refused with words that say to make a new one.

use crate::wire::{ActivateResponse, VirtInfo};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const REQUEST_PREFIX: &str = "KT-REQ2.";
pub const RESPONSE_PREFIX: &str = "KT-RES2.";
pub const DEACTIVATION_PREFIX: &str = "KT-DEA2.";
/// Codes of the first version: no check, so no longer accepted.
pub const OUTDATED_PREFIXES: [&str; 3] = ["KT-REQ1.", "KT-RES1.", "KT-DEA1."];
/// Base64url characters of the check at the end of a code.
const CHECK_LEN: usize = 10;
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
    #[error("this is not an {0} code (it should start with {1}); copy it again in full")]
    WrongKind(&'static str, &'static str),
    #[error("the code is damaged or incomplete; copy it again in full")]
    Damaged,
    #[error("the code is longer than any Keyturn code")]
    TooLong,
    #[error("this code was made by an older version of the app; make a new code and use that one")]
    Outdated,
}

/// The check of a code's body: what makes any damaged character show.
fn check(prefix: &str, body: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new().chain_update(prefix).chain_update(body).finalize();
    let mut text = URL_SAFE_NO_PAD.encode(digest);
    text.truncate(CHECK_LEN);
    text
}

/// A kind of code: its prefix and name.
pub trait OfflineCode: Serialize + DeserializeOwned {
    const PREFIX: &'static str;
    const NAME: &'static str;

    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("offline code serializes");
        let body = URL_SAFE_NO_PAD.encode(json);
        format!("{}{body}.{}", Self::PREFIX, check(Self::PREFIX, &body))
    }

    fn decode(text: &str) -> Result<Self, OfflineCodeError> {
        if text.len() > MAX_CODE_LEN {
            return Err(OfflineCodeError::TooLong);
        }
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if OUTDATED_PREFIXES.iter().any(|p| compact.starts_with(p)) {
            return Err(OfflineCodeError::Outdated);
        }
        let rest = compact
            .strip_prefix(Self::PREFIX)
            .ok_or(OfflineCodeError::WrongKind(Self::NAME, Self::PREFIX))?;
        let (body, sum) = rest.rsplit_once('.').ok_or(OfflineCodeError::Damaged)?;
        if sum != check(Self::PREFIX, body) {
            return Err(OfflineCodeError::Damaged);
        }
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
        let old = format!(
            "KT-REQ1.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&request()).unwrap())
        );
        assert_eq!(OfflineRequest::decode(&old), Err(OfflineCodeError::Outdated));
    }

    /// Every code with one character changed, to each character a person could type or misread.
    fn each_single_change(code: &str) -> impl Iterator<Item = String> + '_ {
        let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
            .chars()
            .collect();
        (0..code.len()).flat_map(move |i| {
            let alphabet = alphabet.clone();
            alphabet.into_iter().filter_map(move |c| {
                let mut changed: Vec<char> = code.chars().collect();
                (changed[i] != c).then(|| {
                    changed[i] = c;
                    changed.into_iter().collect()
                })
            })
        })
    }

    #[test]
    fn every_single_changed_character_of_every_kind_of_code_is_refused() {
        let response = OfflineResponse {
            activation: serde_json::from_value(serde_json::json!({
                "machine": {"id": "act_1", "name": "Lab PC", "platform": "linux", "created_at": 1, "last_seen_at": 1, "is_this_device": true},
                "token": "header.payload.signature",
                "license": {"id": "lic_1", "product_id": "demo", "product_name": "Demo", "policy_name": "P", "status": "ACTIVE",
                            "expires_at": null, "seats_used": 1, "seats_max": 3, "entitlements": [], "trial": false}
            }))
            .unwrap(),
        };
        let deactivation = OfflineDeactivation {
            token: "header.payload.signature".into(),
            deactivated_at: 1_700_000_000,
        };
        let mut tried = 0;
        for (code, decodes) in [
            (
                request().encode(),
                (|c: &str| OfflineRequest::decode(c).is_ok()) as fn(&str) -> bool,
            ),
            (response.encode(), |c: &str| OfflineResponse::decode(c).is_ok()),
            (deactivation.encode(), |c: &str| OfflineDeactivation::decode(c).is_ok()),
        ] {
            assert!(decodes(&code), "the unchanged code");
            for changed in each_single_change(&code) {
                tried += 1;
                assert!(!decodes(&changed), "accepted with one character changed: {changed}");
            }
            // A character lost or doubled anywhere, too.
            for i in 0..code.len() {
                let (a, b) = code.split_at(i);
                assert!(!decodes(&format!("{a}{}", &b[1..])), "accepted with character {i} lost");
                assert!(
                    !decodes(&format!("{a}{}{b}", &b[..1])),
                    "accepted with character {i} doubled"
                );
            }
        }
        assert!(tried > 10_000, "{tried}");
    }
}
