//! Checkout, sharing, the full answer, heartbeats, lapses, release, borrowing, staff, bad input.

use super::helpers::*;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn seats_are_taken_shared_refused_kept_lapsed_and_given_back() {
    let server = Server::start();
    let now = server.set_clock_offset(0).await;
    let key = floating(&server, 2);

    let (status, a) = checkout(&server, &key, "fp-a").await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let lease_a = lease_id(&a);
    assert!(lease_a.starts_with("lse_"), "{lease_a}");
    let ends = a["lease"]["ends_at"].as_i64().unwrap();
    assert!((now + 60..=now + 62).contains(&ends), "lease ends {ends}, now {now}");
    assert_eq!(a["lease"]["heartbeat_secs"], 20);
    assert_eq!(a["lease"]["borrowed"], false);
    let token = claims(a["token"].as_str().unwrap());
    assert_eq!(
        (token["sub"].as_str().unwrap(), token["exp"].as_i64().unwrap()),
        (lease_a.as_str(), ends),
        "no grace"
    );
    assert_eq!(a["license"]["seats_max"], 2);

    // A second program on the same device shares the lease.
    let (status, again) = checkout(&server, &key, "fp-a").await;
    assert_eq!((status, lease_id(&again)), (StatusCode::CREATED, lease_a.clone()));

    let (status, b) = checkout(&server, &key, "fp-b").await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let lease_b = lease_id(&b);

    // Full: the seat count and when the soonest lease ends, never who holds them.
    let (status, full) = checkout(&server, &key, "fp-c").await;
    assert_eq!((status, code(&full)), (StatusCode::CONFLICT, "SEATS_IN_USE"), "{full}");
    assert_eq!(full["license"]["seats_max"], 2);
    assert_eq!(full["next_free_at"].as_i64(), Some(ends));
    let text = full.to_string();
    assert!(
        !text.contains("fp-a") && !text.contains("host-") && !text.contains("lse_"),
        "{text}"
    );

    // A heartbeat extends the lease by the lease time.
    server.set_clock_offset(30).await;
    let (status, kept) = heartbeat(&server, &key, &lease_a, "fp-a").await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(lease_id(&kept), lease_a);
    assert!(kept["lease"]["ends_at"].as_i64().unwrap() >= now + 90);

    // Released: the next checkout gets the seat.
    assert_eq!(release(&server, &key, &lease_b).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        release(&server, &key, &lease_b).await.0,
        StatusCode::NO_CONTENT,
        "twice is fine"
    );
    let (status, c) = checkout(&server, &key, "fp-c").await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let lease_c = lease_id(&c);

    // A stops heartbeating: its lease lapses by itself and counts no more.
    server.set_clock_offset(30 + 61).await;
    let (status, c_kept) = heartbeat(&server, &key, &lease_c, "fp-c").await;
    assert_eq!(status, StatusCode::OK, "{c_kept}");
    let (status, d) = checkout(&server, &key, "fp-d").await;
    assert_eq!(status, StatusCode::CREATED, "A's lapsed seat goes to D: {d}");
    // A comes back: both seats are held, so a clear code.
    let (status, late) = heartbeat(&server, &key, &lease_a, "fp-a").await;
    assert_eq!((status, code(&late)), (StatusCode::CONFLICT, "SEATS_IN_USE"), "{late}");
    // Once one frees, A's heartbeat gets a seat back (a new lease).
    assert_eq!(release(&server, &key, &lease_c).await.0, StatusCode::NO_CONTENT);
    let (status, back) = heartbeat(&server, &key, &lease_a, "fp-a").await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_ne!(lease_id(&back), lease_a, "a new lease on a free slot");

    let log = actions(&server, &key).await;
    let has = |action: &str, outcome: &str| log.iter().any(|(a, o, _)| a == action && o == outcome);
    assert!(has("checkout", "OK") && has("checkout", "SEATS_IN_USE"), "{log:?}");
    assert!(
        has("release", "OK") && has("heartbeat", "SEATS_IN_USE") && has("heartbeat", "OK"),
        "{log:?}"
    );
    assert!(
        log.iter().any(|(a, _, actor)| a == "lease_lapsed" && actor == "policy"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_borrowed_seat_needs_no_heartbeat_and_returns_early() {
    let server = Server::start();
    server.set_clock_offset(0).await;
    let key = floating(&server, 1);
    let (status, refused) = borrow(&server, &key, "laptop", 3601).await;
    assert_eq!((status, code(&refused)), (StatusCode::FORBIDDEN, "BORROW_NOT_ALLOWED"));
    let (status, lent) = borrow(&server, &key, "laptop", 3600).await;
    assert_eq!(status, StatusCode::CREATED, "{lent}");
    assert_eq!(lent["lease"]["borrowed"], true);
    // Far beyond the 60-second lease, no heartbeat: still held.
    server.set_clock_offset(1800).await;
    assert_eq!(code(&checkout(&server, &key, "desk").await.1), "SEATS_IN_USE");
    // Returned early: the seat is free at once.
    assert_eq!(release(&server, &key, &lease_id(&lent)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(checkout(&server, &key, "desk").await.0, StatusCode::CREATED);
    assert!(actions(&server, &key)
        .await
        .iter()
        .any(|(a, o, _)| a == "borrow" && o == "OK"));

    // A policy without borrowing refuses it.
    let (_, policy) = server.product_policy(1, &["--floating", "--lease-secs", "60"]);
    let no_borrow = server.license(&policy);
    assert_eq!(
        code(&borrow(&server, &no_borrow, "laptop", 60).await.1),
        "BORROW_NOT_ALLOWED"
    );
}

#[tokio::test]
async fn staff_see_the_live_leases_and_end_one() {
    let server = Server::start();
    let key = floating(&server, 3);
    let (_, a) = checkout(&server, &key, "fp-a").await;
    checkout(&server, &key, "fp-b").await;
    let (status, list) = server
        .admin(Method::GET, &format!("/licenses/{key}/leases"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["seats"], 3);
    let leases = list["leases"].as_array().unwrap();
    assert_eq!(leases.len(), 2);
    assert!(leases.iter().any(|l| l["name"] == "host-fp-a"));
    let lease_a = lease_id(&a);
    let (status, _) = server
        .admin(Method::DELETE, &format!("/licenses/{key}/leases/{lease_a}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = server
        .admin(Method::GET, &format!("/licenses/{key}/leases"), None)
        .await;
    assert_eq!(list["leases"].as_array().unwrap().len(), 1);
    let (status, ended) = heartbeat(&server, &key, &lease_a, "fp-a").await;
    assert_eq!((status, code(&ended)), (StatusCode::NOT_FOUND, "LEASE_NOT_FOUND"));
    assert!(actions(&server, &key)
        .await
        .iter()
        .any(|(a, _, actor)| a == "end_lease" && actor.starts_with("admin-api")));
}

#[tokio::test]
async fn bad_input_gets_stable_codes() {
    let server = Server::start();
    let key = floating(&server, 2);
    let other = floating(&server, 2);
    let node_locked = server.fresh_license(2);
    let (_, mine) = checkout(&server, &key, "fp-a").await;
    let (_, theirs) = checkout(&server, &other, "fp-a").await;
    let cases: Vec<(&str, (StatusCode, Value), &str)> = vec![
        (
            "checkout on a node-locked license",
            checkout(&server, &node_locked, "fp").await,
            "NOT_FLOATING",
        ),
        (
            "activation on a floating license",
            server.activate(&key, "fp").await,
            "FLOATING_LICENSE",
        ),
        (
            "another license's lease",
            heartbeat(&server, &key, &lease_id(&theirs), "fp-a").await,
            "LEASE_NOT_FOUND",
        ),
        (
            "releasing another license's lease",
            release(&server, &key, &lease_id(&theirs)).await,
            "LEASE_NOT_FOUND",
        ),
        (
            "not a lease id",
            heartbeat(&server, &key, "act_123", "fp-a").await,
            "LEASE_NOT_FOUND",
        ),
        (
            "a later generation",
            heartbeat(&server, &key, &format!("{}9", lease_id(&mine)), "fp-a").await,
            "LEASE_NOT_FOUND",
        ),
        (
            "another device",
            heartbeat(&server, &key, &lease_id(&mine), "fp-b").await,
            "FINGERPRINT_MISMATCH",
        ),
        (
            "a mistyped key",
            checkout(&server, "ABC", "fp").await,
            "INVALID_KEY_FORMAT",
        ),
        (
            "no fingerprint",
            checkout(&server, &key, "").await,
            "INVALID_FINGERPRINT",
        ),
        (
            "an unknown field",
            server
                .post("/v1/leases", json!({"key": key, "fingerprint": "x", "seats": 2}))
                .await,
            "BAD_REQUEST",
        ),
        (
            "a negative borrow",
            borrow(&server, &key, "fp-z", -5).await,
            "BORROW_NOT_ALLOWED",
        ),
    ];
    for (what, (status, body), want) in cases {
        assert_eq!(code(&body), want, "{what}: {status} {body}");
        assert!(status.is_client_error(), "{what}: {status}");
    }
    let product = server.cli(&["product", "create", "--name", "X"]);
    for (body, why) in [
        (json!({"floating": true, "lease_secs": 10}), "lease under 60 s"),
        (json!({"lease_secs": 600}), "lease without floating"),
        (
            json!({"floating": true, "release_unseen_days": 3}),
            "auto-release on floating",
        ),
        (json!({"release_unseen_days": 0}), "zero days"),
        (json!({"floating": true, "max_borrow_secs": -1}), "negative borrow"),
    ] {
        let mut policy = json!({"product_id": product, "name": "p", "max_machines": 2});
        policy
            .as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let (status, answer) = server.admin(Method::POST, "/policies", Some(policy)).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            "{why}: {answer}"
        );
    }
}
