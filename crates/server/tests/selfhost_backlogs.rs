//! Metrics of what waits to leave the server (issue 19): the webhook delivery backlog and the
//! email queue backlog at `/metrics`, read from the database when scraped. A purchase while the
//! mail server and the webhook receiver are down leaves one email and the purchase's deliveries
//! pending; the gauges count exactly those (the admin API's PENDING list is the reference).
//! (Beside `selfhost.rs`, which holds the other metrics, to keep each file short.)

use keyturn_testkit::shop::{invoice_paid, Shop};
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

/// One gauge's value in the Prometheus text.
fn gauge(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn scrape(server: &Server, metrics: &str) -> String {
    let answer = server
        .http
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    answer.text().await.unwrap()
}

/// Deliveries in state PENDING, as the admin API lists them (the reference for the gauge).
async fn pending_deliveries(server: &Server) -> f64 {
    let (status, page) = server
        .admin(Method::GET, "/webhooks/deliveries?state=PENDING&limit=100", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["deliveries"].as_array().unwrap().len() as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_pending_webhook_deliveries_and_emails() {
    // Nothing listens on the shop's mail port nor on the receiver's: every send waits to retry.
    let (receiver_port, metrics_port) = (free_port(), free_port());
    let metrics = format!("127.0.0.1:{metrics_port}");
    let shop = Shop::start(&["--metrics-listen", &metrics]);
    let server = &shop.server;
    let (status, endpoint) = server
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": format!("http://127.0.0.1:{receiver_port}/hook"), "event_types": ["*"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");

    // Adding the endpoint is an event it subscribes to: one delivery waits (once the worker
    // took the event from the log and failed to send it: the gauge counts it before, too).
    eventually("the first delivery pending", Duration::from_secs(20), || async {
        pending_deliveries(server).await == 1.0
    })
    .await;
    let before = scrape(server, &metrics).await;
    assert_eq!(gauge(&before, "keyturn_webhook_backlog"), Some(1.0), "{before}");
    assert_eq!(gauge(&before, "keyturn_mail_backlog"), Some(0.0), "{before}");

    let (status, answer) = shop
        .post_stripe(invoice_paid("evt_backlog_1", "in_b1").to_string())
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // The purchase's events are in the log with it: counted as soon as it is answered (taken
    // by the worker or not yet), the same number the delivery log lists once they are taken.
    let after = scrape(server, &metrics).await;
    let backlog = gauge(&after, "keyturn_webhook_backlog").unwrap();
    assert!(
        backlog > 1.0,
        "the purchase's events wait for the receiver too: {after}"
    );
    assert_eq!(gauge(&after, "keyturn_mail_backlog"), Some(1.0), "{after}");
    eventually("the purchase's deliveries listed", Duration::from_secs(20), || async {
        pending_deliveries(server).await == backlog
    })
    .await;
}
