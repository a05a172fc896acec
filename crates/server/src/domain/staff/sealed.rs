//! TOTP secrets sealed at rest: a leaked database file, dump or table export does not hand out
//! anyone's second factor. XChaCha20-Poly1305 (the `chacha20poly1305` crate, RustCrypto's
//! audited AEAD: constant-time in software on any CPU, and its 192-bit nonces may be drawn at
//! random for every seal without counting) under a key derived with HKDF-SHA256 (`hkdf`, RFC
//! 5869) from the server's key hashing secret in the store's `meta` table, so no new secret has
//! to be kept or backed up. The account's id is the associated data: a sealed secret copied onto
//! another account's row does not open there.
//!
//! Stored form: `v1.` + base64url(nonce ‖ ciphertext+tag). Rows written by releases before
//! (plain base32) are sealed when the store opens ([`seal_plain`], schema step "sign-in
//! attempts, sealed TOTP secrets").

use super::tx::StaffTx;
use crate::domain::errors::ApiResult;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use hkdf::Hkdf;
use sha2::Sha256;

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// Seals and opens the TOTP secrets of staff accounts.
#[derive(Clone)]
pub struct TotpSealer {
    cipher: XChaCha20Poly1305,
}

impl TotpSealer {
    /// The sealer of the server whose key hashing secret this is.
    pub fn new(server_secret: &[u8]) -> TotpSealer {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"keyturn staff"), server_secret)
            .expand(b"totp secret sealing key v1", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        TotpSealer {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// The stored form of `secret` (raw bytes) for the account `staff_id`.
    pub fn seal(&self, staff_id: &str, secret: &[u8]) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret,
                    aad: staff_id.as_bytes(),
                },
            )
            .expect("encrypting into a Vec does not fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The raw secret of a stored value; None when it is not sealed, damaged, or another
    /// account's (a plain value is never taken as a secret: [`seal_plain`] seals those).
    pub fn open(&self, staff_id: &str, stored: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(stored.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                nonce.into(),
                Payload {
                    msg: sealed,
                    aad: staff_id.as_bytes(),
                },
            )
            .ok()
    }
}

/// Is this stored value sealed (else: plain base32 of an earlier release)?
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Seals every TOTP secret still stored in plain base32 (an earlier release's rows); how many.
/// Runs inside the store's opening transaction, at every start (a no-op once all are sealed).
pub async fn seal_plain(tx: &mut impl StaffTx, sealer: &TotpSealer) -> ApiResult<usize> {
    let mut sealed = 0;
    for mut account in tx.staff_list().await? {
        let Some(plain) = account.totp_secret.as_deref().filter(|s| !is_sealed(s)) else {
            continue;
        };
        // A value that is not base32 could never sign in: it is dropped (an owner's "clear").
        account.totp_secret = super::totp::from_base32(plain).map(|secret| sealer.seal(&account.id, &secret));
        tx.update_staff(&account).await?;
        sealed += 1;
    }
    Ok(sealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_for_its_account_and_server_only() {
        let sealer = TotpSealer::new(b"server secret one");
        let secret = super::super::totp::new_secret();
        let stored = sealer.seal("stf_a", &secret);
        assert!(is_sealed(&stored));
        assert!(!stored.contains(&super::super::totp::base32(&secret)));
        assert_ne!(stored, sealer.seal("stf_a", &secret), "a fresh nonce every time");
        assert_eq!(sealer.open("stf_a", &stored), Some(secret.clone()));
        assert_eq!(sealer.open("stf_b", &stored), None, "another account's row");
        assert_eq!(TotpSealer::new(b"server secret two").open("stf_a", &stored), None);
        let mut damaged = stored.clone();
        damaged.pop();
        damaged.push(if stored.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(sealer.open("stf_a", &damaged), None);
        assert_eq!(
            sealer.open("stf_a", &super::super::totp::base32(&secret)),
            None,
            "plain"
        );
    }
}
