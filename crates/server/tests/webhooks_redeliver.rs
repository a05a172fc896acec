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
