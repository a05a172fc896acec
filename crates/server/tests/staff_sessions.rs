//! Staff sign-in and tokens over time, on the store under test (the replica test always on
//! PostgreSQL): throttling per account and per address, TOTP against the server's test clock,
//! disabled accounts and revoked tokens refused on a second replica within a second, every event
//! naming its actor, no secret in any log line, event or answer, and the root token turned off.

mod staff_common;

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use staff_common::*;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_throttled_per_account_and_per_address() {
    let server = Server::start_with(&["--trust-proxy"]);
    add_staff(&server, "ann@acme.com", "support");
    add_staff(&server, "bob@acme.com", "support");
    let wrong = json!({"email": "ann@acme.com", "password": "not the password at all"});
    let right = json!({"email": "ann@acme.com", "password": PASSWORD});
    // An attacker at 10.0.0.1 fails five times: the account then waits one step (6 s at most)...
    for _ in 0..5 {
        let (status, body) = sign_in(&server, wrong.clone(), Some("10.0.0.1")).await.err().unwrap();
        assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"));
    }
    let (status, body) = sign_in(&server, right.clone(), Some("10.0.0.2")).await.err().unwrap();
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"),
        "{body}"
    );
    // ... other accounts do not ...
    sign_in(
        &server,
        json!({"email": "bob@acme.com", "password": PASSWORD}),
        Some("10.0.0.2"),
    )
    .await
    .expect("bob is not throttled");
    // One address guessing many accounts is cut off after 10 failures (5 already).
    for i in 0..5 {
        let guess = json!({"email": format!("nobody{i}@acme.com"), "password": "whatever it is"});
        assert_eq!(
            sign_in(&server, guess, Some("10.0.0.1")).await.err().unwrap().0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, _) = sign_in(
        &server,
        json!({"email": "bob@acme.com", "password": PASSWORD}),
        Some("10.0.0.1"),
    )
    .await
    .err()
    .unwrap();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // The real agent is in again after one step (6 s on the server's clock), from her address.
    server.set_clock_offset(6).await;
    sign_in(&server, right.clone(), Some("10.0.0.2"))
        .await
        .expect("ann is in again after one step");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_codes_follow_the_servers_clock_and_can_be_required_for_everyone() {
    let server = Server::start();
    add_staff(&server, "ann@acme.com", "support");
    add_staff(&server, "carl@acme.com", "support");
    let key = server.fresh_license(2);
    let now = server.set_clock_offset(3 * 3600).await;
    let ann = sign_in_staff(&server, "ann@acme.com").await;
    let (_, begun) = ann.call(Method::POST, "/me/totp/begin", None).await;
    let secret_text = begun["secret"].as_str().unwrap().to_string();
    let secret = keyturn_server::domain::staff::totp::from_base32(&secret_text).unwrap();
    let at = |t: i64| keyturn_server::domain::staff::totp::code_at(&secret, t);
    let (status, body) = ann
        .call(
            Method::POST,
            "/me/totp",
            Some(json!({"secret": secret_text, "code": at(now - 3 * 3600)})),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"),
        "real time is not the server's"
    );
    let (status, body) = ann
        .call(
            Method::POST,
            "/me/totp",
            Some(json!({"secret": secret_text, "code": at(now)})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let creds = |code: Option<String>| json!({"email": "ann@acme.com", "password": PASSWORD, "totp": code});
    let (status, body) = sign_in(&server, creds(None), None).await.err().unwrap();
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "TOTP_REQUIRED"));
    let (status, _) = sign_in(&server, creds(Some(at(now - 3 * 3600))), None)
        .await
        .err()
        .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let now = server.set_clock_offset(3 * 3600 + 600).await;
    assert!(
        sign_in(&server, creds(Some(at(now - 600))), None).await.is_err(),
        "a code 10 minutes old"
    );
    sign_in(&server, creds(Some(at(now))), None)
        .await
        .expect("the current code");

    // Required for everyone: carl (no second factor yet) may read, not change, until he sets one up.
    let (status, _) = server
        .admin(Method::POST, "/settings", Some(json!({"require_totp": true})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let carl = sign_in_staff(&server, "carl@acme.com").await;
    let (_, me) = carl.call(Method::GET, "/me", None).await;
    assert_eq!(me["totp_pending"], true, "{me}");
    assert_eq!(
        carl.call(Method::GET, &format!("/licenses/{key}"), None).await.0,
        StatusCode::OK
    );
    let (status, body) = carl.call(Method::POST, &format!("/licenses/{key}/reset"), None).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "TOTP_REQUIRED"),
        "{body}"
    );
    let (_, begun) = carl.call(Method::POST, "/me/totp/begin", None).await;
    let carl_secret = keyturn_server::domain::staff::totp::from_base32(begun["secret"].as_str().unwrap()).unwrap();
    let code_now = keyturn_server::domain::staff::totp::code_at(&carl_secret, now);
    let (status, _) = carl
        .call(
            Method::POST,
            "/me/totp",
            Some(json!({"secret": begun["secret"], "code": code_now})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        carl.call(Method::POST, &format!("/licenses/{key}/reset"), None).await.0,
        StatusCode::OK
    );
}

/// A TOTP code signs in once: the code that confirmed the second factor, the same code again,
/// or an older step's code still inside the window, is refused (`TOTP_REQUIRED`: wait for the next code); a later step's code works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_totp_code_signs_in_once() {
    use keyturn_server::domain::staff::totp;
    let server = Server::start();
    add_staff(&server, "ann@acme.com", "support");
    // The server's clock 10 s into a 30-second step, so the steps below are the ones meant.
    let first = server.set_clock_offset(3600).await;
    let offset = 3600 + 10 - first.rem_euclid(totp::STEP_SECS);
    let now = server.set_clock_offset(offset).await;
    let ann = sign_in_staff(&server, "ann@acme.com").await;
    let (_, begun) = ann.call(Method::POST, "/me/totp/begin", None).await;
    let secret_text = begun["secret"].as_str().unwrap().to_string();
    let secret = totp::from_base32(&secret_text).unwrap();
    let at = |steps: i64| totp::code_at(&secret, now + steps * totp::STEP_SECS);
    let (status, body) = ann
        .call(
            Method::POST,
            "/me/totp",
            Some(json!({"secret": secret_text, "code": at(0)})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let creds = |code: String| json!({"email": "ann@acme.com", "password": PASSWORD, "totp": code});
    let refused = |what: &'static str| {
        move |answer: Result<Console<'_>, (StatusCode, Value)>| {
            let (status, body) = answer.err().unwrap_or_else(|| panic!("{what} was accepted"));
            assert_eq!(
                (status, code(&body)),
                (StatusCode::UNAUTHORIZED, "TOTP_REQUIRED"),
                "{what}: {body}"
            );
            assert!(body["message"].as_str().unwrap().contains("used already"), "{body}");
        }
    };
    // The code that confirmed the second factor was used: it does not sign in.
    refused("the code that confirmed the second factor")(sign_in(&server, creds(at(0)), None).await);
    refused("the previous step's code")(sign_in(&server, creds(at(-1)), None).await);
    sign_in(&server, creds(at(1)), None)
        .await
        .expect("the next step's code (within the window)");
    refused("the same code again")(sign_in(&server, creds(at(1)), None).await);
    server.set_clock_offset(offset + totp::STEP_SECS).await;
    refused("the next step's code, again in its own step")(sign_in(&server, creds(at(1)), None).await);
    server.set_clock_offset(offset + 2 * totp::STEP_SECS).await;
    sign_in(&server, creds(at(2)), None).await.expect("a later step's code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_account_and_a_revoked_token_are_refused_on_another_replica_within_a_second() {
    let db = postgres::fresh_database();
    let replicas = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let ann_id = add_staff(&replicas[0], "ann@acme.com", "support");
    let token = new_token(&replicas[0], "shop-backend", "admin", None);
    let ann = sign_in_staff(&replicas[1], "ann@acme.com").await;
    assert_eq!(ann.call(Method::GET, "/licenses", None).await.0, StatusCode::OK);
    assert_eq!(
        call(&replicas[1], &token, Method::GET, "/licenses", None).await.0,
        StatusCode::OK
    );

    let (status, _) = replicas[0]
        .admin(Method::POST, &format!("/staff/{ann_id}/disable"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, tokens) = replicas[0].admin(Method::GET, "/tokens", None).await;
    let token_id = tokens[0]["id"].as_str().unwrap().to_string();
    let (status, _) = replicas[0]
        .admin(Method::POST, &format!("/tokens/{token_id}/revoke"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let changed = Instant::now();
    eventually("the other replica refuses both", Duration::from_secs(1), || async {
        ann.call(Method::GET, "/licenses", None).await.0 == StatusCode::UNAUTHORIZED
            && call(&replicas[1], &token, Method::GET, "/licenses", None).await.0 == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(changed.elapsed() < Duration::from_secs(1));
    // Signing in again does not help a disabled account.
    let (status, _) = sign_in(
        &replicas[1],
        json!({"email": "ann@acme.com", "password": PASSWORD}),
        None,
    )
    .await
    .err()
    .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_name_the_actor_and_no_secret_is_ever_shown_or_logged() {
    let server = Server::options().product("p1", "One").start();
    add_staff(&server, "owner@acme.com", "owner");
    let owner = sign_in_staff(&server, "owner@acme.com").await;
    let mut answers: Vec<Value> = Vec::new();
    let (status, created) = owner
        .call(
            Method::POST,
            "/staff",
            Some(json!({"email": "ann@acme.com", "role": "support", "password": "ann's own long passphrase"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    answers.push(created);
    let (status, made) = owner
        .call(
            Method::POST,
            "/tokens",
            Some(json!({"name": "shop-backend", "role": "admin", "product_id": "p1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let token = made["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("kt_"));

    let key = server.new_license(2);
    server.activate(&key, "fp-1").await;
    let ann = sign_in(
        &server,
        json!({"email": "ann@acme.com", "password": "ann's own long passphrase"}),
        None,
    )
    .await
    .unwrap();
    let (status, body) = ann.call(Method::POST, &format!("/licenses/{key}/reset"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = ann.call(Method::POST, &format!("/licenses/{key}/revoke"), None).await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "FORBIDDEN"));
    answers.push(body);
    let (status, body) = call(&server, &token, Method::POST, &format!("/licenses/{key}/suspend"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for path in ["/staff", "/tokens", "/settings", "/me"] {
        answers.push(owner.call(Method::GET, path, None).await.1);
    }

    let events = all_events(&server).await;
    let actor_of = |action: &str| -> String {
        let e = events
            .iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} event"));
        e["actor"].as_str().unwrap().to_string()
    };
    assert_eq!(actor_of("reset"), "support: ann@acme.com (console 127.0.0.1)");
    assert_eq!(actor_of("suspend"), "token: shop-backend (admin-api 127.0.0.1)");
    assert_eq!(actor_of("staff_add"), "owner: owner@acme.com (console 127.0.0.1)");
    let tried = events
        .iter()
        .find(|e| e["action"] == "revoke")
        .expect("the refused revoke");
    assert_eq!(tried["outcome"], "FORBIDDEN");
    assert_eq!(tried["actor"], "support: ann@acme.com (console 127.0.0.1)");
    // Searchable by who acted (part of the actor, any case).
    let (_, by_ann) = owner.call(Method::GET, "/events?actor=ANN@acme", None).await;
    let by_ann = by_ann["events"].as_array().unwrap();
    assert!(by_ann.iter().any(|e| e["action"] == "reset"), "{by_ann:?}");
    assert!(
        by_ann
            .iter()
            .all(|e| e["actor"].as_str().unwrap().contains("ann@acme.com")),
        "{by_ann:?}"
    );
    assert!(events
        .iter()
        .any(|e| e["action"] == "token_create" && e["detail"] == "shop-backend as admin, product p1"));

    let hashes: Vec<Value> = serde_json::from_str::<Value>(&server.cli(&["staff", "list"]))
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let text = format!(
        "{}\n{}\n{}\n{:?}",
        server.logs(),
        Value::Array(events.clone()),
        Value::Array(answers),
        hashes
    );
    for secret in [PASSWORD, "ann's own long passphrase", &token, &token[3..], "$argon2"] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_token_can_be_turned_off() {
    // The root token is given (as a deployment's environment might) and turned off.
    let server = Server::options()
        .without_admin_token()
        .args(&["--admin-token", ADMIN_TOKEN, "--root-token-off"])
        .start();
    let (status, body) = server.admin(Method::GET, "/licenses", None).await;
    assert_eq!((status, code(&body)), (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"));
    let (status, _) = server.post("/console/api/sign-in", json!({"token": ADMIN_TOKEN})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = new_token(&server, "automation", "owner", None);
    assert_eq!(
        call(&server, &token, Method::GET, "/licenses", None).await.0,
        StatusCode::OK
    );
}
