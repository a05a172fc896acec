//! The CLI contract and the client endpoints' main paths, over real HTTP.

mod cli;

use keyturn_protocol::token;
use keyturn_protocol::LicenseKey;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn demo_keys_behave_as_labelled() {
    let server = Server::start();
    let table = server.cli(&["demo"]);
    let key_of = |label: &str| {
        table
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap()
            .split_whitespace()
            .nth(1)
            .unwrap()
            .to_string()
    };
    let (status, v) = server.validate(&key_of("suspended"), "fp-1").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "SUSPENDED"));
    let single = key_of("single");
    assert_eq!(server.activate(&single, "fp-1").await.0, StatusCode::CREATED);
    let (status, v) = server.activate(&single, "fp-2").await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"));
    let (_, v) = server.validate(&key_of("standard-1"), "fp-1").await;
    assert_eq!(v["license"]["seats_max"], 3);
    assert_eq!(v["license"]["product_name"], "Keyturn Demo");
}

#[tokio::test]
async fn activate_validate_renew_deactivate() {
    let server = Server::start();
    let key = server.fresh_license(3);
    let public = token::parse_public_key(&server.cli(&["public-key"])).unwrap();

    let (status, v) = server.validate(&key, "device-a").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "FINGERPRINT_NOT_FOUND"));
    assert_eq!(v["valid"], false);

    let body = activation_body(&key, "device-a");
    let (status, act) = server.post("/v1/activations", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{act}");
    let id = act["machine"]["id"].as_str().unwrap().to_string();
    assert_eq!(act["machine"]["is_this_device"], true);
    assert_eq!(act["license"]["seats_used"], 1);
    let claims = token::verify(act["token"].as_str().unwrap(), &public).expect("token verifies with the public key");
    assert_eq!(claims.sub, id);
    assert_eq!(claims.fingerprint, "device-a");
    assert!(claims.iat <= claims.renew_by && claims.renew_by < claims.exp);

    let (status, v) = server.validate(&key, "device-a").await;
    assert_eq!(
        (status, code(&v), v["valid"].clone()),
        (StatusCode::OK, "VALID", json!(true))
    );
    assert_eq!(v["activation_id"], id.as_str());

    // Renewing with the very same body as the activation succeeds.
    let (status, renewed) = server
        .send(Method::PATCH, &format!("/v1/activations/{id}"), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{renewed}");
    assert_eq!(renewed["machine"]["id"], id.as_str());
    token::verify(renewed["token"].as_str().unwrap(), &public).unwrap();

    // Another device renewing this activation is refused.
    let other = activation_body(&key, "device-b");
    let (status, v) = server
        .send(Method::PATCH, &format!("/v1/activations/{id}"), Some(other))
        .await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "FINGERPRINT_MISMATCH"));

    let (status, v) = server
        .post("/v1/machines", json!({"key": key, "fingerprint": "device-a"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["machines"].as_array().unwrap().len(), 1);
    assert_eq!(v["machines"][0]["is_this_device"], true);

    let (status, v) = server
        .post(&format!("/v1/activations/{id}/deactivate"), json!({"key": key}))
        .await;
    assert_eq!((status, v), (StatusCode::NO_CONTENT, serde_json::Value::Null));
    let (status, v) = server
        .post(&format!("/v1/activations/{id}/deactivate"), json!({"key": key}))
        .await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "ACTIVATION_NOT_FOUND"));
    let (status, v) = server
        .send(Method::PATCH, &format!("/v1/activations/{id}"), Some(body))
        .await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "ACTIVATION_NOT_FOUND"));
    let (_, v) = server.validate(&key, "device-a").await;
    assert_eq!(code(&v), "FINGERPRINT_NOT_FOUND");
}

#[tokio::test]
async fn activating_a_bound_device_again_returns_the_same_machine() {
    let server = Server::start();
    let key = server.fresh_license(1);
    let (s1, a) = server.activate(&key, "same").await;
    let (s2, b) = server.activate(&key, "same").await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(a["machine"]["id"], b["machine"]["id"]);
    assert_eq!(b["license"]["seats_used"], 1);
}

#[tokio::test]
async fn machine_limit_carries_the_bound_machines() {
    let server = Server::start();
    let key = server.fresh_license(2);
    for fp in ["m1", "m2"] {
        assert_eq!(server.activate(&key, fp).await.0, StatusCode::CREATED);
    }
    let (status, v) = server.activate(&key, "m3").await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"));
    let machines = v["machines"].as_array().unwrap();
    assert_eq!(machines.len(), 2);
    assert_eq!(machines[0]["name"], "host-m1");
    assert_eq!(v["license"]["seats_used"], 2);
    assert_eq!(v["license"]["seats_max"], 2);
    // Free one; the third device gets in.
    let id = machines[0]["id"].as_str().unwrap();
    assert_eq!(
        server
            .post(&format!("/v1/activations/{id}/deactivate"), json!({"key": key}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(server.activate(&key, "m3").await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn unknown_and_malformed_keys() {
    let server = Server::start();
    let unknown = LicenseKey::from_random_bytes([7; 18]).to_string();
    let (status, v) = server.validate(&unknown, "fp").await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    assert!(v["message"].is_string());
    let (status, v) = server.validate("NOT-A-KEY", "fp").await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "INVALID_KEY_FORMAT"));
    let (status, v) = server.activate(&unknown, "fp").await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let key = server.fresh_license(1);
    let (status, v) = server.validate(&key, "has space").await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "INVALID_FINGERPRINT"));
}

#[tokio::test]
async fn one_key_never_touches_another_licenses_machines() {
    let server = Server::start();
    let a = server.fresh_license(2);
    let b = server.fresh_license(2);
    let (_, act) = server.activate(&a, "dev").await;
    let id = act["machine"]["id"].as_str().unwrap();
    let (status, v) = server
        .post(&format!("/v1/activations/{id}/deactivate"), json!({"key": b}))
        .await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "ACTIVATION_NOT_FOUND"));
    let (status, v) = server
        .send(
            Method::PATCH,
            &format!("/v1/activations/{id}"),
            Some(activation_body(&b, "dev")),
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "ACTIVATION_NOT_FOUND"));
    let (_, v) = server.post("/v1/machines", json!({"key": b})).await;
    assert_eq!(v["machines"], json!([]));
    assert_eq!(server.validate(&a, "dev").await.1["code"], "VALID");
}

/// Validate answers from memory, and reads keep their snapshot, while the database is unchanged;
/// each change the CLI commits from its own process shows in the very next answer (on
/// PostgreSQL, once the server heard of it: milliseconds; `Server::cli` waits for that).
#[tokio::test]
async fn validate_sees_each_change_of_another_process_at_once() {
    let server = Server::start();
    let key = server.fresh_license(2);
    let (_, act) = server.activate(&key, "d1").await;
    let machine = act["machine"]["id"].as_str().unwrap().to_string();
    let product = server.validate(&key, "d1").await.1["license"]["product_id"]
        .as_str()
        .unwrap()
        .to_string();
    let fingerprint =
        |verb: &str| ["fingerprint", verb, "--product", &product, "--fingerprint", "d1"].map(String::from);
    let steps: Vec<(Vec<String>, &str)> = vec![
        (
            ["license", "suspend", "--license", &key].map(String::from).to_vec(),
            "SUSPENDED",
        ),
        (
            ["license", "reinstate", "--license", &key].map(String::from).to_vec(),
            "VALID",
        ),
        (fingerprint("block").to_vec(), "FINGERPRINT_BLOCKED"),
        (fingerprint("clear").to_vec(), "VALID"),
        (
            ["license", "extend", "--license", &key, "--expires-at", "1"]
                .map(String::from)
                .to_vec(),
            "EXPIRED",
        ),
        (
            ["license", "extend", "--license", &key, "--never"]
                .map(String::from)
                .to_vec(),
            "VALID",
        ),
        (
            ["license", "remove-machine", "--license", &key, "--machine", &machine]
                .map(String::from)
                .to_vec(),
            "FINGERPRINT_NOT_FOUND",
        ),
    ];
    for (args, expected) in steps {
        // Twice before the change: the second answer may come from memory.
        for _ in 0..2 {
            server.validate(&key, "d1").await;
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        server.cli(&args);
        for _ in 0..2 {
            assert_eq!(code(&server.validate(&key, "d1").await.1), expected, "after {args:?}");
        }
    }
    // The server's own changes too: activation, then validate at once.
    assert_eq!(server.activate(&key, "d1").await.0, StatusCode::CREATED);
    assert_eq!(code(&server.validate(&key, "d1").await.1), "VALID");
    // Other reads as well (the read connections keep their snapshot while nothing changed).
    let listed = || async { server.post("/v1/machines", json!({"key": key})).await.1["machines"].clone() };
    assert_eq!(listed().await.as_array().unwrap().len(), 1);
    server.cli(&["license", "reset", "--license", &key]);
    assert_eq!(listed().await, json!([]), "machines after the CLI's reset");
}

/// SIGTERM ends the server with status 0; every request it answered is in the access log by
/// then (log lines are written in batches; the last batch must not be lost on exit).
#[tokio::test]
async fn server_exits_cleanly_on_sigterm_with_every_request_logged() {
    let mut server = Server::start();
    let key = server.fresh_license(1);
    for i in 0..300 {
        assert_eq!(server.validate(&key, &format!("fp-{i}")).await.0, StatusCode::OK);
    }
    assert_eq!(server.post("/no/such/route", json!({})).await.0, StatusCode::NOT_FOUND);
    let pid = server.pid().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(status) = server.try_wait() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "server did not exit after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    eventually("the last log line", std::time::Duration::from_secs(10), || async {
        server.logs().contains("keyturn_server::http::serve: stopped")
    })
    .await;
    let logs = server.logs();
    let validated = logs
        .lines()
        .filter(|l| l.contains(r#"request method=POST route="/v1/validate" status=200 micros="#))
        .count();
    assert_eq!(validated, 300, "access lines for validate");
    assert_eq!(
        logs.matches(r#"request method=POST route="-" status=404"#).count(),
        1,
        "the unknown route (its path is never logged)"
    );
    assert!(!logs.contains("/no/such/route"));
    assert!(logs.trim_end().ends_with("stopped"), "stopped is the last line");
}
