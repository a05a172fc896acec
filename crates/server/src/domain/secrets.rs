//! The server's two secrets, generated on first use and kept in the store's `meta` table:
//! the Ed25519 token signing key and the HMAC key under which license keys are stored.

use hmac::{Hmac, Mac};
use keyturn_protocol::token::{signing_key_from_seed, TokenSigningKey, TokenVerifyingKey};
use keyturn_protocol::LicenseKey;
use sha2::Sha256;
use std::sync::{Arc, RwLock};

/// The names the secrets are kept under in the store's `meta` table.
pub const SIGNING_SEED: &str = "signing_key_seed";
pub const KEY_HASH_SECRET: &str = "key_hash_secret";

/// What the server does with license keys under its key secret: hashes them for storage and
/// lookup (HMAC-SHA256, hex), and seals the one copy a queued key email waits with
/// ([`super::mail`]). A leaked database holds only these hashes (and a 5-character prefix) and
/// sealed copies, never a working key.
#[derive(Clone)]
pub struct KeyHasher {
    mac: Hmac<Sha256>,
    mailed: super::sealed::Sealer,
}

impl KeyHasher {
    pub fn new(secret: &[u8]) -> KeyHasher {
        KeyHasher {
            mac: Hmac::<Sha256>::new_from_slice(secret).expect("hmac takes any key length"),
            mailed: super::sealed::Sealer::new(secret, super::sealed::Purpose::MailedKey),
        }
    }

    /// The stored form of the key license `license_id`'s email waits with.
    pub fn seal_mailed_key(&self, license_id: &str, key: &str) -> String {
        self.mailed.seal(license_id, key.as_bytes())
    }

    /// The key a queued email waits with. A value that is not sealed was queued by a release
    /// before sealing (such rows are sent, and wiped, within minutes of the upgrade).
    pub fn open_mailed_key(&self, license_id: &str, stored: &str) -> Option<String> {
        if !super::sealed::is_sealed(stored) {
            return Some(stored.to_string());
        }
        String::from_utf8(self.mailed.open(license_id, stored)?).ok()
    }

    /// The sealer of the keys queued emails wait with ([`super::seal_key::adopt`] reseals them).
    pub fn mailed_sealer(&self) -> &super::sealed::Sealer {
        &self.mailed
    }

    pub fn hash(&self, key: &LicenseKey) -> String {
        let mut mac = self.mac.clone();
        mac.update(key.canonical().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// The hash an API token is stored and looked up by (same secret, its own domain).
    pub fn hash_api_token(&self, token: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(b"api-token:");
        mac.update(token.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

pub struct Secrets {
    /// The token keys now: replaced while the server runs when a key is promoted or retired
    /// ([`super::signing_keys::refresh`]), so a request takes one consistent set ([`Secrets::keys`]).
    keys: RwLock<Arc<TokenKeys>>,
    pub hasher: KeyHasher,
    /// Seals staff TOTP secrets at rest (a key derived from the key hashing secret, or from the
    /// seal key file: [`Secrets::use_file_key`]).
    pub totp: super::sealed::Sealer,
}

/// The token keys a server signs and checks with at one moment.
pub struct TokenKeys {
    /// Signs every new token (the ACTIVE key of [`super::signing_keys`]).
    pub signing_key: TokenSigningKey,
    /// The keys this server's own checks accept (every key not retired).
    pub verifying_keys: Vec<TokenVerifyingKey>,
    /// Which stored keys in which states these are (`kid:STATE,…`): a change means new keys.
    pub version: String,
}

impl Secrets {
    /// From the stored signing key seed (32 bytes) and key hashing secret.
    pub fn from_parts(seed: &[u8], secret: &[u8]) -> Option<Secrets> {
        let seed: [u8; 32] = seed.try_into().ok()?;
        let signing_key = signing_key_from_seed(seed);
        Some(Secrets::new(
            TokenKeys {
                verifying_keys: vec![signing_key.verifying_key()],
                signing_key,
                version: String::new(),
            },
            secret,
        ))
    }

    pub fn new(keys: TokenKeys, key_hash_secret: &[u8]) -> Secrets {
        Secrets {
            keys: RwLock::new(Arc::new(keys)),
            hasher: KeyHasher::new(key_hash_secret),
            totp: super::sealed::Sealer::new(key_hash_secret, super::sealed::Purpose::TotpSecret),
        }
    }

    /// Seals TOTP secrets and queued email keys under the seal key file from now on (values
    /// sealed under the database's secret still open: [`super::seal_key`]).
    pub fn use_file_key(&mut self, key: &super::sealed::FileKey) {
        self.totp = self.totp.clone().with_file_key(key);
        self.hasher.mailed = self.hasher.mailed.clone().with_file_key(key);
    }

    /// The token keys now (hold the answer for one request: it stays consistent).
    pub fn keys(&self) -> Arc<TokenKeys> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Takes `keys` when their version differs from the current one; whether it did.
    pub fn replace_keys(&self, keys: TokenKeys) -> bool {
        let mut current = self.keys.write().unwrap_or_else(|e| e.into_inner());
        if current.version == keys.version {
            return false;
        }
        *current = Arc::new(keys);
        true
    }
}

/// 32 bytes from the OS randomness source: a new secret (stores keep the first one written).
pub fn fresh_secret() -> [u8; 32] {
    use rand::RngCore;
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    fresh
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Writes `line` to a new file only its owner may read (mode 0600 from the moment it exists,
/// synced); `Ok(false)` when the file exists, which is never overwritten. For the files that
/// hold a secret: the admin token of `init`, the seal key.
pub fn create_secret_file(path: &std::path::Path, line: &str) -> Result<bool, String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
    };
    writeln!(file, "{line}")
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_the_secret() {
        let key = LicenseKey::from_random_bytes([3; 18]);
        let a = KeyHasher::new(b"one").hash(&key);
        assert_eq!(a.len(), 64);
        assert_eq!(a, KeyHasher::new(b"one").hash(&key));
        assert_ne!(a, KeyHasher::new(b"two").hash(&key));
        assert!(!a.contains(key.canonical()));
    }
}
