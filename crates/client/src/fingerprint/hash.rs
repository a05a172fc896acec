//! The fingerprint hash: HMAC-SHA256 keyed by the vendor's product id over a canonical,
//! versioned encoding of the present components, so two vendors never see the same id for one
//! device. Each component is also hashed on its own (same key, its own domain) for fuzzy matching.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;

/// Version of the canonical encoding. Changing the encoding means a new version.
pub const ENCODING_VERSION: u32 = 1;

type HmacSha256 = Hmac<Sha256>;

fn mac(product_id: &str) -> HmacSha256 {
    HmacSha256::new_from_slice(product_id.as_bytes()).expect("HMAC takes any key length")
}

fn put(mac: &mut HmacSha256, field: &[u8]) {
    mac.update(&(field.len() as u32).to_be_bytes());
    mac.update(field);
}

/// The device fingerprint: 64 lowercase hex over `"keyturn-fingerprint" | version | count |
/// (name, value)*` in name order, every field length-prefixed (so no two component sets encode
/// alike). Absent components are simply not in the map.
pub fn fingerprint(product_id: &str, components: &BTreeMap<String, String>) -> String {
    let mut mac = mac(product_id);
    put(&mut mac, b"keyturn-fingerprint");
    mac.update(&ENCODING_VERSION.to_be_bytes());
    mac.update(&(components.len() as u32).to_be_bytes());
    for (name, value) in components {
        put(&mut mac, name.as_bytes());
        put(&mut mac, value.as_bytes());
    }
    hex(&mac.finalize().into_bytes())
}

/// One component's hash: 64 lowercase hex, keyed by the product id, bound to the component name.
pub fn component(product_id: &str, name: &str, value: &str) -> String {
    let mut mac = mac(product_id);
    put(&mut mac, b"keyturn-component");
    mac.update(&ENCODING_VERSION.to_be_bytes());
    put(&mut mac, name.as_bytes());
    put(&mut mac, value.as_bytes());
    hex(&mac.finalize().into_bytes())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn shape_and_determinism() {
        let c = map(&[("cpu", "AMD EPYC"), ("host", "vm")]);
        let f = fingerprint("prod_1", &c);
        assert_eq!(f.len(), 64);
        assert!(f.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(f, fingerprint("prod_1", &c));
    }

    #[test]
    fn keyed_by_product() {
        let c = map(&[("cpu", "AMD EPYC")]);
        assert_ne!(fingerprint("prod_1", &c), fingerprint("prod_2", &c));
        assert_ne!(component("prod_1", "cpu", "x"), component("prod_2", "cpu", "x"));
    }

    #[test]
    fn encoding_is_unambiguous() {
        // Moving bytes between name and value, or between components, changes the result.
        assert_ne!(
            fingerprint("p", &map(&[("ab", "c")])),
            fingerprint("p", &map(&[("a", "bc")]))
        );
        assert_ne!(component("p", "host", "x"), component("p", "cpu", "x"));
        assert_ne!(fingerprint("p", &map(&[])), fingerprint("p", &map(&[("cpu", "")])));
    }

    #[test]
    fn known_vector() {
        // Pins the v1 encoding: if this changes, every activated device changes fingerprint.
        let c = map(&[("cpu", "AMD EPYC"), ("host", "vm")]);
        assert_eq!(fingerprint("prod_1", &c), KNOWN);
    }
    const KNOWN: &str = "3635a572a350b987c5d5827e1cb92a1623e061c39db83a1c89da86d0a0886d79";
}
