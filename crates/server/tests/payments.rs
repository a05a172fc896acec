//! Payments in over real HTTP: Stripe- and Paddle-format events signed by the test with each
//! provider's documented scheme (HMAC-SHA256 over "t.body" / "ts:body"): purchase, renewal,
//! cancellation, refund, dispute, duplicates (also concurrent), out of order, and every bad
//! input (signature, stale timestamp, content type, size, JSON) refused with its code and
//! nothing created. Runs on the store under test (`KEYTURN_TEST_STORE=postgres`).

mod payments_common;

use keyturn_testkit::*;
use payments_common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_purchase_renewal_cancellation_and_refund() {
    let shop = Shop::start(&[]);
    let t0 = now();
    let first_end = t0 + 30 * DAY;
    let bought = shop
        .stripe(&stripe_invoice("evt_1", "sub_1", "pi_1", "price_monthly", first_end))
        .await;
    assert_eq!(bought["outcome"], "license_created", "{bought}");
    let id = bought["license_id"].as_str().unwrap().to_string();
    let view = shop.license(&id).await;
    assert_eq!(view["owner_email"], "ann@example.com");
    assert_eq!(view["owner_name"], "Ann Buyer");
    assert_eq!(view["policy_id"], shop.policy.as_str());
    assert_eq!(view["expires_at"], first_end + GRACE);

    // The same event again: nothing more.
    assert_eq!(
        shop.stripe(&stripe_invoice("evt_1", "sub_1", "pi_1", "price_monthly", first_end))
            .await["outcome"],
        "duplicate"
    );
    // The renewal moves the expiry; an older renewal arriving late never shortens it.
    let second_end = first_end + 30 * DAY;
    let renewed = shop
        .stripe(&stripe_invoice("evt_2", "sub_1", "pi_2", "price_monthly", second_end))
        .await;
    assert_eq!(
        (renewed["outcome"].as_str(), renewed["license_id"].as_str()),
        (Some("renewed"), Some(id.as_str()))
    );
    assert_eq!(renewed["expires_at"], second_end + GRACE);
    let late = shop
        .stripe(&stripe_invoice(
            "evt_0",
            "sub_1",
            "pi_0",
            "price_monthly",
            first_end - 30 * DAY,
        ))
        .await;
    assert_eq!(late["expires_at"], second_end + GRACE);
    assert_eq!(shop.license_count().await, 1);

    // Cancelled at the period's end: the license ends then (no grace).
    let cancel = json!({"id": "evt_3", "type": "customer.subscription.updated", "created": now(),
        "data": {"object": {"id": "sub_1", "object": "subscription", "status": "active", "cancel_at_period_end": true,
            "items": {"data": [{"current_period_end": second_end}]}}}});
    let ends = shop.stripe(&cancel).await;
    assert_eq!(
        (ends["outcome"].as_str(), ends["expires_at"].as_i64()),
        (Some("ends"), Some(second_end))
    );

    // The first payment refunded in full: revoked (found through its payment intent).
    let refund = json!({"id": "evt_4", "type": "charge.refunded", "created": now(),
        "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "refunded": true}}});
    assert_eq!(shop.stripe(&refund).await["outcome"], "revoked");
    assert_eq!(shop.license(&id).await["status"], "REVOKED");
    // A renewal after the refund does not bring it back.
    let after = shop
        .stripe(&stripe_invoice(
            "evt_5",
            "sub_1",
            "pi_5",
            "price_monthly",
            second_end + 30 * DAY,
        ))
        .await;
    assert_eq!(after["outcome"], "already_revoked");
    assert_eq!(shop.license(&id).await["status"], "REVOKED");

    // The event log has the purchase (actor stripe) and the revocation; no key in it.
    let (_, page) = shop
        .server
        .admin(Method::GET, &format!("/events?license_id={id}"), None)
        .await;
    let actions: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"create_license") && actions.contains(&"revoke"),
        "{actions:?}"
    );
    assert!(page["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"] == "stripe"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_its_code_and_creates_nothing() {
    let shop = Shop::start(&[]);
    let event = stripe_invoice("evt_bad", "sub_b", "pi_b", "price_monthly", now() + 30 * DAY);
    let body = event.to_string();
    let t = now();
    let good = format!("t={t},v1={}", hex_hmac(STRIPE, &format!("{t}.{body}")));
    let wrong = format!("t={t},v1={}", hex_hmac("not-the-secret", &format!("{t}.{body}")));
    let cases = [
        (
            ("Stripe-Signature", wrong),
            "application/json",
            body.clone(),
            StatusCode::BAD_REQUEST,
            "SIGNATURE_INVALID",
        ),
        (
            ("Stripe-Signature", "garbage".into()),
            "application/json",
            body.clone(),
            StatusCode::BAD_REQUEST,
            "SIGNATURE_INVALID",
        ),
        (
            ("X-Other", good.clone()),
            "application/json",
            body.clone(),
            StatusCode::BAD_REQUEST,
            "SIGNATURE_INVALID",
        ),
        (
            ("Stripe-Signature", good.clone()),
            "text/plain",
            body.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        // The signature covers the body: another body (here, the same with a space) fails.
        (
            ("Stripe-Signature", good.clone()),
            "application/json",
            format!("{body} "),
            StatusCode::BAD_REQUEST,
            "SIGNATURE_INVALID",
        ),
    ];
    for (header, content_type, body, status, code) in cases {
        let (got, answer) = shop.post_raw("stripe", header, content_type, body).await;
        assert_eq!((got, keyturn_testkit::code(&answer)), (status, code), "{answer}");
    }
    // Stale: correctly signed 301 seconds ago.
    let (status, answer) = shop.stripe_at(&event, now() - 301).await;
    assert_eq!((status, code(&answer)), (StatusCode::BAD_REQUEST, "SIGNATURE_EXPIRED"));
    // Signed but not JSON, or JSON that is not an event.
    for text in ["{not json", "[1,2]"] {
        let t = now();
        let header = format!("t={t},v1={}", hex_hmac(STRIPE, &format!("{t}.{text}")));
        let (status, answer) = shop
            .post_raw("stripe", ("Stripe-Signature", header), "application/json", text.into())
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            "{answer}"
        );
    }
    // Oversized.
    let huge = format!("{{\"id\":\"evt_huge\",\"pad\":\"{}\"}}", "x".repeat(300 * 1024));
    let t = now();
    let header = format!("t={t},v1={}", hex_hmac(STRIPE, &format!("{t}.{huge}")));
    let (status, answer) = shop
        .post_raw("stripe", ("Stripe-Signature", header), "application/json", huge)
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
    );
    // Unknown event types and unknown prices: 2xx, nothing created.
    let other = json!({"id": "evt_o", "type": "customer.created", "data": {"object": {"id": "cus_x"}}});
    assert_eq!(shop.stripe(&other).await["outcome"], "ignored");
    let unknown = stripe_invoice("evt_u", "sub_u", "pi_u", "price_unknown", now() + DAY);
    assert_eq!(shop.stripe(&unknown).await["outcome"], "unknown_price");
    assert_eq!(shop.license_count().await, 0);
    // The good event still works (the refusals above stored nothing, not even its id).
    assert_eq!(shop.stripe_at(&event, now()).await.1["outcome"], "license_created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_and_two_events_for_one_order_make_one_license() {
    let shop = std::sync::Arc::new(Shop::start(&[]));
    let end = now() + 30 * DAY;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let shop = shop.clone();
        // Half the same event, half other events paying the same subscription.
        let event_id = if i % 2 == 0 {
            "evt_same".to_string()
        } else {
            format!("evt_other_{i}")
        };
        tasks.push(tokio::spawn(async move {
            shop.stripe(&stripe_invoice(
                &event_id,
                "sub_c",
                &format!("pi_{event_id}"),
                "price_monthly",
                end,
            ))
            .await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap()["outcome"].as_str().unwrap().to_string());
    }
    assert_eq!(
        outcomes.iter().filter(|o| *o == "license_created").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(outcomes.iter().filter(|o| *o == "duplicate").count(), 7, "{outcomes:?}");
    assert_eq!(shop.license_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paddle_purchase_cancellation_refund_and_events_out_of_order() {
    let shop = Shop::start(&[]);
    let customer = json!({"event_id": "evt_p0", "event_type": "customer.created", "occurred_at": "2026-01-01T00:00:00Z",
        "data": {"id": "ctm_ann", "name": "Ann Buyer", "email": "ann@example.org"}});
    assert_eq!(shop.paddle(&customer).await["outcome"], "customer_saved");
    let transaction = |event_id: &str, sub: &str, txn: &str, ends: &str| {
        json!({"event_id": event_id, "event_type": "transaction.completed", "occurred_at": "2026-01-01T00:00:00.123456Z",
            "notification_id": "ntf_1", "data": {"id": txn, "status": "completed", "customer_id": "ctm_ann",
            "subscription_id": sub, "billing_period": {"starts_at": "2026-01-01T00:00:00Z", "ends_at": ends},
            "items": [{"price": {"id": "pri_x", "product_id": "pro_paddle"}, "quantity": 1}]}})
    };
    let bought = shop
        .paddle(&transaction("evt_p1", "sub_p", "txn_1", "2099-02-01T00:00:00.000000Z"))
        .await;
    assert_eq!(bought["outcome"], "license_created", "{bought}");
    let id = bought["license_id"].as_str().unwrap().to_string();
    assert_eq!(shop.license(&id).await["owner_email"], "ann@example.org");
    assert_eq!(bought["expires_at"], 4073587200 + GRACE); // 2099-02-01 + grace
    let cancel = json!({"event_id": "evt_p2", "event_type": "subscription.updated", "occurred_at": "2026-01-02T00:00:00Z",
        "data": {"id": "sub_p", "status": "active", "scheduled_change": {"action": "cancel", "effective_at": "2099-02-01T00:00:00Z", "resume_at": null}}});
    assert_eq!(shop.paddle(&cancel).await["expires_at"], 4073587200i64);
    let refund = json!({"event_id": "evt_p3", "event_type": "adjustment.created", "occurred_at": "2026-01-03T00:00:00Z",
        "data": {"id": "adj_1", "action": "refund", "type": "full", "status": "approved", "transaction_id": "txn_1", "subscription_id": "sub_p"}});
    assert_eq!(shop.paddle(&refund).await["outcome"], "revoked");
    assert_eq!(shop.license(&id).await["status"], "REVOKED");

    // Out of order: the refund of another order comes before its purchase; the purchase then
    // makes a license that is revoked at once.
    let early = json!({"event_id": "evt_q1", "event_type": "adjustment.created", "occurred_at": "2026-01-03T00:00:00Z",
        "data": {"id": "adj_2", "action": "refund", "type": "full", "status": "approved", "transaction_id": "txn_q", "subscription_id": null}});
    assert_eq!(shop.paddle(&early).await["outcome"], "recorded");
    let late = json!({"event_id": "evt_q2", "event_type": "transaction.completed", "occurred_at": "2026-01-01T00:00:00Z",
        "data": {"id": "txn_q", "customer_id": "ctm_ann", "subscription_id": null,
            "items": [{"price": {"id": "pri_y", "product_id": "pro_paddle"}}]}});
    let made = shop.paddle(&late).await;
    assert_eq!(made["outcome"], "revoked", "{made}");
    assert_eq!(
        shop.license(made["license_id"].as_str().unwrap()).await["status"],
        "REVOKED"
    );

    // Paddle's own scheme only: a Stripe-style header is refused.
    let body = late.to_string();
    let t = now();
    let stripe_style = format!("t={t},v1={}", hex_hmac(PADDLE, &format!("{t}.{body}")));
    let (status, answer) = shop
        .post_raw("paddle", ("Paddle-Signature", stripe_style), "application/json", body)
        .await;
    assert_eq!((status, code(&answer)), (StatusCode::BAD_REQUEST, "SIGNATURE_INVALID"));
}
