//! Requests of the floating-seat client API and the event log, as the tests send them.

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// A floating license with `seats` seats, a 60-second lease and borrowing up to an hour.
pub fn floating(server: &Server, seats: u32) -> String {
    let (_, policy) = server.product_policy(
        seats,
        &["--floating", "--lease-secs", "60", "--max-borrow-secs", "3600"],
    );
    server.license(&policy)
}

pub async fn checkout(server: &Server, key: &str, fp: &str) -> (StatusCode, Value) {
    server
        .post(
            "/v1/leases",
            json!({"key": key, "fingerprint": fp, "name": format!("host-{fp}"), "platform": "linux"}),
        )
        .await
}

pub async fn borrow(server: &Server, key: &str, fp: &str, secs: i64) -> (StatusCode, Value) {
    server
        .post(
            "/v1/leases",
            json!({"key": key, "fingerprint": fp, "borrow_secs": secs}),
        )
        .await
}

pub async fn heartbeat(server: &Server, key: &str, lease: &str, fp: &str) -> (StatusCode, Value) {
    server
        .post(
            &format!("/v1/leases/{lease}/heartbeat"),
            json!({"key": key, "fingerprint": fp}),
        )
        .await
}

pub async fn release(server: &Server, key: &str, lease: &str) -> (StatusCode, Value) {
    server
        .post(&format!("/v1/leases/{lease}/release"), json!({"key": key}))
        .await
}

pub fn lease_id(v: &Value) -> String {
    v["lease"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no lease in {v}"))
        .to_string()
}

/// The claims of a token (its signature is checked by the client crate's tests).
pub fn claims(token: &str) -> Value {
    use base64::Engine;
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

pub async fn actions(server: &Server, key: &str) -> Vec<(String, String, String)> {
    let license = server.admin(Method::GET, &format!("/licenses/{key}"), None).await.1;
    let id = license["license"]["id"]
        .as_str()
        .or(license["id"].as_str())
        .unwrap()
        .to_string();
    let (_, page) = server
        .admin(Method::GET, &format!("/events?license_id={id}&limit=500"), None)
        .await;
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("outcome"), s("actor"))
        })
        .collect()
}
