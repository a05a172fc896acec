//! Secrets sealed at rest, so a leaked database file, dump or table export does not hand them
//! out: staff TOTP secrets ([`super::staff::sealed`]) and the license key a queued key email waits
//! with ([`super::mail`]). XChaCha20-Poly1305 (the `chacha20poly1305` crate, RustCrypto's audited
//! AEAD: constant-time in software on any CPU, and its 192-bit nonces may be drawn at random for
//! every seal without counting) under a key per [`Purpose`] derived with HKDF-SHA256 (`hkdf`, RFC
//! 5869) from the server's key hashing secret in the store's `meta` table, so no new secret has to
//! be kept or backed up. The owner's id is the associated data: a sealed value copied onto another
//! row does not open there.
//!
//! Stored form: `v1.` + base64url(nonce ‖ ciphertext+tag).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use hkdf::Hkdf;
use sha2::Sha256;

const PREFIX: &str = "v1.";
const NONCE_LEN: usize = 24;

/// What a sealer seals: each purpose has a key of its own (HKDF salt and info), so a value
/// sealed for one purpose never opens as another.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Staff TOTP secrets; the owner is the staff account's id.
    TotpSecret,
    /// The license key a queued key email waits with; the owner is the license's id.
    MailedKey,
}

impl Purpose {
    fn salt_and_info(self) -> (&'static [u8], &'static [u8]) {
        match self {
            // The TOTP key's derivation is what rows sealed since the staff release were sealed with.
            Purpose::TotpSecret => (b"keyturn staff", b"totp secret sealing key v1"),
            Purpose::MailedKey => (b"keyturn mail", b"mailed license key sealing key v1"),
        }
    }
}

/// Seals and opens values of one [`Purpose`], each bound to its owner's id.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    /// The sealer for `purpose` of the server whose key hashing secret this is.
    pub fn new(server_secret: &[u8], purpose: Purpose) -> Sealer {
        let (salt, info) = purpose.salt_and_info();
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(salt), server_secret)
            .expand(info, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Sealer {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// The stored form of `secret` (raw bytes) for its owner `owner_id`.
    pub fn seal(&self, owner_id: &str, secret: &[u8]) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: secret,
                    aad: owner_id.as_bytes(),
                },
            )
            .expect("encrypting into a Vec does not fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The raw secret of a stored value; None when it is not sealed, damaged, sealed for
    /// another purpose, server or owner.
    pub fn open(&self, owner_id: &str, stored: &str) -> Option<Vec<u8>> {
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
                    aad: owner_id.as_bytes(),
                },
            )
            .ok()
    }
}

/// Is this stored value sealed (else: plain, as an earlier release stored it)?
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}
