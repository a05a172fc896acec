//! Redeliver at awkward moments, on the store under test: while the delivery's attempt is on
//! the wire (the attempt's answer must not swallow the redelivery), and while the endpoint's head
//! is failing (the redelivered one goes to the end of the order; the later events are not held
//! behind the failing one's retries once it is moved).

mod webhook_receiver;

use keyturn_testkit::*;
use reqwest::StatusCode;
use std::time::Duration;
use webhook_receiver::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_redelivered_while_its_attempt_is_on_the_wire_is_sent_again() {
    let server = Server::start();
    let (receiver, url) = Receiver::start(0).await;
    // A receiver slow to answer: the attempt is in flight long enough to press redeliver.
    receiver.work(Duration::from_millis(1500));
    let endpoint = add_endpoint(&server, &url, &["activate"]).await;
    let key = server.fresh_license(2);
    assert_eq!(server.activate(&key, "dev-a").await.0, StatusCode::CREATED);
    eventually("the attempt in flight", Duration::from_secs(20), || async {
        receiver.in_flight() == 1
    })
    .await;
    let log = deliveries(&server, &endpoint).await;
    assert_eq!((log.len(), log[0]["state"].as_str()), (1, Some("PENDING")));
    let id = log[0]["id"].as_i64().unwrap();
    admin_ok(&server, &format!("/webhooks/deliveries/{id}/redeliver")).await;
    receiver.work(Duration::ZERO);
    assert_eq!(receiver.got().len(), 0, "the attempt was still in flight");

    eventually("the redelivery", Duration::from_secs(20), || async {
        receiver.delivered().len() == 2
    })
    .await;
    let delivered = receiver.delivered();
    assert_eq!(delivered[0]["delivery_id"], delivered[1]["delivery_id"]);
    assert_eq!(delivered[0]["event"], delivered[1]["event"]);
    assert_eq!(sequences(&delivered), [1, 2]);
    eventually("the log", Duration::from_secs(20), || async {
        let log = deliveries(&server, &endpoint).await;
        log[0]["state"] == "DELIVERED" && log[0]["sequence"] == 2
    })
    .await;
}

/// A number is given once: redelivering the delivery that holds the endpoint's highest number
/// gives it the next one (a receiver that drops numbers it has seen must not drop it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivering_the_newest_delivery_gives_it_a_new_number() {
    let server = Server::start();
    let (receiver, url) = Receiver::start(0).await;
    let endpoint = add_endpoint(&server, &url, &["activate"]).await;
    let key = server.fresh_license(2);
    for device in ["dev-a", "dev-b"] {
        assert_eq!(server.activate(&key, device).await.0, StatusCode::CREATED);
    }
    eventually("both activations", Duration::from_secs(20), || async {
        receiver.delivered().len() == 2
    })
    .await;
    let newest = deliveries(&server, &endpoint).await[0]["id"].as_i64().unwrap();
    admin_ok(&server, &format!("/webhooks/deliveries/{newest}/redeliver")).await;
    eventually("the redelivery", Duration::from_secs(20), || async {
        receiver.delivered().len() == 3
    })
    .await;
    let delivered = receiver.delivered();
    assert_eq!(delivered[2]["delivery_id"], newest);
    assert_eq!(sequences(&delivered), [1, 2, 3], "a number was given twice");
}

/// Always PostgreSQL: with two replicas, redelivering the head while its attempt is on the wire
/// must not free the endpoint for the other replica (which would send the rest of the batch at
/// the same time, each twice): one request at a time, each delivery once, the redelivered one
/// again at the end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivering_a_head_on_the_wire_does_not_let_the_other_replica_send_beside_it() {
    let db = postgres::fresh_database();
    let replicas = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let (receiver, url) = Receiver::start(0).await;
    let endpoint = add_endpoint(&replicas[0], &url, &["activate"]).await;
    let key = replicas[0].fresh_license(10);
    receiver.work(Duration::from_millis(600));
    for i in 0..5 {
        let (status, _) = replicas[i % 2].activate(&key, &format!("dev-{i}")).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    eventually("an attempt in flight", Duration::from_secs(20), || async {
        receiver.in_flight() == 1
    })
    .await;
    let log = deliveries(&replicas[0], &endpoint).await;
    let head = log
        .iter()
        .filter(|d| d["state"] == "PENDING")
        .min_by_key(|d| d["sequence"].as_i64())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    admin_ok(&replicas[1], &format!("/webhooks/deliveries/{head}/redeliver")).await;
    eventually("every delivery and the redelivery", Duration::from_secs(60), || async {
        let log = deliveries(&replicas[0], &endpoint).await;
        receiver.delivered().len() >= 6 && log.len() == 5 && log.iter().all(|d| d["state"] == "DELIVERED")
    })
    .await;
    assert_eq!(
        receiver.most_at_once(),
        1,
        "two deliveries of one endpoint were sent at once"
    );
    let delivered = receiver.delivered();
    let ids: Vec<i64> = delivered.iter().map(|d| d["delivery_id"].as_i64().unwrap()).collect();
    let seqs = sequences(&delivered);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(ids.len(), 6, "a delivery came twice: {seqs:?}");
    assert_eq!(ids[5], head, "the redelivered one comes again at the end");
}
