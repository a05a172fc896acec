//! The signature of a delivery: header `Keyturn-Signature: t=UNIX,v1=HEX` where HEX is
//! HMAC-SHA256 keyed by the endpoint's secret over `"{t}.{body}"` (the scheme Stripe uses, so
//! receivers know it; README shows a check in Python and Node).

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const HEADER: &str = "Keyturn-Signature";

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256(secret, "t.body") in lowercase hex.
pub fn mac_hex(secret: &[u8], signed: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(signed);
    hex(&mac.finalize().into_bytes())
}

/// The header's value for a body sent at `t`.
pub fn header(secret: &str, t: i64, body: &str) -> String {
    let signed = format!("{t}.{body}");
    format!("t={t},v1={}", mac_hex(secret.as_bytes(), signed.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_a_known_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            super::mac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(super::header("s", 5, "{}").starts_with("t=5,v1="));
    }
}
