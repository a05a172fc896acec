//! The server's two secrets, generated on first use and kept in the database's `meta` table:
//! the Ed25519 token signing key and the HMAC key under which license keys are stored.

use hmac::{Hmac, Mac};
use keyturn_protocol::token::{signing_key_from_seed, TokenSigningKey};
use keyturn_protocol::LicenseKey;
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::Sha256;

const SIGNING_SEED: &str = "signing_key_seed";
const KEY_HASH_SECRET: &str = "key_hash_secret";

/// Hashes license keys for storage and lookup: HMAC-SHA256 under the server secret, hex.
/// A leaked database holds only these hashes (and a 5-character prefix), never a working key.
#[derive(Clone)]
pub struct KeyHasher {
    mac: Hmac<Sha256>,
}

impl KeyHasher {
    pub fn new(secret: &[u8]) -> KeyHasher {
        KeyHasher {
            mac: Hmac::<Sha256>::new_from_slice(secret).expect("hmac takes any key length"),
        }
    }

    pub fn hash(&self, key: &LicenseKey) -> String {
        let mut mac = self.mac.clone();
        mac.update(key.canonical().as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

pub struct Secrets {
    pub signing_key: TokenSigningKey,
    pub hasher: KeyHasher,
}

impl Secrets {
    /// From the stored signing key seed (32 bytes) and key hashing secret.
    pub fn from_parts(seed: &[u8], secret: &[u8]) -> Option<Secrets> {
        let seed: [u8; 32] = seed.try_into().ok()?;
        Some(Secrets {
            signing_key: signing_key_from_seed(seed),
            hasher: KeyHasher::new(secret),
        })
    }
}

/// Reads the secrets, creating them on first use (safe when two processes race: the first
/// insert wins and both read it back).
pub fn load_or_create(conn: &Connection) -> rusqlite::Result<Secrets> {
    let seed = get_or_create(conn, SIGNING_SEED)?;
    let secret = get_or_create(conn, KEY_HASH_SECRET)?;
    Secrets::from_parts(&seed, &secret).ok_or(rusqlite::Error::InvalidQuery)
}

fn get_or_create(conn: &Connection, name: &str) -> rusqlite::Result<Vec<u8>> {
    let existing: Option<Vec<u8>> = conn
        .query_row("SELECT v FROM meta WHERE k = ?1", [name], |r| r.get(0))
        .optional()?;
    if let Some(v) = existing {
        return Ok(v);
    }
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    conn.execute(
        "INSERT OR IGNORE INTO meta (k, v) VALUES (?1, ?2)",
        params![name, fresh.to_vec()],
    )?;
    conn.query_row("SELECT v FROM meta WHERE k = ?1", [name], |r| r.get(0))
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
