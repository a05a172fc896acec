//! The providers' documented webhook signatures, checked over the raw body in constant time:
//!
//! * Stripe: `Stripe-Signature: t=UNIX,v1=HEX[,v1=HEX…]`, HEX = HMAC-SHA256(secret, "t.body").
//! * Paddle Billing: `Paddle-Signature: ts=UNIX;h1=HEX[;h1=HEX…]`, HEX = HMAC-SHA256(secret, "ts:body").
//!
//! Several signatures are allowed (while a secret is being rolled). A valid signature whose
//! timestamp is further than the tolerance from now is stale (a replay).

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Missing, malformed, or no signature matches.
    Invalid,
    /// Signed, but too long ago (or in the future): a replay.
    Stale,
}

fn matches(secret: &str, signed: &[u8], candidates: &[&str]) -> bool {
    candidates.iter().any(|hex| {
        let Some(expected) = decode_hex(hex) else { return false };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
        mac.update(signed);
        mac.verify_slice(&expected).is_ok()
    })
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 {
        return None;
    }
    (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn check(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: i64,
    (items, time_key, sig_key, joiner): (char, &str, &str, u8),
) -> Result<(), Refused> {
    let mut time = None;
    let mut signatures = Vec::new();
    for item in header.split(items) {
        match item.trim().split_once('=') {
            Some((k, v)) if k == time_key => time = v.parse::<i64>().ok(),
            Some((k, v)) if k == sig_key => signatures.push(v),
            _ => {}
        }
    }
    let t = time.ok_or(Refused::Invalid)?;
    let mut signed = Vec::with_capacity(body.len() + 24);
    signed.extend_from_slice(t.to_string().as_bytes());
    signed.push(joiner);
    signed.extend_from_slice(body);
    if !matches(secret, &signed, &signatures) {
        return Err(Refused::Invalid);
    }
    if (now - t).abs() > tolerance {
        return Err(Refused::Stale);
    }
    Ok(())
}

pub fn stripe(secret: &str, header: &str, body: &[u8], now: i64, tolerance: i64) -> Result<(), Refused> {
    check(secret, header, body, now, tolerance, (',', "t", "v1", b'.'))
}

pub fn paddle(secret: &str, header: &str, body: &[u8], now: i64, tolerance: i64) -> Result<(), Refused> {
    check(secret, header, body, now, tolerance, (';', "ts", "h1", b':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::webhooks::sign::mac_hex;

    #[test]
    fn each_scheme_checks_its_own_format_and_time() {
        let body = br#"{"id":"evt_1"}"#;
        let v1 = mac_hex(b"whsec", b"100.{\"id\":\"evt_1\"}");
        let ok = format!("t=100,v1=00{},v1={v1}", &v1[2..]);
        assert_eq!(stripe("whsec", &ok, body, 100, 300), Ok(()));
        assert_eq!(stripe("whsec", &ok, body, 401, 300), Err(Refused::Stale));
        assert_eq!(stripe("other", &ok, body, 100, 300), Err(Refused::Invalid));
        assert_eq!(stripe("whsec", "t=100", body, 100, 300), Err(Refused::Invalid));
        let h1 = mac_hex(b"pdl", b"100:{\"id\":\"evt_1\"}");
        assert_eq!(paddle("pdl", &format!("ts=100;h1={h1}"), body, 100, 300), Ok(()));
        assert_eq!(
            paddle("pdl", &format!("ts=100,h1={h1}"), body, 100, 300),
            Err(Refused::Invalid)
        );
        assert_eq!(
            paddle("pdl", &format!("ts=100;h1={h1}"), b"{}", 100, 300),
            Err(Refused::Invalid)
        );
    }
}
