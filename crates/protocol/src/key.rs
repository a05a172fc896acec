//! License key format: 30 characters of Crockford base32 in six groups of five,
//! e.g. `7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5`.
//!
//! 28 characters carry 140 bits of randomness, the last 2 are a check value (the first 10 bits of
//! SHA-256 over the 28), so a typo is caught before any network call. The alphabet leaves out
//! I, L, O and U; when a person types them, I and L read as 1 and O as 0.

use sha2::{Digest, Sha256};
use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DATA_LEN: usize = 28;
const CHECK_LEN: usize = 2;
const KEY_LEN: usize = DATA_LEN + CHECK_LEN;
const GROUP: usize = 5;
/// Random bytes [`LicenseKey::from_random_bytes`] takes (140 of the 144 bits are used).
pub const RANDOM_BYTES: usize = 18;

/// Why a typed key is not a key. Found without asking the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("the key is empty")]
    Empty,
    #[error("the key has {found} characters; a key has {KEY_LEN}")]
    WrongLength { found: usize },
    #[error("the key contains '{0}', which is never part of a key")]
    BadCharacter(char),
    #[error("the key has a typo: its check characters do not match")]
    Checksum,
}

/// A well-formed license key, kept as its 30 canonical characters (no dashes).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LicenseKey(String);

impl LicenseKey {
    /// Reads what a person typed or pasted: trims, drops spaces, line breaks and dashes,
    /// uppercases, reads I/L as 1 and O as 0, then checks length, alphabet and check value.
    pub fn parse(input: &str) -> Result<LicenseKey, KeyFormatError> {
        let mut chars = String::with_capacity(KEY_LEN);
        for c in input.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(KeyFormatError::BadCharacter(c));
            }
            chars.push(c);
        }
        match chars.len() {
            0 => return Err(KeyFormatError::Empty),
            KEY_LEN => {}
            found => return Err(KeyFormatError::WrongLength { found }),
        }
        if check_chars(&chars[..DATA_LEN]) != chars[DATA_LEN..] {
            return Err(KeyFormatError::Checksum);
        }
        Ok(LicenseKey(chars))
    }

    /// Builds a new key from fresh random bytes (the caller owns the randomness source).
    pub fn from_random_bytes(bytes: [u8; RANDOM_BYTES]) -> LicenseKey {
        let mut data = String::with_capacity(KEY_LEN);
        let mut acc: u32 = 0;
        let mut bits = 0;
        for b in bytes {
            acc = (acc << 8) | u32::from(b);
            bits += 8;
            while bits >= 5 && data.len() < DATA_LEN {
                bits -= 5;
                data.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
            }
            acc &= (1 << bits) - 1;
        }
        let check = check_chars(&data);
        data.push_str(&check);
        LicenseKey(data)
    }

    /// The 30 canonical characters, no dashes: the form to hash or send.
    pub fn canonical(&self) -> &str {
        &self.0
    }

    /// The first group, safe to show in lists and logs ("7K3QD-…").
    pub fn display_prefix(&self) -> &str {
        &self.0[..GROUP]
    }
}

impl fmt::Display for LicenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.0.as_bytes().chunks(GROUP).enumerate() {
            if i > 0 {
                f.write_str("-")?;
            }
            f.write_str(std::str::from_utf8(group).expect("ascii"))?;
        }
        Ok(())
    }
}

/// Never print a whole key by accident.
impl fmt::Debug for LicenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LicenseKey({}-…)", self.display_prefix())
    }
}

fn check_chars(data: &str) -> String {
    let digest = Sha256::digest(data.as_bytes());
    let ten_bits = (u16::from(digest[0]) << 2) | (u16::from(digest[1]) >> 6);
    [
        ALPHABET[(ten_bits >> 5) as usize] as char,
        ALPHABET[(ten_bits & 31) as usize] as char,
    ]
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    fn random_key() -> LicenseKey {
        let mut bytes = [0u8; RANDOM_BYTES];
        rand::thread_rng().fill_bytes(&mut bytes);
        LicenseKey::from_random_bytes(bytes)
    }

    #[test]
    fn generated_key_round_trips_through_its_display_form() {
        let key = random_key();
        let shown = key.to_string();
        assert_eq!(shown.len(), 35);
        assert_eq!(shown.matches('-').count(), 5);
        assert_eq!(LicenseKey::parse(&shown).unwrap(), key);
    }

    #[test]
    fn paste_friendly_parsing() {
        let key = random_key();
        let messy = format!("  {}\n", key.canonical().to_lowercase());
        assert_eq!(LicenseKey::parse(&messy).unwrap(), key);
        let spaced = key.to_string().replace('-', " ");
        assert_eq!(LicenseKey::parse(&spaced).unwrap(), key);
    }

    #[test]
    fn ambiguous_letters_read_as_digits() {
        let key = random_key();
        let typed = key.canonical().replace('1', "l").replace('0', "O");
        assert_eq!(LicenseKey::parse(&typed).unwrap(), key);
    }

    #[test]
    fn every_single_character_typo_is_caught_or_harmless() {
        let key = random_key();
        let mut caught = 0;
        for pos in 0..KEY_LEN {
            for &c in ALPHABET.iter() {
                let mut typo = key.canonical().as_bytes().to_vec();
                if typo[pos] == c {
                    continue;
                }
                typo[pos] = c;
                let typo = String::from_utf8(typo).unwrap();
                if LicenseKey::parse(&typo).is_err() {
                    caught += 1;
                }
            }
        }
        // 10 check bits: about 1 in 1024 typos slips through; of 930 typos nearly all are caught.
        assert!(caught >= 900, "only {caught} of 930 typos caught");
    }

    #[test]
    fn format_errors_say_what_is_wrong() {
        assert_eq!(LicenseKey::parse("   "), Err(KeyFormatError::Empty));
        assert_eq!(LicenseKey::parse("ABC"), Err(KeyFormatError::WrongLength { found: 3 }));
        assert_eq!(LicenseKey::parse("ABCU"), Err(KeyFormatError::BadCharacter('U')));
        assert_eq!(LicenseKey::parse("AB?"), Err(KeyFormatError::BadCharacter('?')));
    }

    #[test]
    fn debug_form_hides_the_key() {
        let key = random_key();
        let debug = format!("{key:?}");
        assert!(!debug.contains(key.canonical()));
        assert!(debug.contains(key.display_prefix()));
    }

    #[test]
    fn keys_from_distinct_bytes_differ() {
        assert_ne!(
            LicenseKey::from_random_bytes([0; RANDOM_BYTES]),
            LicenseKey::from_random_bytes([1; RANDOM_BYTES])
        );
    }
}
