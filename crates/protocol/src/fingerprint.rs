//! The shape of a fingerprint string, shared by server and client.

/// Longest fingerprint accepted (an override may be any printable text up to this length).
pub const MAX_LEN: usize = 256;

/// A fingerprint is 1 to 256 printable ASCII characters, no spaces or control characters.
/// Computed ones are 64 lowercase hex; an override may be anything of this shape.
pub fn is_valid(fingerprint: &str) -> bool {
    !fingerprint.is_empty() && fingerprint.len() <= MAX_LEN && fingerprint.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn shapes() {
        assert!(is_valid(&"a".repeat(64)));
        assert!(is_valid("container-42"));
        assert!(!is_valid(""));
        assert!(!is_valid(&"a".repeat(257)));
        assert!(!is_valid("has space"));
        assert!(!is_valid("tab\there"));
        assert!(!is_valid("é"));
    }
}
