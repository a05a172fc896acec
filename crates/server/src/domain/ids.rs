//! Random, prefixed identifiers (`lic_…`, `act_…`).

use rand::RngCore;

const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// `prefix_` + 20 base32 characters (100 random bits).
pub fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    let mut id = String::with_capacity(prefix.len() + 21);
    id.push_str(prefix);
    id.push('_');
    for b in bytes {
        id.push(ALPHABET[(b & 31) as usize] as char);
    }
    id
}

/// A user-chosen id: 1-64 of `[A-Za-z0-9_-]`.
pub fn is_valid_custom_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = new_id("lic");
        assert!(a.starts_with("lic_") && a.len() == 24);
        assert_ne!(a, new_id("lic"));
        assert!(is_valid_custom_id(&a));
        assert!(!is_valid_custom_id("has space"));
    }
}
