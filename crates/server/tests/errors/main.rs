//! Every refusal is JSON {code, message} with the right status; never a 500.

mod limits;

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

async fn raw(
    server: &Server,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    // A fresh connection each time: a refused oversized body ends its connection.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let mut req = http.request(method, format!("{}{}", server.url, path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    assert!(value["message"].is_string(), "{value}");
    (status, value)
}

#[tokio::test]
async fn bad_bodies_get_stable_codes() {
    let server = Server::start();
    let key = server.fresh_license(1);
    let json_ct = Some("application/json");
    type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            "malformed",
            json_ct,
            b"{\"key\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            "not an object",
            json_ct,
            b"[1,2,3]".to_vec(),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        ("empty", json_ct, Vec::new(), StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        (
            "garbage bytes",
            json_ct,
            vec![0xff, 0xfe, 0x00, 0x01],
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            "unknown field",
            json_ct,
            json!({"key": key, "fingerprint": "f", "admin": true})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            "wrong type",
            json_ct,
            json!({"key": 42, "fingerprint": "f"}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            "missing field",
            json_ct,
            json!({"key": key}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            "no content type",
            None,
            json!({"key": key, "fingerprint": "f"}).to_string().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "text content type",
            Some("text/plain"),
            json!({"key": key, "fingerprint": "f"}).to_string().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "oversized",
            json_ct,
            json!({"key": key, "fingerprint": "f".repeat(100_000)})
                .to_string()
                .into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "long fingerprint",
            json_ct,
            json!({"key": key, "fingerprint": "f".repeat(300)})
                .to_string()
                .into_bytes(),
            StatusCode::BAD_REQUEST,
            "INVALID_FINGERPRINT",
        ),
    ];
    for path in ["/v1/validate", "/v1/activations"] {
        for (what, ct, body, status, code_) in &cases {
            let (got, v) = raw(&server, Method::POST, path, *ct, body.clone()).await;
            assert_eq!((got, code(&v)), (*status, *code_), "{what} on {path}: {v}");
        }
    }
    let (got, v) = raw(
        &server,
        Method::POST,
        "/v1/activations",
        json_ct,
        json!({"key": key, "fingerprint": "f", "virt": {"vm": "yes"}})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!((got, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    let many: serde_json::Map<String, Value> = (0..40).map(|i| (format!("c{i}"), json!("ab"))).collect();
    let (got, v) = raw(
        &server,
        Method::POST,
        "/v1/activations",
        json_ct,
        json!({"key": key, "fingerprint": "f", "components": many})
            .to_string()
            .into_bytes(),
    )
    .await;
    assert_eq!((got, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods() {
    let server = Server::start();
    for (method, path, status, code_) in [
        (Method::GET, "/", StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND"),
        (Method::GET, "/v2/validate", StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND"),
        (
            Method::POST,
            "/v1/activations/x/y/z",
            StatusCode::NOT_FOUND,
            "ROUTE_NOT_FOUND",
        ),
        (
            Method::GET,
            "/v1/validate",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            Method::DELETE,
            "/v1/activations",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            Method::GET,
            "/v1/activations/abc",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
    ] {
        let (got, v) = raw(&server, method.clone(), path, None, Vec::new()).await;
        assert_eq!((got, code(&v)), (status, code_), "{method} {path}");
    }
}

#[tokio::test]
async fn random_bodies_never_cause_a_500() {
    let server = Server::start();
    let key = server.fresh_license(1);
    let bodies = [
        json!(null),
        json!("string"),
        json!({"key": null, "fingerprint": null}),
        json!({"key": key, "fingerprint": ""}),
        json!({"key": key, "fingerprint": "\u{0000}"}),
        json!({"key": key, "fingerprint": "ok", "components": {"cpu": 5}}),
        json!({"key": key, "fingerprint": "ok", "name": "x".repeat(5000)}),
        json!({"key": "é".repeat(100), "fingerprint": "ok"}),
        json!({"product_id": "", "fingerprint": "ok"}),
        json!({"key": key}),
    ];
    let paths = [
        "/v1/validate",
        "/v1/activations",
        "/v1/machines",
        "/v1/trials",
        "/v1/activations/act_x/deactivate",
    ];
    for path in paths {
        for body in &bodies {
            let (status, v) = server.post(path, body.clone()).await;
            assert!(!status.is_server_error(), "{path} {body} -> {status} {v}");
            if status.is_success() {
                continue;
            }
            assert!(v["code"].is_string(), "{v}");
        }
        for body in &bodies {
            let (status, v) = server
                .send(Method::PATCH, "/v1/activations/act_x", Some(body.clone()))
                .await;
            assert!(status.is_client_error(), "PATCH {body} -> {status} {v}");
        }
    }
}

#[tokio::test]
async fn admin_api_needs_the_bearer_token() {
    let server = Server::start();
    let resp = server
        .http
        .get(format!("{}/admin/v1/licenses", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "UNAUTHORIZED");
    let resp = server
        .http
        .get(format!("{}/admin/v1/licenses", server.url))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = server.admin(Method::GET, "/licenses", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn admin_api_is_off_without_a_token() {
    let server = Server::options().without_admin_token().start();
    // Not even the token every other test server takes.
    let (status, _) = server.admin(Method::GET, "/licenses", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logs_never_contain_a_key_or_token() {
    let server = Server::start();
    let key = server.fresh_license(2);
    let canonical = keyturn_protocol::LicenseKey::parse(&key)
        .unwrap()
        .canonical()
        .to_string();
    let (_, act) = server.activate(&key, "device").await;
    let token = act["token"].as_str().unwrap().to_string();
    let id = act["machine"]["id"].as_str().unwrap().to_string();
    server.validate(&key, "device").await;
    server
        .send(
            Method::PATCH,
            &format!("/v1/activations/{id}"),
            Some(activation_body(&key, "device")),
        )
        .await;
    server
        .admin(Method::POST, &format!("/licenses/{key}/suspend"), None)
        .await;
    server.validate(&key, "device").await;
    eventually("request logs", Duration::from_secs(10), || async {
        server.logs().matches("request").count() >= 5
    })
    .await;
    let logs = server.logs();
    assert!(!logs.contains(&key) && !logs.contains(&canonical), "key in logs");
    assert!(!logs.contains(&token[..40]), "token in logs");
    assert!(!logs.contains(&key[..11]), "more than the key's first group in logs");
}
