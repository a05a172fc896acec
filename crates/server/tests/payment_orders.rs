//! One order, one license: Stripe's one-time purchases through Checkout (a session in `payment`
//! mode, refunded or disputed through its payment intent), the events of one order arriving out
//! of order, and many events of the same orders arriving at once (also at two replicas on
//! PostgreSQL) under different event ids: never two licenses, and a refund among them always
//! ends revoked. Runs on the store under test (`KEYTURN_TEST_STORE=postgres`).

mod payments_common;

use keyturn_testkit::*;
use payments_common::*;
use serde_json::{json, Value};
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_checkout_makes_one_license_and_its_refund_revokes_it() {
    let shop = Shop::start(&[]);
    // Paid later (a bank debit): the completed session is not a payment yet.
    let mut unpaid = stripe_checkout("evt_u", "cs_1", "payment", "pi_1", json!({}));
    unpaid["data"]["object"]["payment_status"] = json!("unpaid");
    assert_eq!(shop.stripe(&unpaid).await["outcome"], "ignored");
    assert_eq!(shop.license_count().await, 0);

    // The payment succeeds: a license for good (the policy has no duration), for the buyer of
    // the session, under the policy the Payment Link's id is mapped to.
    let mut paid = stripe_checkout("evt_1", "cs_1", "payment", "pi_1", json!({}));
    paid["type"] = json!("checkout.session.async_payment_succeeded");
    let bought = shop.stripe(&paid).await;
    assert_eq!(bought["outcome"], "license_created", "{bought}");
    assert_eq!(bought["order_id"], "pi_1");
    assert_eq!(bought["expires_at"], Value::Null);
    let id = bought["license_id"].as_str().unwrap().to_string();
    let view = shop.license(&id).await;
    assert_eq!(
        (
            view["owner_email"].as_str(),
            view["owner_name"].as_str(),
            view["policy_id"].as_str()
        ),
        (Some("bob@example.com"), Some("Bob Buyer"), Some(shop.policy.as_str()))
    );
    assert_eq!(view["expires_at"], Value::Null);

    // The same delivery again, and the session's other event (checkout.session.completed, sent
    // too): nothing more.
    assert_eq!(shop.stripe(&paid).await["outcome"], "duplicate");
    let completed = stripe_checkout("evt_2", "cs_1", "payment", "pi_1", json!({}));
    let again = shop.stripe(&completed).await;
    assert_eq!(again["license_id"].as_str(), Some(id.as_str()), "{again}");
    assert_eq!(shop.license_count().await, 1);
    assert_eq!(shop.license(&id).await["expires_at"], Value::Null);

    // A dispute won changes nothing; the refund (a charge naming the payment intent) revokes.
    assert_eq!(
        shop.stripe(&stripe_dispute("evt_3", "pi_1", "won")).await["outcome"],
        "ignored"
    );
    assert_eq!(shop.license(&id).await["status"], "ACTIVE");
    let refunded = shop.stripe(&stripe_refund("evt_4", "pi_1")).await;
    assert_eq!(
        (refunded["outcome"].as_str(), refunded["license_id"].as_str()),
        (Some("revoked"), Some(id.as_str()))
    );
    assert_eq!(shop.license(&id).await["status"], "REVOKED");

    // Another purchase, lost in a dispute: revoked too.
    let other = shop
        .stripe(&stripe_checkout("evt_5", "cs_2", "payment", "pi_2", json!({})))
        .await;
    let lost = shop.stripe(&stripe_dispute("evt_6", "pi_2", "lost")).await;
    assert_eq!(lost["outcome"], "revoked", "{lost}");
    assert_eq!(
        shop.license(other["license_id"].as_str().unwrap()).await["status"],
        "REVOKED"
    );

    // A policy with a duration gives a one-time purchase its expiry (here through the session's
    // metadata, as a vendor's own Checkout code would set it).
    let yearly = cli(
        &shop.server.db,
        &[
            "policy",
            "create",
            "--product",
            "pixel",
            "--name",
            "One year",
            "--max-machines",
            "1",
            "--duration",
            "31536000",
        ],
    );
    let mapped = format!("price_year={yearly}");
    let server = Server::options()
        .on(&shop.server.db)
        .args(&["--stripe-webhook-secret", STRIPE, "--payment-price", &mapped])
        .start();
    let event = stripe_checkout(
        "evt_7",
        "cs_3",
        "payment",
        "pi_3",
        json!({"payment_link": null, "metadata": {"keyturn_price": "price_year"}}),
    );
    let year = shop.stripe_via(&server, &event).await;
    let expires = year["expires_at"].as_i64().expect("an expiry from the policy");
    assert!((expires - now() - 31_536_000).abs() < 60, "{year}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_before_the_purchase_ends_revoked_and_linking_events_merge_orders() {
    let shop = Shop::start(&[]);
    // Out of order: the refund arrives first, then the session it refunds.
    assert_eq!(
        shop.stripe(&stripe_refund("evt_r", "pi_9")).await["outcome"],
        "recorded"
    );
    let late = shop
        .stripe(&stripe_checkout("evt_p", "cs_9", "payment", "pi_9", json!({})))
        .await;
    assert_eq!(late["outcome"], "revoked", "{late}");
    assert_eq!(
        shop.license(late["license_id"].as_str().unwrap()).await["status"],
        "REVOKED"
    );

    // Three events that meet late: a refund (naming the payment intent), an invoice of the
    // 2025-03-31 shape (naming only itself), then the session naming both. The two orders they
    // made are one: the license ends revoked and stays the only one.
    assert_eq!(
        shop.stripe(&stripe_refund("evt_m1", "pi_m")).await["outcome"],
        "recorded"
    );
    let invoice = json!({"id": "evt_m2", "type": "invoice.paid", "created": now(), "data": {"object": {
        "id": "in_m", "object": "invoice", "customer": "cus_bob", "customer_email": "bob@example.com",
        "parent": null, "lines": {"data": [{"pricing": {"price_details": {"price": "price_once", "product": "prod_app"}}}]}}}});
    let made = shop.stripe(&invoice).await;
    assert_eq!(made["outcome"], "license_created", "{made}");
    let session = stripe_checkout("evt_m3", "cs_m", "payment", "pi_m", json!({"invoice": "in_m"}));
    let linked = shop.stripe(&session).await;
    assert_eq!(linked["license_id"], made["license_id"], "{linked}");
    assert_eq!(linked["outcome"], "revoked", "{linked}");
    assert_eq!(
        shop.license(made["license_id"].as_str().unwrap()).await["status"],
        "REVOKED"
    );
    assert_eq!(shop.license_count().await, 2);
}

/// The events of order `i`: its subscription's checkout, the invoice paying it (naming the
/// payment intent), the refund of that payment intent, and the invoice again (a redelivery).
fn order_events(i: usize) -> Vec<Value> {
    let (sub, pi) = (format!("sub_{i}"), format!("pi_{i}"));
    let invoice = stripe_invoice(&format!("evt_in_{i}"), &sub, &pi, "price_monthly", now() + 30 * DAY);
    vec![
        stripe_checkout(
            &format!("evt_cs_{i}"),
            &format!("cs_{i}"),
            "subscription",
            &sub,
            json!({}),
        ),
        invoice.clone(),
        stripe_refund(&format!("evt_re_{i}"), &pi),
        invoice,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_events_of_the_same_orders_at_once_make_one_license_each_and_end_revoked() {
    let replicas = if Store::under_test().is_postgres() { 2 } else { 1 };
    let shop = Arc::new(Shop::replicas(replicas, &[]));
    const ORDERS: usize = 12;
    let events: Vec<Value> = (0..ORDERS).flat_map(order_events).collect();
    let mut outcomes = Vec::new();
    for (status, answer) in shop.stripe_at_once(events).await {
        assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
        outcomes.push(answer["outcome"].as_str().unwrap().to_string());
    }
    // A license is made once per order (answered `revoked` when the refund came first).
    let licenses = shop.licenses().await;
    assert_eq!(licenses.len(), ORDERS, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|o| *o == "duplicate").count(),
        ORDERS,
        "{outcomes:?}"
    );
    for license in &licenses {
        assert_eq!(license["status"], "REVOKED", "the refund joined its order: {license}");
    }
    // Each order once: every license names a different subscription.
    assert_eq!(orders_of(&licenses), ORDERS);
}
