//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), the second
//! factor authenticator apps speak. Written here on `hmac` and `sha1` (both already in the tree)
//! because the algorithm is a dozen lines and the RFC's own test vectors check it below; the
//! secret travels as RFC 4648 base32 in an `otpauth://` URL.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECS: i64 = 30;
/// Codes of one step before and after count too (clocks drift, people type slowly).
pub const WINDOW_STEPS: i64 = 1;

/// The 6-digit code of `secret` at unix time `now`.
pub fn code_at(secret: &[u8], now: i64) -> String {
    hotp(secret, (now / STEP_SECS) as u64, 6)
}

/// RFC 4226 HOTP with `digits` digits.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("hmac takes any key length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[h.len() - 1] & 0x0f) as usize;
    let value = u32::from_be_bytes([h[offset] & 0x7f, h[offset + 1], h[offset + 2], h[offset + 3]]);
    format!("{:0width$}", value % 10u32.pow(digits), width = digits as usize)
}

/// Does `code` match at `now` (within [`WINDOW_STEPS`])?
pub fn verify(secret: &[u8], code: &str, now: i64) -> bool {
    matching_step(secret, code, now).is_some()
}

/// The time step (`unix time / STEP_SECS`) whose code `code` is, within [`WINDOW_STEPS`] of
/// `now`. Sign-in keeps the last accepted step per account so a code works once
/// ([`super::StaffOp::UseTotpStep`]).
pub fn matching_step(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 {
        return None;
    }
    (-WINDOW_STEPS..=WINDOW_STEPS)
        .map(|d| now / STEP_SECS + d)
        .find(|step| {
            let candidate = hotp(secret, *step as u64, 6);
            // Constant time: a wrong code reveals nothing of the right one.
            candidate
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        })
}

/// A new 20-byte secret.
pub fn new_secret() -> Vec<u8> {
    crate::domain::secrets::fresh_secret()[..20].to_vec()
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps take).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(ALPHABET[((bits >> (35 - i * 5)) & 31) as usize] as char);
        }
    }
    out
}

/// The inverse of [`base32`] (None for other characters).
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u64, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|a| *a == c.to_ascii_uppercase())? as u64;
        acc = (acc << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `otpauth://totp/Keyturn:EMAIL?secret=…&issuer=Keyturn` for the authenticator app.
pub fn otpauth_url(email: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/Keyturn:{}?secret={}&issuer=Keyturn&algorithm=SHA1&digits=6&period=30",
        email.replace('@', "%40"),
        base32(secret)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vectors() {
        // Appendix B, SHA1: the secret is "12345678901234567890", 8 digits.
        let secret = b"12345678901234567890";
        for (t, want) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(hotp(secret, (t / STEP_SECS) as u64, 8), want);
        }
        assert_eq!(code_at(secret, 59), "287082");
    }

    #[test]
    fn codes_count_within_one_step_only() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let code = code_at(&secret, now);
        assert!(verify(&secret, &code, now + STEP_SECS));
        assert!(!verify(&secret, &code, now + 3 * STEP_SECS));
        assert!(!verify(&secret, "12345", now));
    }

    #[test]
    fn base32_round_trips() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let secret = new_secret();
        assert_eq!(from_base32(&base32(&secret)).unwrap(), secret);
    }
}
