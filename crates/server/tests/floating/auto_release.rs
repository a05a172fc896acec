//! Seats that free themselves (node-locked, `--release-unseen-days`).

use super::helpers::*;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn a_computer_unseen_for_the_policys_days_gives_its_seat_to_a_new_one() {
    let server = Server::start();
    server.set_clock_offset(0).await;
    let (_, policy) = server.product_policy(1, &["--release-unseen-days", "30"]);
    let key = server.license(&policy);
    let (status, old) = server.activate(&key, "old-laptop").await;
    assert_eq!(status, StatusCode::CREATED);
    let old_id = old["machine"]["id"].as_str().unwrap().to_string();
    // Unseen for 10 days: it still blocks.
    server.set_clock_offset(10 * 86400).await;
    assert_eq!(
        code(&server.activate(&key, "new-laptop").await.1),
        "MACHINE_LIMIT_EXCEEDED"
    );
    // Unseen for 31 days: the new computer is admitted without meeting the limit.
    server.set_clock_offset(31 * 86400).await;
    let (status, new) = server.activate(&key, "new-laptop").await;
    assert_eq!(status, StatusCode::CREATED, "{new}");
    assert_eq!(new["license"]["seats_used"], 1);
    assert_eq!(server.machine_count(&key).await, 1);
    let log = actions(&server, &key).await;
    assert!(
        log.iter()
            .any(|(a, _, actor)| a == "auto_released" && actor == "policy"),
        "{log:?}"
    );
    // The old computer learns why.
    let (status, renewed) = server
        .send(
            Method::PATCH,
            &format!("/v1/activations/{old_id}"),
            Some(activation_body(&key, "old-laptop")),
        )
        .await;
    assert_eq!(
        (status, code(&renewed)),
        (StatusCode::NOT_FOUND, "AUTO_RELEASED"),
        "{renewed}"
    );
    assert!(renewed["message"].as_str().unwrap().contains("30 days"));
    let (_, validated) = server.validate(&key, "old-laptop").await;
    assert_eq!(code(&validated), "AUTO_RELEASED");
    // A policy without the option never frees anyone.
    let plain = server.fresh_license(1);
    server.activate(&plain, "old").await;
    server.set_clock_offset(400 * 86400).await;
    assert_eq!(code(&server.activate(&plain, "new").await.1), "MACHINE_LIMIT_EXCEEDED");
}
