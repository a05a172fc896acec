//! Stripe's newer API versions (2025-03-31 "basil" and later): an invoice names its subscription
//! under `parent` and its payment intent only in `payments` (not sent unless expanded), and a
//! charge names no invoice. The refund of a subscription's payment still revokes the
//! subscription's license, whatever order `invoice.paid`, `invoice_payment.paid` (which links the
//! invoice to the payment intent) and `charge.refunded` arrive in, with no call to Stripe; the
//! older shapes keep working. Payloads in Stripe's format signed by the test; runs on the store
//! under test (`KEYTURN_TEST_STORE=postgres`).

mod payments_common;

use payments_common::*;
use serde_json::{json, Value};

async fn status(shop: &Shop, answer: &Value) -> String {
    let id = answer["license_id"].as_str().expect("a license");
    shop.license(id).await["status"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_refund_revokes_its_license_in_any_delivery_order() {
    let shop = Shop::start(&[]);
    let end = now() + 30 * DAY;

    // Purchase, link, refund.
    let bought = shop.stripe(&basil_invoice("evt_a1", "in_a", "sub_a", end)).await;
    assert_eq!(bought["outcome"], "license_created", "{bought}");
    assert_eq!(bought["expires_at"], end + GRACE);
    let linked = shop.stripe(&invoice_payment_paid("evt_a2", "in_a", "pi_a")).await;
    assert_eq!(linked["license_id"], bought["license_id"], "{linked}");
    let refunded = shop.stripe(&basil_refund("evt_a3", "pi_a")).await;
    assert_eq!(
        (refunded["outcome"].as_str(), &refunded["license_id"]),
        (Some("revoked"), &bought["license_id"]),
        "{refunded}"
    );
    assert_eq!(status(&shop, &bought).await, "REVOKED");

    // The refund before the link: recorded on the payment intent, applied when the link comes.
    let bought = shop.stripe(&basil_invoice("evt_b1", "in_b", "sub_b", end)).await;
    assert_eq!(
        shop.stripe(&basil_refund("evt_b2", "pi_b")).await["outcome"],
        "recorded"
    );
    assert_eq!(status(&shop, &bought).await, "ACTIVE");
    let linked = shop.stripe(&invoice_payment_paid("evt_b3", "in_b", "pi_b")).await;
    assert_eq!(
        (linked["outcome"].as_str(), &linked["license_id"]),
        (Some("revoked"), &bought["license_id"]),
        "{linked}"
    );
    assert_eq!(status(&shop, &bought).await, "REVOKED");
    // The link delivered again changes nothing.
    let again = shop.stripe(&invoice_payment_paid("evt_b3", "in_b", "pi_b")).await;
    assert_eq!(again["outcome"], "duplicate");

    // The link and the refund before the purchase: the license is made revoked.
    assert_eq!(
        shop.stripe(&invoice_payment_paid("evt_c1", "in_c", "pi_c")).await["outcome"],
        "recorded"
    );
    assert_eq!(
        shop.stripe(&basil_refund("evt_c2", "pi_c")).await["outcome"],
        "recorded"
    );
    let late = shop.stripe(&basil_invoice("evt_c3", "in_c", "sub_c", end)).await;
    assert_eq!(late["outcome"], "revoked", "{late}");
    assert_eq!(status(&shop, &late).await, "REVOKED");

    // A subscription that is not refunded stays active through its link and renewal.
    let kept = shop.stripe(&basil_invoice("evt_d1", "in_d1", "sub_d", end)).await;
    shop.stripe(&invoice_payment_paid("evt_d2", "in_d1", "pi_d1")).await;
    let renewed = shop
        .stripe(&basil_invoice("evt_d3", "in_d2", "sub_d", end + 30 * DAY))
        .await;
    assert_eq!(
        (renewed["outcome"].as_str(), &renewed["license_id"]),
        (Some("renewed"), &kept["license_id"])
    );
    assert_eq!(status(&shop, &kept).await, "ACTIVE");
    assert_eq!(shop.license_count().await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expanded_invoice_and_the_older_shape_need_no_link() {
    let shop = Shop::start(&[]);
    let end = now() + 30 * DAY;
    // `payments` expanded on the endpoint: the invoice names its payment intent itself.
    let mut expanded = basil_invoice("evt_e1", "in_e", "sub_e", end);
    expanded["data"]["object"]["payments"] = json!({"object": "list", "data": [{"id": "inpay_e",
        "object": "invoice_payment", "invoice": "in_e", "payment": {"type": "payment_intent", "payment_intent": "pi_e"}}]});
    let bought = shop.stripe(&expanded).await;
    assert_eq!(bought["outcome"], "license_created", "{bought}");
    let refunded = shop.stripe(&basil_refund("evt_e2", "pi_e")).await;
    assert_eq!(refunded["outcome"], "revoked", "{refunded}");

    // The older shape (before 2025-03-31): the invoice names `subscription` and `payment_intent`,
    // the charge its `invoice`.
    let old = shop
        .stripe(&stripe_invoice("evt_f1", "sub_f", "pi_f", "price_monthly", end))
        .await;
    assert_eq!(old["outcome"], "license_created", "{old}");
    let charge = json!({"id": "evt_f2", "object": "event", "type": "charge.refunded", "created": now(),
        "data": {"object": {"id": "ch_f", "object": "charge", "payment_intent": null, "invoice": "in_evt_f1",
            "refunded": true}}});
    assert_eq!(shop.stripe(&charge).await["outcome"], "revoked");
    assert_eq!(status(&shop, &old).await, "REVOKED");
    assert_eq!(shop.license_count().await, 2);
}
