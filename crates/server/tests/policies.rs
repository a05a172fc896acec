//! Policy semantics: uniqueness scopes, fuzzy re-binding, VM rule, block/allow lists, trials,
//! status changes, expiry, renew interval / grace / overdue (with the server's test clock).

use keyturn_protocol::token;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn with_components(key: &str, fp: &str, comps: &[(&str, &str)]) -> Value {
    let components: serde_json::Map<String, Value> = comps.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    json!({"key": key, "fingerprint": fp, "components": components, "name": fp, "platform": "linux-x86_64"})
}

#[tokio::test]
async fn per_license_uniqueness_lets_a_device_use_two_licenses() {
    let server = Server::start();
    let (_, policy) = server.product_policy(2, &["--uniqueness", "PER_LICENSE"]);
    let (a, b) = (server.license(&policy), server.license(&policy));
    assert_eq!(server.activate(&a, "dev").await.0, StatusCode::CREATED);
    assert_eq!(server.activate(&b, "dev").await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn per_policy_uniqueness() {
    let server = Server::start();
    let (product, policy) = server.product_policy(2, &["--uniqueness", "PER_POLICY"]);
    let other_policy = server.cli(&[
        "policy",
        "create",
        "--product",
        &product,
        "--name",
        "Other",
        "--max-machines",
        "2",
    ]);
    let (a, b, c) = (
        server.license(&policy),
        server.license(&policy),
        server.license(&other_policy),
    );
    assert_eq!(server.activate(&a, "dev").await.0, StatusCode::CREATED);
    let (status, v) = server.activate(&b, "dev").await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "FINGERPRINT_IN_USE"));
    assert_eq!(
        server.activate(&c, "dev").await.0,
        StatusCode::CREATED,
        "another policy is another scope"
    );
    // Re-activating on the license that holds it is fine.
    assert_eq!(server.activate(&a, "dev").await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn per_account_uniqueness() {
    let server = Server::start();
    let (_, strict) = server.product_policy(2, &["--uniqueness", "per_account"]);
    let (_, lax) = server.product_policy(2, &[]);
    let lax_key = server.license(&lax);
    let strict_key = server.license(&strict);
    assert_eq!(server.activate(&lax_key, "dev").await.0, StatusCode::CREATED);
    let (status, v) = server.activate(&strict_key, "dev").await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "FINGERPRINT_IN_USE"));
    assert_eq!(server.activate(&strict_key, "dev-2").await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn fuzzy_matching_rebinds_a_changed_device() {
    let server = Server::start();
    let (_, policy) = server.product_policy(1, &["--matching", "FUZZY", "--fuzzy-min", "2"]);
    let key = server.license(&policy);
    let (status, first) = server
        .post(
            "/v1/activations",
            with_components(&key, "fp-old", &[("cpu", "a"), ("disk", "b"), ("mac", "c")]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // The NIC changed: 2 of 3 components still match → the same activation, re-bound.
    let (status, second) = server
        .post(
            "/v1/activations",
            with_components(&key, "fp-new", &[("cpu", "a"), ("disk", "b"), ("mac", "z")]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(first["machine"]["id"], second["machine"]["id"]);
    assert_eq!(second["license"]["seats_used"], 1);
    assert_eq!(code(&server.validate(&key, "fp-new").await.1), "VALID");
    assert_eq!(code(&server.validate(&key, "fp-old").await.1), "FINGERPRINT_NOT_FOUND");
    // Only one component in common: a different device, and the only seat is taken.
    let (status, v) = server
        .post(
            "/v1/activations",
            with_components(&key, "fp-other", &[("cpu", "a"), ("disk", "x"), ("mac", "y")]),
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"));
}

#[tokio::test]
async fn exact_matching_never_rebinds() {
    let server = Server::start();
    let key = server.fresh_license(1);
    assert_eq!(
        server
            .post(
                "/v1/activations",
                with_components(&key, "fp-old", &[("cpu", "a"), ("disk", "b")])
            )
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, v) = server
        .post(
            "/v1/activations",
            with_components(&key, "fp-new", &[("cpu", "a"), ("disk", "b")]),
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"));
}

#[tokio::test]
async fn vms_refused_by_policy_unless_allowed() {
    let server = Server::start();
    let (product, policy) = server.product_policy(3, &["--allow-vm", "false"]);
    let key = server.license(&policy);
    let mut body = activation_body(&key, "vm-1");
    body["virt"] = json!({"vm": true, "container": false, "kind": "kvm"});
    let (status, v) = server.post("/v1/activations", body.clone()).await;
    assert_eq!((status, code(&v)), (StatusCode::FORBIDDEN, "VM_NOT_ALLOWED"));
    server.cli(&["fingerprint", "allow", "--product", &product, "--fingerprint", "vm-1"]);
    assert_eq!(server.post("/v1/activations", body).await.0, StatusCode::CREATED);
    let mut container = activation_body(&key, "ct-1");
    container["virt"] = json!({"vm": false, "container": true});
    assert_eq!(server.post("/v1/activations", container).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn block_list() {
    let server = Server::start();
    let (product, policy) = server.product_policy(3, &[]);
    let key = server.license(&policy);
    assert_eq!(server.activate(&key, "bad").await.0, StatusCode::CREATED);
    server.cli(&["fingerprint", "block", "--product", &product, "--fingerprint", "bad"]);
    let (status, v) = server.validate(&key, "bad").await;
    assert_eq!(
        (status, code(&v), v["valid"].clone()),
        (StatusCode::OK, "FINGERPRINT_BLOCKED", json!(false))
    );
    let (status, v) = server.activate(&key, "bad").await;
    assert_eq!((status, code(&v)), (StatusCode::FORBIDDEN, "FINGERPRINT_BLOCKED"));
    assert_eq!(code(&server.validate(&key, "good").await.1), "FINGERPRINT_NOT_FOUND");
    server.cli(&["fingerprint", "clear", "--product", &product, "--fingerprint", "bad"]);
    assert_eq!(code(&server.validate(&key, "bad").await.1), "VALID");
}

#[tokio::test]
async fn one_trial_per_device() {
    let server = Server::start();
    let product = server.cli(&["product", "create", "--name", "Trialware", "--id", "tw"]);
    server.cli(&[
        "policy",
        "create",
        "--product",
        &product,
        "--name",
        "Trial",
        "--max-machines",
        "1",
        "--trial",
        "--duration",
        "3600",
    ]);
    let body = json!({"product_id": "tw", "fingerprint": "dev-1", "name": "laptop", "platform": "linux-x86_64"});
    let (status, v) = server.post("/v1/trials", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let key = v["key"].as_str().unwrap().to_string();
    let public = token::parse_public_key(&server.cli(&["public-key"])).unwrap();
    let claims = token::verify(v["token"].as_str().unwrap(), &public).unwrap();
    assert_eq!(claims.fingerprint, "dev-1");
    let expires = v["license"]["expires_at"].as_i64().unwrap();
    assert!((expires - claims.iat - 3600).abs() <= 2);
    let (_, valid) = server.validate(&key, "dev-1").await;
    assert_eq!(code(&valid), "VALID");
    let (status, v) = server.post("/v1/trials", body).await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "TRIAL_USED"));
    let (status, _) = server
        .post("/v1/trials", json!({"product_id": "tw", "fingerprint": "dev-2"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, v) = server
        .post("/v1/trials", json!({"product_id": "nope", "fingerprint": "dev-3"}))
        .await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}

#[tokio::test]
async fn suspend_reinstate_revoke() {
    let server = Server::start();
    let key = server.fresh_license(2);
    let (_, act) = server.activate(&key, "dev").await;
    let id = act["machine"]["id"].as_str().unwrap().to_string();
    let (status, _) = server
        .admin(Method::POST, &format!("/licenses/{key}/suspend"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = server.validate(&key, "dev").await;
    assert_eq!(
        (status, code(&v), v["license"]["status"].clone()),
        (StatusCode::OK, "SUSPENDED", json!("SUSPENDED"))
    );
    let (status, v) = server
        .send(
            Method::PATCH,
            &format!("/v1/activations/{id}"),
            Some(activation_body(&key, "dev")),
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::FORBIDDEN, "SUSPENDED"));
    assert_eq!(v["license"]["status"], "SUSPENDED");
    server
        .admin(Method::POST, &format!("/licenses/{key}/reinstate"), None)
        .await;
    assert_eq!(code(&server.validate(&key, "dev").await.1), "VALID");
    server.cli(&["license", "revoke", "--license", &key]);
    assert_eq!(code(&server.validate(&key, "dev").await.1), "REVOKED");
    let (status, v) = server.activate(&key, "dev-2").await;
    assert_eq!((status, code(&v)), (StatusCode::FORBIDDEN, "REVOKED"));
}

#[tokio::test]
async fn expiry_and_extension() {
    let server = Server::start();
    let (_, policy) = server.product_policy(2, &["--duration", "3600"]);
    let key = server.license(&policy);
    assert_eq!(server.activate(&key, "dev").await.0, StatusCode::CREATED);
    assert_eq!(code(&server.validate(&key, "dev").await.1), "VALID");
    server.set_clock_offset(7200).await;
    let (status, v) = server.validate(&key, "dev").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "EXPIRED"));
    let (status, v) = server.activate(&key, "dev-2").await;
    assert_eq!((status, code(&v)), (StatusCode::FORBIDDEN, "EXPIRED"));
    // Support sees it as EXPIRED wherever the status is shown (admin API, CLI, console search).
    let (_, shown) = server
        .admin(reqwest::Method::GET, &format!("/licenses/{key}"), None)
        .await;
    assert_eq!(shown["status"], "EXPIRED", "{shown}");
    let listed = server.admin(reqwest::Method::GET, "/licenses", None).await.1;
    assert_eq!(listed[0]["status"], "EXPIRED", "{listed}");
    let new_expiry: i64 = server
        .cli(&["license", "extend", "--license", &key, "--secs", "86400"])
        .parse()
        .unwrap();
    let (_, v) = server.validate(&key, "dev").await;
    assert_eq!(code(&v), "VALID");
    assert_eq!(v["license"]["expires_at"], new_expiry);
    server.cli(&["license", "extend", "--license", &key, "--never"]);
    server.set_clock_offset(10 * 365 * 86400).await;
    let (_, v) = server.validate(&key, "dev").await;
    assert_eq!(v["license"]["expires_at"], Value::Null);
}

#[tokio::test]
async fn renew_interval_grace_and_overdue() {
    let server = Server::start();
    let (_, policy) = server.product_policy(2, &["--renew-interval", "100", "--grace", "50"]);
    let key = server.license(&policy);
    let body = activation_body(&key, "dev");
    let (_, act) = server.post("/v1/activations", body.clone()).await;
    let public = token::parse_public_key(&server.cli(&["public-key"])).unwrap();
    let claims = token::verify(act["token"].as_str().unwrap(), &public).unwrap();
    assert_eq!(claims.renew_by - claims.iat, 100);
    assert_eq!(claims.exp - claims.renew_by, 50);
    let id = act["machine"]["id"].as_str().unwrap().to_string();

    server.set_clock_offset(120).await; // past renew-by, within grace
    assert_eq!(code(&server.validate(&key, "dev").await.1), "VALID");
    server.set_clock_offset(151).await; // past renew-by + grace
    let (status, v) = server.validate(&key, "dev").await;
    assert_eq!(
        (status, code(&v), v["valid"].clone()),
        (StatusCode::OK, "OVERDUE", json!(false))
    );
    // Renewing (the same body as the activation) brings it back.
    let (status, renewed) = server
        .send(Method::PATCH, &format!("/v1/activations/{id}"), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    let claims = token::verify(renewed["token"].as_str().unwrap(), &public).unwrap();
    assert_eq!(claims.renew_by - claims.iat, 100);
    assert_eq!(code(&server.validate(&key, "dev").await.1), "VALID");
}

#[tokio::test]
async fn reset_bindings_frees_every_seat() {
    let server = Server::start();
    let key = server.fresh_license(2);
    for fp in ["a", "b"] {
        server.activate(&key, fp).await;
    }
    assert_eq!(server.cli(&["license", "reset", "--license", &key]), "2");
    let (_, v) = server.post("/v1/machines", json!({"key": key})).await;
    assert_eq!(v["machines"], json!([]));
    assert_eq!(code(&server.validate(&key, "a").await.1), "FINGERPRINT_NOT_FOUND");
    assert_eq!(server.activate(&key, "c").await.0, StatusCode::CREATED);
}
