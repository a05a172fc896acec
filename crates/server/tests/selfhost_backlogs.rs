//! Metrics of what waits to leave the server (issue 19): the webhook delivery backlog and the
//! email queue backlog at `/metrics`, read from the database when scraped. A purchase while the
//! mail server and the webhook receiver are down leaves one email and the purchase's deliveries
//! pending; the gauges count exactly those (the admin API's PENDING list is the reference).
//! (Beside `selfhost.rs`, which holds the other metrics, to keep each file short.)

use hmac::{Hmac, Mac};
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::Sha256;

const STRIPE: &str = "whsec_backlog_test_secret";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn signed(body: &str) -> String {
    let t = now();
    let mut mac = Hmac::<Sha256>::new_from_slice(STRIPE.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

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
    let database = Database::under_test();
    let db = database.db.clone();
    cli(&db, &["product", "create", "--name", "Pixel Tool", "--id", "pixel"]);
    let policy = cli(
        &db,
        &[
            "policy",
            "create",
            "--product",
            "pixel",
            "--name",
            "Pro",
            "--max-machines",
            "1",
        ],
    );
    // Nothing listens on these two ports: every send fails and waits for its retry.
    let (smtp_port, receiver_port, metrics_port) = (free_port(), free_port(), free_port());
    let metrics = format!("127.0.0.1:{metrics_port}");
    let server = Server::options()
        .on(&db)
        .args(&[
            "--metrics-listen",
            &metrics,
            "--stripe-webhook-secret",
            STRIPE,
            "--payment-price",
            &format!("price_pro={policy}"),
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &smtp_port.to_string(),
            "--mail-from",
            "Pixel Sales <sales@pixel.example>",
            "--public-url",
            "https://licenses.pixel.example",
        ])
        .start();
    let (status, endpoint) = server
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": format!("http://127.0.0.1:{receiver_port}/hook"), "event_types": ["*"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");

    // Adding the endpoint is an event it subscribes to: already one delivery waits.
    let pending_before = pending_deliveries(&server).await;
    let before = scrape(&server, &metrics).await;
    assert_eq!(
        gauge(&before, "keyturn_webhook_backlog"),
        Some(pending_before),
        "{before}"
    );
    assert_eq!(gauge(&before, "keyturn_mail_backlog"), Some(0.0), "{before}");

    let body = json!({"id": "evt_backlog_1", "type": "invoice.paid", "created": now(), "data": {"object": {
        "id": "in_b1", "customer": "cus_b", "customer_email": "ann@example.com", "customer_name": "Ann Buyer",
        "subscription": null, "payment_intent": "pi_b1",
        "lines": {"data": [{"price": {"id": "price_pro", "product": "prod_pixel"}, "period": {"start": 0, "end": 0}}]}}}})
    .to_string();
    let answer = server
        .http
        .post(format!("{}/v1/payments/stripe", server.url))
        .header("content-type", "application/json")
        .header("stripe-signature", signed(&body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK, "{:?}", answer.text().await);

    let pending = pending_deliveries(&server).await;
    assert!(
        pending > pending_before,
        "the purchase's events wait for the receiver too"
    );
    // Written in the purchase's transaction: counted as soon as it is answered.
    let after = scrape(&server, &metrics).await;
    assert_eq!(gauge(&after, "keyturn_webhook_backlog"), Some(pending), "{after}");
    assert_eq!(gauge(&after, "keyturn_mail_backlog"), Some(1.0), "{after}");
}
