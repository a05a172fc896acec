//! How long 200 distinct purchases released at once take: on one server, and (PostgreSQL) on two
//! replicas of one database, measured in the same run (printed as `[figure]`; run with
//! `--nocapture`). A provider's events are applied one at a time under one advisory lock shared
//! by the replicas (see `crate::domain::payments::orders` for why), so a second replica is not
//! expected to be faster; the test keeps the figure visible and checks that every purchase made
//! exactly one license. Stripe Checkout payloads signed by the test.

mod payments_common;

use keyturn_testkit::Store;
use payments_common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PURCHASES: usize = 200;

/// The time 200 distinct purchases took, released at once over `replicas` servers.
async fn purchases_at_once(replicas: usize) -> Duration {
    let shop = Arc::new(Shop::replicas(replicas, &[]));
    // Warm: each server's connections open, its caches filled.
    let warm = (0..2 * replicas)
        .map(|n| {
            stripe_checkout(
                &format!("evt_w{n}"),
                &format!("cs_w{n}"),
                "payment",
                &format!("pi_w{n}"),
                serde_json::json!({}),
            )
        })
        .collect();
    shop.stripe_at_once(warm).await;
    let events = (0..PURCHASES)
        .map(|n| {
            stripe_checkout(
                &format!("evt_{n}"),
                &format!("cs_{n}"),
                "payment",
                &format!("pi_{n}"),
                serde_json::json!({}),
            )
        })
        .collect();
    let started = Instant::now();
    let answers = shop.stripe_at_once(events).await;
    let took = started.elapsed();
    for (status, answer) in &answers {
        assert_eq!(*status, reqwest::StatusCode::OK, "{answer}");
        assert_eq!(answer["outcome"], "license_created", "{answer}");
    }
    assert_eq!(shop.license_count().await, PURCHASES + 2 * replicas);
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_distinct_purchases_at_once_on_one_server_and_on_two_replicas() {
    let one = purchases_at_once(1).await;
    println!(
        "[figure] {PURCHASES} distinct purchases at once, one server: {} ms",
        one.as_millis()
    );
    if Store::under_test().is_postgres() {
        let two = purchases_at_once(2).await;
        println!(
            "[figure] {PURCHASES} distinct purchases at once, two replicas: {} ms ({:.2} x one server's time)",
            two.as_millis(),
            two.as_secs_f64() / one.as_secs_f64()
        );
    }
}
