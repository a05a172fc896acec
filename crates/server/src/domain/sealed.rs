//! Secrets sealed at rest, so a leaked database file, dump or table export does not hand them
//! out: staff TOTP secrets ([`super::staff::sealed`]) and the license key a queued key email waits
//! with ([`super::mail`]). XChaCha20-Poly1305 (the `chacha20poly1305` crate, RustCrypto's audited
//! AEAD: constant-time in software on any CPU, and its 192-bit nonces may be drawn at random for
//! every seal without counting) under a key per [`Purpose`] derived with HKDF-SHA256 (`hkdf`, RFC
//! 5869) from one of two roots:
//! - the server's key hashing secret in the store's `meta` table (`v1.`): nothing more to keep,
//!   but a whole-database leak opens these values too;
//! - the seal key file (`--seal-key-file`, [`super::seal_key`]; `v2.`): kept outside the
//!   database, so a dump, a stolen SQLite file or a PostgreSQL backup opens nothing.
//!
//! The prefix says which root sealed a value, so a database switched to a key file still opens
//! its `v1.` values (and reseals them at open, [`super::seal_key::adopt`]). The owner's id is the
//! associated data: a sealed value copied onto another row does not open there.
//!
//! Stored form: `v1.` or `v2.` + base64url(nonce ‖ ciphertext+tag).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use hkdf::Hkdf;
use sha2::Sha256;

/// Sealed under a key derived from the database's own secret.
const DATABASE_PREFIX: &str = "v1.";
/// Sealed under a key derived from the seal key file.
const FILE_PREFIX: &str = "v2.";
const NONCE_LEN: usize = 24;

/// What a sealer seals: each purpose has a key of its own (HKDF salt and info), so a value
/// sealed for one purpose never opens as another.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Staff TOTP secrets; the owner is the staff account's id.
    TotpSecret,
    /// The license key a queued key email waits with; the owner is the license's id.
    MailedKey,
    /// The check value in `meta` that tells a wrong seal key file from the right one.
    KeyCheck,
}

impl Purpose {
    fn salt_and_info(self) -> (&'static [u8], &'static [u8]) {
        match self {
            // The TOTP key's derivation is what rows sealed since the staff release were sealed with.
            Purpose::TotpSecret => (b"keyturn staff", b"totp secret sealing key v1"),
            Purpose::MailedKey => (b"keyturn mail", b"mailed license key sealing key v1"),
            Purpose::KeyCheck => (b"keyturn seal key", b"seal key check v2"),
        }
    }

    fn cipher(self, root: &[u8]) -> XChaCha20Poly1305 {
        let (salt, info) = self.salt_and_info();
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(salt), root)
            .expand(info, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        XChaCha20Poly1305::new(&key.into())
    }
}

/// The 32 random bytes of a seal key file. Never printed: `Debug` shows no byte of it.
#[derive(Clone)]
pub struct FileKey([u8; 32]);

impl FileKey {
    pub fn new(bytes: [u8; 32]) -> FileKey {
        FileKey(bytes)
    }

    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey(..)")
    }
}

/// Seals and opens values of one [`Purpose`], each bound to its owner's id.
#[derive(Clone)]
pub struct Sealer {
    purpose: Purpose,
    database: XChaCha20Poly1305,
    file: Option<XChaCha20Poly1305>,
}

impl Sealer {
    /// The sealer for `purpose` of the server whose key hashing secret this is (seals `v1.`).
    pub fn new(server_secret: &[u8], purpose: Purpose) -> Sealer {
        Sealer {
            purpose,
            database: purpose.cipher(server_secret),
            file: None,
        }
    }

    /// This sealer, sealing under the seal key file from now on (`v2.`); `v1.` values still open.
    pub fn with_file_key(self, key: &FileKey) -> Sealer {
        Sealer {
            file: Some(self.purpose.cipher(key.bytes())),
            ..self
        }
    }

    /// Whether this sealer seals under a seal key file.
    pub fn has_file_key(&self) -> bool {
        self.file.is_some()
    }

    /// The stored form of `secret` (raw bytes) for its owner `owner_id`: under the key file
    /// when there is one.
    pub fn seal(&self, owner_id: &str, secret: &[u8]) -> String {
        match &self.file {
            Some(file) => seal_with(file, FILE_PREFIX, owner_id, secret),
            None => seal_with(&self.database, DATABASE_PREFIX, owner_id, secret),
        }
    }

    /// The raw secret of a stored value; None when it is not sealed, damaged, sealed for
    /// another purpose, server or owner, or under a key file this sealer does not have.
    pub fn open(&self, owner_id: &str, stored: &str) -> Option<Vec<u8>> {
        if let Some(rest) = stored.strip_prefix(DATABASE_PREFIX) {
            open_with(&self.database, owner_id, rest)
        } else {
            open_with(self.file.as_ref()?, owner_id, stored.strip_prefix(FILE_PREFIX)?)
        }
    }
}

fn seal_with(cipher: &XChaCha20Poly1305, prefix: &str, owner_id: &str, secret: &[u8]) -> String {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
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
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn open_with(cipher: &XChaCha20Poly1305, owner_id: &str, encoded: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    if bytes.len() <= NONCE_LEN {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    cipher
        .decrypt(
            nonce.into(),
            Payload {
                msg: sealed,
                aad: owner_id.as_bytes(),
            },
        )
        .ok()
}

/// Is this stored value sealed (else: plain, as an earlier release stored it)?
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(DATABASE_PREFIX) || stored.starts_with(FILE_PREFIX)
}

/// Is this stored value sealed under a seal key file?
pub fn is_file_sealed(stored: &str) -> bool {
    stored.starts_with(FILE_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_key_seals_v2_and_still_opens_v1() {
        let database_only = Sealer::new(b"server secret", Purpose::MailedKey);
        let old = database_only.seal("lic_a", b"KEY");
        assert!(old.starts_with("v1.") && !is_file_sealed(&old));
        let file = FileKey::new([7; 32]);
        let with_file = database_only.clone().with_file_key(&file);
        let new = with_file.seal("lic_a", b"KEY");
        assert!(is_file_sealed(&new) && is_sealed(&new));
        assert_eq!(with_file.open("lic_a", &old).as_deref(), Some(&b"KEY"[..]));
        assert_eq!(with_file.open("lic_a", &new).as_deref(), Some(&b"KEY"[..]));
        assert_eq!(
            database_only.open("lic_a", &new),
            None,
            "no key file: a v2 value stays shut"
        );
        let other_file = Sealer::new(b"server secret", Purpose::MailedKey).with_file_key(&FileKey::new([8; 32]));
        assert_eq!(other_file.open("lic_a", &new), None, "another key file");
        let totp = Sealer::new(b"server secret", Purpose::TotpSecret).with_file_key(&file);
        assert_eq!(totp.open("lic_a", &new), None, "sealed for another purpose");
        assert_eq!(format!("{file:?}"), "FileKey(..)");
    }
}
