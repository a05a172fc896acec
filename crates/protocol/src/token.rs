//! The signed activation token: a compact JWS (JWT) signed with EdDSA over Ed25519, so any
//! vendor backend with a JWT library can verify it too.
//!
//! `base64url(header) . base64url(claims) . base64url(signature)`, header
//! `{"alg":"EdDSA","typ":"JWT"}`. The claims carry `kid`, the id of the signing key
//! ([`key_id`]), so a vendor can rotate keys and apps pin a list of public keys
//! ([`verify_any`]). The key id is a claim, not a header field, because apps from before key ids
//! accept exactly that header and ignore claims they do not know: a server that names its keys
//! keeps working with every app already installed. Tokens without `kid` still verify, against
//! each pinned key.
//! Parsing is strict: canonical unpadded base64url only, exactly that header, and
//! `verify_strict` on the signature, so no changed byte of a token still verifies.
//! Time rules (renew-by, grace, clock rollback) are the client's; this module checks signatures.

use crate::wire::LicenseStatus;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

pub use ed25519_dalek::{SigningKey as TokenSigningKey, VerifyingKey as TokenVerifyingKey};

/// The one header of every token.
const HEADER_JSON: &str = r#"{"alg":"EdDSA","typ":"JWT"}"#;

/// The claims as signed: the claims and the signing key's id.
#[derive(Serialize)]
struct SignedClaims<'a> {
    #[serde(flatten)]
    claims: &'a TokenClaims,
    kid: &'a str,
}

/// What is read of the claims before the signature is checked: which pinned key to check it with.
#[derive(Deserialize)]
struct NamedKey {
    #[serde(default)]
    kid: Option<String>,
}

/// What the token says. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    /// Activation (machine) id: the JWT subject.
    pub sub: String,
    pub license_id: String,
    pub fingerprint: String,
    pub product_id: String,
    pub policy_id: String,
    /// Issued at.
    pub iat: i64,
    /// Renew before this time.
    pub renew_by: i64,
    /// Valid until (renew by + grace period): the JWT expiry.
    pub exp: i64,
    #[serde(default)]
    pub license_expires_at: Option<i64>,
    pub status: LicenseStatus,
    #[serde(default)]
    pub entitlements: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not three base64url parts")]
    Malformed,
    #[error("the token header is not EdDSA/JWT")]
    WrongHeader,
    #[error("the token signature does not verify with the pinned public key")]
    BadSignature,
    #[error("the token claims are unreadable")]
    BadClaims,
    #[error("the public key is not a base64url Ed25519 key")]
    BadPublicKey,
    #[error("the token was signed with key {kid}, which is not among the pinned public keys (a key the vendor retired, or not the vendor's)")]
    KeyNotPinned { kid: String },
}

/// A public key's id, as tokens name it: unpadded base64url of the first 9 bytes of the
/// SHA-256 of its 32 bytes (12 characters). Derived, so a pinned key needs no id beside it.
pub fn key_id(key: &VerifyingKey) -> String {
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(&Sha256::digest(key.as_bytes())[..9])
}

/// Signs `claims` into a compact token naming the key ([`key_id`]).
pub fn sign(claims: &TokenClaims, key: &SigningKey) -> String {
    let kid = key_id(&key.verifying_key());
    let claims_json = serde_json::to_vec(&SignedClaims { claims, kid: &kid }).expect("claims serialize");
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER_JSON),
        URL_SAFE_NO_PAD.encode(claims_json)
    );
    let signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Verifies the signature with the pinned public key and returns the claims.
pub fn verify(token: &str, key: &VerifyingKey) -> Result<TokenClaims, TokenError> {
    verify_any(token, std::slice::from_ref(key))
}

/// Verifies the signature with one of the pinned public keys and returns the claims: the key
/// the token names ([`TokenError::KeyNotPinned`] when none of them is it), or, for a token from
/// before key ids, each key in turn.
pub fn verify_any(token: &str, keys: &[VerifyingKey]) -> Result<TokenClaims, TokenError> {
    match token_key_id(token)? {
        Some(kid) => {
            let key = keys
                .iter()
                .find(|k| key_id(k) == kid)
                .ok_or(TokenError::KeyNotPinned { kid })?;
            verify_with(token, key)
        }
        None => {
            let mut answer = Err(TokenError::BadSignature);
            for key in keys {
                answer = verify_with(token, key);
                if answer.is_ok() {
                    break;
                }
            }
            answer
        }
    }
}

/// The key id a token's claims name; None for a token from before key ids. Read before the
/// signature is checked, only to pick the key to check it with.
pub fn token_key_id(token: &str) -> Result<Option<String>, TokenError> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims)) = (parts.next(), parts.next()) else {
        return Err(TokenError::Malformed);
    };
    if URL_SAFE_NO_PAD.decode(header).map_err(|_| TokenError::Malformed)? != HEADER_JSON.as_bytes() {
        return Err(TokenError::WrongHeader);
    }
    let claims = URL_SAFE_NO_PAD.decode(claims).map_err(|_| TokenError::Malformed)?;
    let named: NamedKey = serde_json::from_slice(&claims).map_err(|_| TokenError::BadClaims)?;
    match named.kid {
        None => Ok(None),
        Some(kid)
            if (1..=64).contains(&kid.len())
                && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(Some(kid))
        }
        Some(_) => Err(TokenError::BadClaims),
    }
}

fn verify_with(token: &str, key: &VerifyingKey) -> Result<TokenClaims, TokenError> {
    let mut parts = token.split('.');
    let (Some(_header), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let claims_json = URL_SAFE_NO_PAD.decode(claims).map_err(|_| TokenError::Malformed)?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| TokenError::Malformed)?
        .try_into()
        .map_err(|_| TokenError::Malformed)?;
    let signing_input_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
    key.verify_strict(
        &token.as_bytes()[..signing_input_len],
        &Signature::from_bytes(&signature),
    )
    .map_err(|_| TokenError::BadSignature)?;
    serde_json::from_slice(&claims_json).map_err(|_| TokenError::BadClaims)
}

/// The public key as vendors pin it: unpadded base64url of the 32 key bytes.
pub fn public_key_to_string(key: &VerifyingKey) -> String {
    URL_SAFE_NO_PAD.encode(key.to_bytes())
}

/// Reads a pinned public key written by [`public_key_to_string`].
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, TokenError> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| TokenError::BadPublicKey)?
        .try_into()
        .map_err(|_| TokenError::BadPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| TokenError::BadPublicKey)
}

/// The signing key from its 32-byte seed, and back (how the server keeps it on disk).
pub fn signing_key_from_seed(seed: [u8; 32]) -> SigningKey {
    SigningKey::from_bytes(&seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> TokenClaims {
        TokenClaims {
            sub: "act_1".into(),
            license_id: "lic_1".into(),
            fingerprint: "f".repeat(64),
            product_id: "prod_1".into(),
            policy_id: "pol_1".into(),
            iat: 1_700_000_000,
            renew_by: 1_700_086_400,
            exp: 1_700_691_200,
            license_expires_at: None,
            status: LicenseStatus::Active,
            entitlements: vec!["pro".into()],
        }
    }

    fn keypair(seed: u8) -> (SigningKey, VerifyingKey) {
        let key = signing_key_from_seed([seed; 32]);
        let public = key.verifying_key();
        (key, public)
    }

    #[test]
    fn signed_token_verifies_and_returns_the_claims() {
        let (key, public) = keypair(7);
        let token = sign(&claims(), &key);
        assert_eq!(verify(&token, &public).unwrap(), claims());
    }

    #[test]
    fn another_vendors_key_is_refused() {
        let (key, _) = keypair(7);
        let (_, other) = keypair(8);
        assert_eq!(
            verify(&sign(&claims(), &key), &other),
            Err(TokenError::KeyNotPinned {
                kid: key_id(&key.verifying_key())
            })
        );
    }

    #[test]
    fn every_single_byte_change_is_rejected() {
        let (key, public) = keypair(7);
        let token = sign(&claims(), &key);
        let bytes = token.as_bytes();
        for i in 0..bytes.len() {
            for replacement in [b'A', b'B', b'a', b'z', b'0', b'-', b'_', b'.', b'='] {
                if bytes[i] == replacement {
                    continue;
                }
                let mut changed = bytes.to_vec();
                changed[i] = replacement;
                let changed = String::from_utf8(changed).unwrap();
                assert!(
                    verify(&changed, &public).is_err(),
                    "byte {i} -> {} verified",
                    replacement as char
                );
            }
        }
    }

    /// A token as servers signed them before key ids (no `kid` in the claims).
    fn sign_without_kid(claims: &TokenClaims, key: &SigningKey) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER_JSON),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap())
        );
        format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(key.sign(input.as_bytes()).to_bytes())
        )
    }

    #[test]
    fn tokens_name_their_key_and_verify_against_a_pinned_list() {
        let ((old, old_public), (new, new_public)) = (keypair(1), keypair(2));
        let token = sign(&claims(), &new);
        assert_eq!(token_key_id(&token).unwrap(), Some(key_id(&new_public)));
        assert_eq!(key_id(&new_public).len(), 12);
        assert_ne!(key_id(&old_public), key_id(&new_public));
        assert_eq!(verify_any(&token, &[old_public, new_public]).unwrap(), claims());
        assert_eq!(verify(&token, &new_public).unwrap(), claims());
        // A list without the token's key names the key it lacks.
        let (_, other) = keypair(3);
        assert_eq!(
            verify_any(&token, &[old_public, other]),
            Err(TokenError::KeyNotPinned {
                kid: key_id(&new_public)
            })
        );
        assert_eq!(
            verify_any(&sign(&claims(), &old), &[]),
            Err(TokenError::KeyNotPinned {
                kid: key_id(&old_public)
            })
        );
    }

    #[test]
    fn tokens_without_kid_verify_against_each_pinned_key() {
        let ((old, old_public), (_, new_public)) = (keypair(1), keypair(2));
        let token = sign_without_kid(&claims(), &old);
        assert_eq!(token_key_id(&token).unwrap(), None);
        assert_eq!(verify_any(&token, &[new_public, old_public]).unwrap(), claims());
        assert_eq!(verify(&token, &old_public).unwrap(), claims());
        assert_eq!(verify_any(&token, &[new_public]), Err(TokenError::BadSignature));
    }

    #[test]
    fn a_changed_kid_does_not_verify() {
        let ((key, public), (_, other)) = (keypair(1), keypair(2));
        let token = sign(&claims(), &key);
        let mut parts = token.split('.');
        let (header, body, signature) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let body = String::from_utf8(URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        let forged = body.replace(&key_id(&public), &key_id(&other));
        assert_ne!(forged, body);
        let forged = format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(&forged));
        assert_eq!(verify_any(&forged, &[public, other]), Err(TokenError::BadSignature));
        let odd = body.replace(&key_id(&public), "a\\\"b");
        let odd = format!("{header}.{}.{signature}", URL_SAFE_NO_PAD.encode(&odd));
        assert_eq!(verify_any(&odd, &[public]), Err(TokenError::BadClaims));
    }

    /// An app from before key ids checks the header byte for byte, the signature with its one
    /// pinned key, and reads the claims it knows: tokens that name their key pass all three.
    #[test]
    fn apps_from_before_key_ids_accept_tokens_that_name_their_key() {
        let (key, public) = keypair(4);
        let token = sign(&claims(), &key);
        let header = URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
        assert_eq!(header, HEADER_JSON.as_bytes());
        assert_eq!(verify_with(&token, &public).unwrap(), claims());
    }

    #[test]
    fn public_key_round_trips() {
        let (_, public) = keypair(9);
        let text = public_key_to_string(&public);
        assert_eq!(text.len(), 43);
        assert_eq!(parse_public_key(&text).unwrap(), public);
        assert_eq!(parse_public_key("not a key"), Err(TokenError::BadPublicKey));
    }
}
