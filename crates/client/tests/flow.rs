//! The activation flow against a scripted stub server (the real server: `real_server.rs`).

mod support;

use keyturn_client::flow::{activate_device_with, free_and_retry_with, FlowStep};
use keyturn_client::{ActivationOutcome, ApiClient, Code, FlowError, OfflineError};
use keyturn_testkit::stub::{Reply, Stub};
use serde_json::json;
use support::fixtures::*;

async fn run(stub: &Stub) -> Result<ActivationOutcome, FlowError> {
    let api = ApiClient::new(&stub.url).unwrap();
    activate_device_with(&api, &config(&stub.url), &key(), &device("alice"), NOW, |_| {}).await
}

#[tokio::test]
async fn new_device_is_activated_with_a_verified_token() {
    let stub = Stub::start(|r| match r.path.as_str() {
        "/v1/validate" => Reply::Json(200, validate_reply("FINGERPRINT_NOT_FOUND", None)),
        "/v1/activations" => Reply::Json(201, activation_reply("act_1", &r.body, NOW)),
        _ => Reply::Json(404, error("ROUTE_NOT_FOUND")),
    })
    .await;
    let api = ApiClient::new(&stub.url).unwrap();
    let mut steps = Vec::new();
    let outcome = activate_device_with(&api, &config(&stub.url), &key(), &device("alice"), NOW, |s| {
        steps.push(s)
    })
    .await
    .unwrap();
    let ActivationOutcome::Activated(activation) = outcome else {
        panic!("not activated: {outcome:?}")
    };
    assert_eq!(activation.activation_id(), "act_1");
    assert_eq!(activation.claims.fingerprint, device("alice").fingerprint);
    assert_eq!(steps, [FlowStep::Validating, FlowStep::Activating, FlowStep::Verifying]);
    assert_eq!(stub.calls(), ["POST /v1/validate", "POST /v1/activations"]);
    // The activation carries the device: fingerprint, component hashes, name, platform, virt.
    let sent = &stub.requests()[1].body;
    assert_eq!(sent["key"], key().canonical());
    assert_eq!(sent["name"], "alice");
    assert_eq!(sent["platform"], "linux-x86_64");
    assert_eq!(sent["components"].as_object().unwrap().len(), 3);
    assert_eq!(sent["virt"], json!({"vm": false, "container": false}));
}

#[tokio::test]
async fn already_activated_device_renews_with_the_very_same_body() {
    let stub = Stub::start(|r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/validate") => Reply::Json(200, validate_reply("VALID", Some("act_9"))),
        ("PATCH", "/v1/activations/act_9") => Reply::Json(200, activation_reply("act_9", &r.body, NOW)),
        _ => Reply::Json(404, error("ROUTE_NOT_FOUND")),
    })
    .await;
    let ActivationOutcome::Activated(a) = run(&stub).await.unwrap() else {
        panic!()
    };
    assert_eq!(a.activation_id(), "act_9");
    assert_eq!(stub.calls(), ["POST /v1/validate", "PATCH /v1/activations/act_9"]);
    let expected = serde_json::to_value(device("alice").activate_request(&key())).unwrap();
    assert_eq!(stub.requests()[1].body, expected);
}

#[tokio::test]
async fn activation_freed_elsewhere_is_bound_again() {
    let stub = Stub::start(|r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/validate") => Reply::Json(200, validate_reply("VALID", Some("act_9"))),
        ("PATCH", _) => Reply::Json(404, error("ACTIVATION_NOT_FOUND")),
        ("POST", "/v1/activations") => Reply::Json(201, activation_reply("act_10", &r.body, NOW)),
        _ => Reply::Json(404, error("ROUTE_NOT_FOUND")),
    })
    .await;
    let ActivationOutcome::Activated(a) = run(&stub).await.unwrap() else {
        panic!()
    };
    assert_eq!(a.activation_id(), "act_10");
}

#[tokio::test]
async fn limit_reached_carries_the_machines_and_freeing_one_resumes() {
    let freed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = freed.clone();
    let stub = Stub::start(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/validate") => Reply::Json(200, validate_reply("FINGERPRINT_NOT_FOUND", None)),
        ("POST", "/v1/activations") if !flag.load(std::sync::atomic::Ordering::SeqCst) => {
            let mut body = error("MACHINE_LIMIT_EXCEEDED");
            body["machines"] = json!([machine("act_1", "bob"), machine("act_2", "carol")]);
            body["license"] = json!(license(2));
            Reply::Json(403, body)
        }
        ("POST", "/v1/activations") => Reply::Json(201, activation_reply("act_3", &r.body, NOW)),
        ("POST", "/v1/activations/act_1/deactivate") => {
            assert_eq!(r.body, json!({"key": key().canonical()}));
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Reply::NoContent
        }
        _ => Reply::Json(404, error("ROUTE_NOT_FOUND")),
    })
    .await;
    let ActivationOutcome::LimitReached { license, machines } = run(&stub).await.unwrap() else {
        panic!()
    };
    assert_eq!((license.seats_used, license.seats_max), (2, 2));
    assert_eq!(
        machines.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["bob", "carol"]
    );
    let api = ApiClient::new(&stub.url).unwrap();
    let outcome = free_and_retry_with(&api, &config(&stub.url), &key(), &device("alice"), "act_1", NOW, |_| {}).await;
    let ActivationOutcome::Activated(a) = outcome.unwrap() else {
        panic!()
    };
    assert_eq!(a.activation_id(), "act_3");
    assert_eq!(
        stub.calls()[2..],
        [
            "POST /v1/activations/act_1/deactivate",
            "POST /v1/validate",
            "POST /v1/activations"
        ]
    );
}

#[tokio::test]
async fn limit_reached_without_machines_asks_for_them() {
    let stub = Stub::start(|r| match r.path.as_str() {
        "/v1/validate" => Reply::Json(200, validate_reply("FINGERPRINT_NOT_FOUND", None)),
        "/v1/activations" => Reply::Json(403, error("MACHINE_LIMIT_EXCEEDED")),
        "/v1/machines" => {
            assert_eq!(r.body["fingerprint"], device("alice").fingerprint.as_str());
            Reply::Json(
                200,
                json!({"machines": [machine("act_1", "bob")], "license": license(1)}),
            )
        }
        _ => Reply::Json(404, error("ROUTE_NOT_FOUND")),
    })
    .await;
    let ActivationOutcome::LimitReached { machines, .. } = run(&stub).await.unwrap() else {
        panic!()
    };
    assert_eq!(machines.len(), 1);
    assert_eq!(
        stub.calls(),
        ["POST /v1/validate", "POST /v1/activations", "POST /v1/machines"]
    );
}

#[tokio::test]
async fn license_refusals_keep_their_code() {
    for code in ["SUSPENDED", "REVOKED", "EXPIRED", "FINGERPRINT_BLOCKED"] {
        let stub = Stub::start(move |_| Reply::Json(200, validate_reply(code, None))).await;
        let err = run(&stub).await.unwrap_err();
        assert!(matches!(&err, FlowError::Refused { license: Some(_), .. }), "{err:?}");
        assert_eq!(err.code().unwrap().as_str(), code);
        assert!(!err.is_offline());
        assert_eq!(stub.calls().len(), 1, "no activation attempt after {code}");
    }
    let stub = Stub::start(|_| Reply::Json(404, error("NOT_FOUND"))).await;
    assert_eq!(run(&stub).await.unwrap_err().code(), Some(Code::NotFound));
    let stub = Stub::start(|r| match r.path.as_str() {
        "/v1/validate" => Reply::Json(200, validate_reply("FINGERPRINT_NOT_FOUND", None)),
        _ => Reply::Json(403, error("VM_NOT_ALLOWED")),
    })
    .await;
    assert_eq!(run(&stub).await.unwrap_err().code(), Some(Code::VmNotAllowed));
}

#[tokio::test]
async fn a_token_that_does_not_check_out_is_refused() {
    // Signed by another key.
    let stub = Stub::start(|r| match r.path.as_str() {
        "/v1/validate" => Reply::Json(200, validate_reply("FINGERPRINT_NOT_FOUND", None)),
        _ => {
            let mut reply = activation_reply("act_1", &r.body, NOW);
            let claims = claims("act_1", r.body["fingerprint"].as_str().unwrap(), NOW);
            reply["token"] = json!(keyturn_protocol::token::sign(
                &claims,
                &keyturn_protocol::token::signing_key_from_seed([99; 32])
            ));
            Reply::Json(201, reply)
        }
    })
    .await;
    assert!(matches!(
        run(&stub).await,
        Err(FlowError::Token(OfflineError::Token(_)))
    ));
    // Issued for another device.
    let stub = Stub::start(|r| match r.path.as_str() {
        "/v1/validate" => Reply::Json(200, validate_reply("FINGERPRINT_NOT_FOUND", None)),
        _ => {
            let mut reply = activation_reply("act_1", &r.body, NOW);
            reply["token"] = json!(token_for("act_1", "someone-else", NOW));
            Reply::Json(201, reply)
        }
    })
    .await;
    assert!(matches!(
        run(&stub).await,
        Err(FlowError::Token(OfflineError::FingerprintMismatch))
    ));
}

#[tokio::test]
async fn offline_is_never_an_invalid_key() {
    let url = keyturn_testkit::stub::refused_url().await;
    let api = ApiClient::new(&url).unwrap();
    let err = activate_device_with(&api, &config(&url), &key(), &device("alice"), NOW, |_| {})
        .await
        .unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    assert_eq!(err.code(), None);
}
