//! Webhooks out, in order per endpoint (see `crate::domain::webhooks`): each endpoint's
//! deliveries carry sequence numbers 1, 2, 3, … and arrive one at a time in that order, which
//! respects commit order (a change begun after another was answered arrives after it), with
//! changes on many licenses committed concurrently by two PostgreSQL replicas; a receiver failing
//! one event holds back the later events of its own endpoint, not another endpoint's.

mod webhook_receiver;

use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use webhook_receiver::*;

const LICENSES: usize = 12;
const CLIENTS: usize = 12;
const CHANGES_PER_CLIENT: usize = 20;

/// Arrival positions of the activation events, by activation id.
fn positions(delivered: &[Value]) -> HashMap<String, usize> {
    let mut at = HashMap::new();
    for (i, d) in delivered.iter().enumerate() {
        if let Some(activation) = d["event"]["activation_id"].as_str().filter(|_| d["type"] == "activate") {
            assert!(at.insert(activation.to_string(), i).is_none(), "delivered twice: {d}");
        }
    }
    at
}

/// Always PostgreSQL (two replicas on one database, whatever store the rest of the suite runs on).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_on_two_replicas_arrive_one_at_a_time_in_commit_order() {
    let db = postgres::fresh_database();
    let replicas = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let (_, policy) = replicas[0].product_policy(1000, &[]);
    let keys: Vec<String> = (0..LICENSES).map(|_| replicas[0].license(&policy)).collect();
    let (receiver, url) = Receiver::start(0).await;
    // A receiver doing a little work per event: two senders would overlap in it.
    receiver.work(Duration::from_millis(2));
    let endpoint = add_endpoint(&replicas[0], &url, &["*"]).await;

    // Clients changing licenses at the same time, each one change after the other (so each of its
    // changes begins after its previous one committed), over both replicas and all licenses.
    let urls: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();
    let http = reqwest::Client::new();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let (urls, keys, http) = (urls.clone(), keys.clone(), http.clone());
        clients.spawn(async move {
            let mut answered = Vec::new();
            for i in 0..CHANGES_PER_CLIENT {
                let key = &keys[(c * 5 + i) % LICENSES];
                let answer = http
                    .post(format!("{}/v1/activations", urls[(c + i) % 2]))
                    .json(&activation_body(key, &format!("dev-{c}-{i}")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), StatusCode::CREATED);
                let body: Value = answer.json().await.unwrap();
                answered.push(body["machine"]["id"].as_str().unwrap().to_string());
            }
            answered
        });
    }
    let clients: Vec<Vec<String>> = clients.join_all().await;
    let changes = CLIENTS * CHANGES_PER_CLIENT;

    eventually("every delivery answered", Duration::from_secs(60), || async {
        let log = deliveries(&replicas[0], &endpoint).await;
        log.len() >= changes && log.iter().all(|d| d["state"] == "DELIVERED")
    })
    .await;
    let log = deliveries(&replicas[1], &endpoint).await;
    let got = receiver.got();
    let delivered = receiver.delivered();
    assert_eq!(got.len(), delivered.len(), "a request failed or was repeated");
    // Each event once, every delivery of the log.
    let event_ids: Vec<i64> = delivered.iter().map(|d| d["event"]["id"].as_i64().unwrap()).collect();
    let unique: HashSet<i64> = event_ids.iter().copied().collect();
    assert_eq!(unique.len(), event_ids.len(), "an event delivered twice");
    let logged: HashSet<i64> = log.iter().map(|d| d["event_id"].as_i64().unwrap()).collect();
    assert_eq!(unique, logged);
    // One at a time, in sequence order, without gaps.
    assert_eq!(
        receiver.most_at_once(),
        1,
        "two deliveries of one endpoint were sent at once"
    );
    let expected: Vec<i64> = (1..=delivered.len() as i64).collect();
    assert_eq!(
        sequences(&delivered),
        expected,
        "arrival order is not the sequence order"
    );
    // Commit order: every client's changes arrive in the order it made them, ...
    let at = positions(&delivered);
    assert_eq!(at.len(), changes);
    for answered in &clients {
        let order: Vec<usize> = answered.iter().map(|a| at[a]).collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "a client's changes arrived out of order: {order:?}"
        );
    }
    // ... and each license's (appended under its row lock) in event id order.
    let mut per_license: HashMap<&str, Vec<i64>> = HashMap::new();
    for d in &delivered {
        if let Some(license) = d["event"]["license_id"].as_str() {
            per_license
                .entry(license)
                .or_default()
                .push(d["event"]["id"].as_i64().unwrap());
        }
    }
    for (license, ids) in &per_license {
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{license}: {ids:?}");
    }
    let out_of_id_order = event_ids.windows(2).filter(|w| w[0] > w[1]).count();
    println!(
        "two replicas, {changes} concurrent changes on {LICENSES} licenses: {} deliveries in sequence order, one at a \
         time; {out_of_id_order} arrived after an event with a higher id (committed later than it)",
        delivered.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_holds_back_the_later_events_of_its_endpoint_only() {
    let server = Server::start();
    let (held, held_url) = Receiver::start(0).await;
    held.fail_type("suspend", 3);
    let (free, free_url) = Receiver::start(0).await;
    let key = server.fresh_license(5);
    let types_wanted = ["activate", "suspend", "reinstate"];
    let held_endpoint = add_endpoint(&server, &held_url, &types_wanted).await;
    add_endpoint(&server, &free_url, &types_wanted).await;

    assert_eq!(server.activate(&key, "dev-a").await.0, StatusCode::CREATED);
    admin_ok(&server, &format!("/licenses/{key}/suspend")).await;
    admin_ok(&server, &format!("/licenses/{key}/reinstate")).await;
    assert_eq!(server.activate(&key, "dev-b").await.0, StatusCode::CREATED);
    eventually("the first failed attempt", Duration::from_secs(20), || async {
        held.got().len() >= 2
    })
    .await;
    // A change after the failure, delivered to the other endpoint: the worker went round again.
    assert_eq!(server.activate(&key, "dev-c").await.0, StatusCode::CREATED);
    eventually("every event at the other endpoint", Duration::from_secs(20), || async {
        free.delivered().len() == 5
    })
    .await;
    let expected = ["activate", "suspend", "reinstate", "activate", "activate"];
    assert_eq!(types(&free.delivered()), expected);
    assert_eq!(sequences(&free.delivered()), [1, 2, 3, 4, 5]);
    let tried = |r: &Receiver| -> Vec<(String, u16)> {
        r.got()
            .iter()
            .map(|g| (g.json()["type"].as_str().unwrap().to_string(), g.answered))
            .collect()
    };
    let one_failure = vec![("activate".to_string(), 200), ("suspend".to_string(), 500)];
    assert_eq!(tried(&held), one_failure, "later events were sent past the failing one");
    let pending = deliveries(&server, &held_endpoint).await;
    assert_eq!(pending.iter().filter(|d| d["state"] == "PENDING").count(), 4);

    // Its retries come due (30 s, then 60 s, by the server's clock): the third one succeeds.
    for (retry, offset) in [(1usize, 300), (2, 600), (3, 900)] {
        server.set_clock_offset(offset).await;
        eventually("the next attempt", Duration::from_secs(20), || async {
            held.got().len() >= 2 + retry
        })
        .await;
    }
    eventually("every event at the held endpoint", Duration::from_secs(20), || async {
        held.delivered().len() == 5
    })
    .await;
    assert_eq!(types(&held.delivered()), expected);
    assert_eq!(sequences(&held.delivered()), [1, 2, 3, 4, 5]);
    let mut in_order = one_failure;
    in_order.extend([("suspend".to_string(), 500), ("suspend".to_string(), 500)]);
    in_order.extend(expected[1..].iter().map(|t| (t.to_string(), 200)));
    assert_eq!(tried(&held), in_order);
    assert!(free.got().iter().all(|g| g.answered == 200));
}

/// PostgreSQL draws event ids before commit: an event whose transaction is still open when a
/// later one (a higher id) commits must neither be skipped (the cursor passing its id) nor be
/// overtaken. Always PostgreSQL (SQLite's one writer commits ids in order).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_after_a_higher_one_is_neither_skipped_nor_overtaken() {
    let db = postgres::fresh_database();
    // (The endpoint's own `add_webhook` event comes first.)
    let (server, key, receiver) = activated_endpoint(&db, &["*"], 2).await;

    // Another writer's transaction draws an event id and stays open ...
    let (client, held) = hold_open_event(&db).await;
    // ... while a change with a higher id commits and the worker goes round many times.
    assert_eq!(server.activate(&key, "dev-b").await.0, StatusCode::CREATED);
    let window = std::time::Instant::now() + Duration::from_secs(1);
    while std::time::Instant::now() < window {
        assert_eq!(
            receiver.delivered().len(),
            2,
            "a later event overtook one not yet committed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client.batch_execute("COMMIT").await.unwrap();
    eventually("both events", Duration::from_secs(20), || async {
        receiver.delivered().len() == 4
    })
    .await;
    let delivered = receiver.delivered();
    assert_eq!(types(&delivered), ["add_webhook", "activate", "reset", "activate"]);
    assert_eq!(delivered[2]["event"]["id"].as_i64(), Some(held));
    assert_eq!(sequences(&delivered), [1, 2, 3, 4]);
}

/// Endpoints are sent to side by side, each recording its own results: a receiver that takes
/// two seconds per answer holds back its own endpoint only, not the events of another endpoint
/// made while it works through its batch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_does_not_hold_back_another_endpoint() {
    let server = Server::start();
    let (slow, slow_url) = Receiver::start(0).await;
    slow.work(Duration::from_secs(2));
    let (fast, fast_url) = Receiver::start(0).await;
    let key = server.fresh_license(5);
    add_endpoint(&server, &slow_url, &["activate"]).await;
    add_endpoint(&server, &fast_url, &["activate"]).await;
    for device in ["dev-a", "dev-b", "dev-c"] {
        assert_eq!(server.activate(&key, device).await.0, StatusCode::CREATED);
    }
    eventually("the slow receiver at work", Duration::from_secs(20), || async {
        slow.in_flight() == 1
    })
    .await;
    // Made while the slow endpoint's batch (three answers, six seconds) is under way.
    assert_eq!(server.activate(&key, "dev-d").await.0, StatusCode::CREATED);
    eventually("the other endpoint's four events", Duration::from_secs(3), || async {
        fast.delivered().len() == 4
    })
    .await;
    assert!(
        slow.got().len() < 3,
        "the other endpoint waited for the slow one's batch"
    );
}
