//! Webhooks out over real HTTP on loopback: a receiver (axum, in this test) that fails its first
//! attempts, the server's test clock moved for the retry delays, signatures checked by Python's
//! hmac/hashlib, a SIGKILL between the change and its delivery, and two PostgreSQL replicas.

mod webhook_receiver;

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;
use webhook_receiver::*;

/// Python's hmac and hashlib check every signature: `t=T,v1=HEX` with HEX the HMAC-SHA256 of
/// `"T.body"` keyed by the secret (README's receiver code, run on what the receiver got).
fn python_verifies(got: &[Got]) {
    let input: Vec<Value> = got.iter().map(|g| json!([g.signature, g.body])).collect();
    let script = r#"
import hashlib, hmac, json, sys
secret = sys.argv[1].encode()
for header, body in json.load(sys.stdin):
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret, (parts["t"] + "." + body).encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), (header, body)
print("verified", len(sys.argv))
"#;
    let mut command = std::process::Command::new("python3");
    command.args(["-c", script, SECRET]);
    let run = keyturn_testkit::process::run(command, &serde_json::to_string(&input).unwrap());
    assert!(run.success(), "python3 refused a signature: {}", run.stderr);
    // A changed body fails the same check (the check is not vacuous).
    let tampered: Vec<Value> = got
        .iter()
        .take(1)
        .map(|g| json!([g.signature, format!("{} ", g.body)]))
        .collect();
    let mut command = std::process::Command::new("python3");
    command.args(["-c", script, SECRET]);
    assert!(!keyturn_testkit::process::run(command, &serde_json::to_string(&tampered).unwrap()).success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_gets_every_matching_event_in_order_after_growing_delays() {
    let server = Server::start();
    let (receiver, url) = Receiver::start(3).await;
    let endpoint = add_endpoint(&server, &url, &["suspend", "reinstate"]).await;
    let key = server.fresh_license(1);
    admin_ok(&server, &format!("/licenses/{key}/suspend")).await;
    let (status, _) = server.activate(&key, "dev-a").await; // refused: not subscribed
    assert_eq!(status, StatusCode::FORBIDDEN);
    admin_ok(&server, &format!("/licenses/{key}/reinstate")).await;
    admin_ok(&server, &format!("/licenses/{key}/suspend")).await;

    // Attempt 1 fails at once; then 30 s, 60 s and 120 s later by the server's clock.
    let mut offset = 0;
    for (attempt, delay) in [(1u64, 30), (2, 60), (3, 120)] {
        eventually("a failed attempt recorded", Duration::from_secs(20), || async {
            // (A delivery is listed once the worker took its event from the log.)
            deliveries(&server, &endpoint)
                .await
                .last()
                .is_some_and(|d| d["attempts"] == attempt)
        })
        .await;
        let now = server.set_clock_offset(offset).await;
        let first = deliveries(&server, &endpoint).await.last().unwrap().clone();
        assert_eq!(
            (first["state"].as_str(), first["last_status"].as_u64()),
            (Some("PENDING"), Some(500))
        );
        // Due `delay` seconds after the attempt (which was at most a second or two ago).
        let wait = first["next_at"].as_i64().unwrap() - now;
        assert!(
            (delay - 2..=delay).contains(&wait),
            "attempt {attempt}: next try in {wait} s, not {delay}"
        );
        assert!(receiver.delivered().is_empty());
        assert_eq!(receiver.got().len() as u64, attempt, "retried before its time");
        offset += wait;
        server.set_clock_offset(offset).await;
    }
    eventually("three deliveries", Duration::from_secs(20), || async {
        receiver.delivered().len() == 3
    })
    .await;
    let delivered = receiver.delivered();
    assert_eq!(types(&delivered), ["suspend", "reinstate", "suspend"]);
    let ids: Vec<i64> = delivered.iter().map(|d| d["event"]["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(delivered
        .iter()
        .all(|d| d["event"]["license_id"].as_str().unwrap().starts_with("lic_")));
    python_verifies(&receiver.got());

    let listed = deliveries(&server, &endpoint).await;
    assert_eq!(listed.len(), 3);
    assert!(listed
        .iter()
        .all(|d| d["state"] == "DELIVERED" && d["last_status"] == 200));
    assert_eq!(listed.last().unwrap()["attempts"], 4);

    // Redeliver sends the event once more.
    let first = listed.last().unwrap()["id"].as_i64().unwrap();
    admin_ok(&server, &format!("/webhooks/deliveries/{first}/redeliver")).await;
    eventually("the redelivery", Duration::from_secs(20), || async {
        receiver.delivered().len() == 4
    })
    .await;
    // The same delivery and event, with the next sequence number: at the end of the order.
    let again = &receiver.delivered()[3];
    assert_eq!(
        (&again["delivery_id"], &again["event"]),
        (&delivered[0]["delivery_id"], &delivered[0]["event"])
    );
    assert_eq!(sequences(&receiver.delivered()), [1, 2, 3, 4]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_answered_before_a_sigkill_is_delivered_after_the_restart() {
    let database = Database::under_test();
    let mut server = Server::start_on(&database.db, &[]);
    let (receiver, url) = Receiver::start(usize::MAX).await;
    add_endpoint(&server, &url, &["*"]).await;
    let key = server.fresh_license(2);
    let (status, activated) = server.activate(&key, "dev-a").await;
    assert_eq!(status, StatusCode::CREATED);
    let activation = activated["machine"]["id"].as_str().unwrap().to_string();
    server.kill(); // SIGKILL right after the answer
    receiver.failing.store(0, Ordering::SeqCst);
    let restarted = Server::start_on(&database.db, &[]);
    // The killed server may have tried once (the receiver was failing) or held the delivery's
    // lease: ten minutes later by the new server's clock it is due either way.
    restarted.set_clock_offset(600).await;
    eventually("the activation's delivery", Duration::from_secs(20), || async {
        receiver.delivered().iter().any(|d| d["type"] == "activate")
    })
    .await;
    let delivered = receiver.delivered();
    let activate: Vec<&Value> = delivered.iter().filter(|d| d["type"] == "activate").collect();
    assert_eq!(activate.len(), 1, "{delivered:?}");
    assert_eq!(activate[0]["event"]["activation_id"], activation.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_are_listed_without_secrets_refused_when_malformed_and_removed() {
    let server = Server::start();
    let (status, body) = server
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": "ftp://x", "event_types": ["*"]})),
        )
        .await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    let (status, body) = server
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": "https://x.example/h", "event_types": ["Activate"]})),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        "{body}"
    );
    let (status, created) = server
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": "https://x.example/h", "event_types": ["activate"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let id = created["id"].as_str().unwrap();
    let (_, list) = server.admin(Method::GET, "/webhooks", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("secret").is_none(), "{list}");
    assert_eq!(list[0]["event_types"], json!(["activate"]));
    // The CLI sees the same endpoint, and removes it.
    let listed: Value = serde_json::from_str(&server.cli(&["webhook", "list"])).unwrap();
    assert_eq!(listed[0]["id"], id);
    server.cli(&["webhook", "remove", id]);
    let (_, list) = server.admin(Method::GET, "/webhooks", None).await;
    assert_eq!(list, json!([]));
    let (status, body) = server.admin(Method::DELETE, &format!("/webhooks/{id}"), None).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
}

/// Always PostgreSQL: two replicas on one database deliver each event once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_deliver_each_event_once() {
    let db = postgres::fresh_database();
    let replicas = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let (receiver, url) = Receiver::start(0).await;
    add_endpoint(&replicas[0], &url, &["activate"]).await;
    let key = replicas[0].fresh_license(100);
    for i in 0..40 {
        let (status, body) = replicas[i % 2].activate(&key, &format!("dev-{i}")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    eventually("40 deliveries", Duration::from_secs(30), || async {
        receiver.got().len() >= 40
    })
    .await;
    for r in &replicas {
        eventually("an idle queue", Duration::from_secs(10), || async {
            deliveries(r, "").await.iter().all(|d| d["state"] == "DELIVERED")
        })
        .await;
    }
    // One more event, delivered after every earlier one finished: a duplicate sent beside an
    // earlier delivery would have arrived by then.
    let (status, _) = replicas[1].activate(&key, "dev-last").await;
    assert_eq!(status, StatusCode::CREATED);
    eventually("the last delivery", Duration::from_secs(30), || async {
        receiver.got().len() >= 41
    })
    .await;
    let got = receiver.got();
    let mut seen = std::collections::HashSet::new();
    for g in &got {
        assert!(
            seen.insert(g.json()["event"]["id"].as_i64().unwrap()),
            "delivered twice: {}",
            g.body
        );
    }
    assert_eq!(got.len(), 41);
    python_verifies(&got);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_whose_event_was_pruned_fails_and_the_endpoint_goes_on() {
    let server = Server::start();
    let (receiver, url) = Receiver::start(1).await;
    let endpoint = add_endpoint(&server, &url, &["suspend", "reinstate"]).await;
    let key = server.fresh_license(1);
    // Dated ten seconds ago, so that pruning everything before now removes it.
    server.set_clock_offset(-10).await;
    admin_ok(&server, &format!("/licenses/{key}/suspend")).await;
    eventually("the failed first attempt", Duration::from_secs(20), || async {
        deliveries(&server, &endpoint)
            .await
            .first()
            .is_some_and(|d| d["attempts"] == 1)
    })
    .await;
    // Retention removes every event, the undelivered one too.
    server.cli(&["prune-events", "--older-than-days", "0"]);
    server.set_clock_offset(60).await;
    eventually("the orphan given up", Duration::from_secs(20), || async {
        deliveries(&server, &endpoint)
            .await
            .first()
            .is_some_and(|d| d["state"] == "FAILED")
    })
    .await;
    let listed = deliveries(&server, &endpoint).await;
    assert!(
        listed[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("removed from the log"),
        "{listed:?}"
    );
    // The next event is delivered: the endpoint is not stuck behind it.
    admin_ok(&server, &format!("/licenses/{key}/reinstate")).await;
    eventually("the next delivery", Duration::from_secs(20), || async {
        receiver.delivered().len() == 1
    })
    .await;
    assert_eq!(types(&receiver.delivered()), ["reinstate"]);
}

/// A delivery is dated by its event, not by when the worker took the event from the log: an
/// event older than the retry period (here written straight into the log, dated long ago) is
/// given up after its first failed attempt, and the next event still goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_end_three_days_after_the_event_however_late_it_was_taken() {
    let database = Database::under_test();
    let server = Server::start_on(&database.db, &[]);
    let (receiver, url) = Receiver::start(1).await;
    let endpoint = add_endpoint(&server, &url, &["reset"]).await;
    keyturn_testkit::store::sql(
        &database.db,
        "INSERT INTO events (at, action, outcome, actor, detail) VALUES (1000, 'reset', 'OK', 'test', 'long ago') \
         RETURNING 'ok'",
    );
    eventually("the old event given up", Duration::from_secs(20), || async {
        deliveries(&server, &endpoint)
            .await
            .first()
            .is_some_and(|d| d["state"] == "FAILED")
    })
    .await;
    let listed = deliveries(&server, &endpoint).await;
    assert_eq!(
        (listed[0]["attempts"].as_u64(), listed[0]["created_at"].as_i64()),
        (Some(1), Some(1000))
    );
    let key = server.fresh_license(1);
    admin_ok(&server, &format!("/licenses/{key}/reset")).await;
    eventually("the next delivery", Duration::from_secs(20), || async {
        receiver.delivered().len() == 1
    })
    .await;
}
