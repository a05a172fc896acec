//! A vendor with a known signing key, a device, licenses and tokens as the server would send them.

use keyturn_client::fingerprint::{ComponentSource, Fixed, Probe};
use keyturn_client::{Device, VendorConfig, VirtInfo};
use keyturn_protocol::token::{self, TokenSigningKey};
use keyturn_protocol::wire::{LicenseStatus, LicenseSummary, Machine};
use keyturn_protocol::{LicenseKey, TokenClaims};
use keyturn_testkit::Server;
use serde_json::{json, Value};

pub const PRODUCT: &str = "prod_stub";
pub const NOW: i64 = 1_800_000_000;

pub fn vendor_key() -> TokenSigningKey {
    token::signing_key_from_seed([11; 32])
}

pub fn config(server_url: &str) -> VendorConfig {
    VendorConfig::from_json(
        &json!({
            "product_name": "Stub Product",
            "product_id": PRODUCT,
            "server_url": server_url,
            "public_key": token::public_key_to_string(&vendor_key().verifying_key()),
        })
        .to_string(),
    )
    .unwrap()
}

/// A device with injected components (never the real hardware).
pub fn device(host: &str) -> Device {
    device_with(&[
        ("cpu", "Test CPU 9000"),
        ("host", host),
        ("machine_id", &format!("id-{host}")),
    ])
}

/// A device with exactly these components; named after its `host` component.
pub fn device_with(components: &[(&str, &str)]) -> Device {
    let name = components
        .iter()
        .find(|(n, _)| *n == "host")
        .map(|(_, v)| v.to_string());
    let probe = Probe {
        sources: components
            .iter()
            .map(|(n, v)| Box::new(Fixed::new(n, Some(v))) as Box<dyn ComponentSource>)
            .collect(),
        virt: Box::new(VirtInfo::default()),
        env: Box::new(|_| None),
        device_name: name,
        platform: "linux-x86_64".into(),
    };
    Device::detect_with(&probe, PRODUCT, "KEYTURN_FINGERPRINT").unwrap()
}

pub fn key() -> LicenseKey {
    LicenseKey::from_random_bytes([7; 18])
}

pub fn license(seats_used: u32) -> LicenseSummary {
    LicenseSummary {
        id: "lic_1".into(),
        product_id: PRODUCT.into(),
        product_name: "Stub Product".into(),
        policy_name: "Standard".into(),
        status: LicenseStatus::Active,
        expires_at: None,
        seats_used,
        seats_max: 2,
        entitlements: vec![],
        trial: false,
    }
}

pub fn machine(id: &str, name: &str) -> Machine {
    Machine {
        id: id.into(),
        name: name.into(),
        platform: "linux-x86_64".into(),
        created_at: NOW - 100,
        last_seen_at: NOW - 10,
        is_this_device: false,
        tag: keyturn_protocol::wire::device_tag(id),
    }
}

pub fn claims(activation_id: &str, fingerprint: &str, iat: i64) -> TokenClaims {
    TokenClaims {
        sub: activation_id.into(),
        license_id: "lic_1".into(),
        fingerprint: fingerprint.into(),
        product_id: PRODUCT.into(),
        policy_id: "pol_1".into(),
        iat,
        renew_by: iat + 86_400,
        exp: iat + 8 * 86_400,
        license_expires_at: None,
        status: LicenseStatus::Active,
        entitlements: vec![],
    }
}

pub fn token_for(activation_id: &str, fingerprint: &str, iat: i64) -> String {
    token::sign(&claims(activation_id, fingerprint, iat), &vendor_key())
}

/// A 201/200 activation answer for the fingerprint in `request`.
pub fn activation_reply(activation_id: &str, request: &Value, iat: i64) -> Value {
    let fingerprint = request["fingerprint"].as_str().unwrap();
    json!({
        "machine": machine(activation_id, request["name"].as_str().unwrap_or("")),
        "token": token_for(activation_id, fingerprint, iat),
        "license": license(1),
    })
}

pub fn validate_reply(code: &str, activation_id: Option<&str>) -> Value {
    json!({ "valid": code == "VALID", "code": code, "message": code.to_lowercase(), "license": license(1), "activation_id": activation_id })
}

pub fn error(code: &str) -> Value {
    json!({ "code": code, "message": format!("stub says {code}") })
}

/// The REAL keyturn-server (on the store under test: `KEYTURN_TEST_STORE`) with the product
/// [`PRODUCT`]. Build it first: `cargo build -p keyturn-server` (bash scripts/test.sh does).
pub fn real_server() -> Server {
    Server::options().product(PRODUCT, "Client Tests").start()
}

/// The vendor config for a real server (its own public key).
pub fn config_for(server_url: &str, public_key: &str) -> VendorConfig {
    VendorConfig::from_json(
        &json!({ "product_name": "Client Tests", "product_id": PRODUCT, "server_url": server_url, "public_key": public_key })
            .to_string(),
    )
    .unwrap()
}

/// A device like [`device`], reported as a virtual machine.
pub fn vm_device(host: &str) -> Device {
    let mut d = device(host);
    d.virt = VirtInfo {
        vm: true,
        container: false,
        kind: Some("kvm".into()),
    };
    d
}

/// A device whose fingerprint comes from the override variable.
pub fn override_device(value: &str) -> Device {
    let value = value.to_owned();
    let probe = Probe {
        sources: vec![Box::new(Fixed::new("cpu", Some("Test CPU 9000"))) as Box<dyn ComponentSource>],
        virt: Box::new(VirtInfo::default()),
        env: Box::new(move |name| (name == "KEYTURN_FINGERPRINT").then(|| value.clone())),
        device_name: Some("container".into()),
        platform: "linux-x86_64".into(),
    };
    Device::detect_with(&probe, PRODUCT, "KEYTURN_FINGERPRINT").unwrap()
}
