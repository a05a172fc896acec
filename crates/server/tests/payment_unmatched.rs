//! A refund that reaches no license is not silent. On Stripe's API versions since 2025-03-31 a
//! subscription's refund or lost dispute names only the payment intent and the charge; when the
//! `invoice_payment.paid` event linking that payment intent to the invoice never comes (the
//! endpoint is not subscribed to it, or it is lost), the license stays valid and the refund is
//! listed as unmatched by the admin API (`GET /payments/unmatched`, the console's list), with its
//! event id, in whatever order the events came; the link arriving late still revokes, and the
//! order leaves the list. Payloads in Stripe's format signed by the test; runs on the store under
//! test (`KEYTURN_TEST_STORE=postgres`).

mod payments_common;
mod staff_common;

use payments_common::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use staff_common::{call, new_token};
use std::time::Duration;

async fn unmatched(shop: &Shop) -> Vec<Value> {
    let (status, page) = shop.server.admin(Method::GET, "/payments/unmatched", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["unmatched"].as_array().expect("a list").clone()
}

fn listed<'a>(list: &'a [Value], order: &str) -> Option<&'a Value> {
    list.iter().find(|o| o["order_id"] == order)
}

async fn status(shop: &Shop, answer: &Value) -> String {
    let id = answer["license_id"].as_str().expect("a license");
    shop.license(id).await["status"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_refund_without_its_link_is_listed_as_unmatched_in_any_order() {
    let shop = Shop::start(&[]);
    let end = now() + 30 * DAY;
    assert!(unmatched(&shop).await.is_empty());

    // Purchase, then the refund; `invoice_payment.paid` never comes.
    let bought = shop.stripe(&basil_invoice("evt_u1", "in_u", "sub_u", end)).await;
    assert_eq!(bought["outcome"], "license_created", "{bought}");
    let refund = shop.stripe(&basil_refund("evt_u2", "pi_u")).await;
    assert_eq!(
        (refund["outcome"].as_str(), &refund["license_id"]),
        (Some("recorded"), &Value::Null)
    );
    assert_eq!(status(&shop, &bought).await, "ACTIVE");
    // Logged with the event id (never a key).
    keyturn_testkit::eventually("the unmatched refund logged", Duration::from_secs(10), || async {
        shop.server
            .logs()
            .lines()
            .any(|l| l.contains("matches no license") && l.contains("evt_u2") && l.contains("WARN"))
    })
    .await;

    // The refund first, then the purchase (the reverse order), and a lost dispute.
    shop.stripe(&basil_refund("evt_v1", "pi_v")).await;
    let other = shop.stripe(&basil_invoice("evt_v2", "in_v", "sub_v", end)).await;
    assert_eq!(other["outcome"], "license_created", "{other}");
    let lost = shop.stripe(&stripe_dispute("evt_w1", "pi_w", "lost")).await;
    assert_eq!(lost["outcome"], "recorded");
    // A dispute won, and an event of another kind, are not refunds.
    shop.stripe(&stripe_dispute("evt_w2", "pi_x", "won")).await;

    let list = unmatched(&shop).await;
    assert_eq!(list.len(), 3, "{list:?}");
    let u = listed(&list, "pi_u").expect("the refund of sub_u");
    assert_eq!(u["provider"], "stripe");
    assert_eq!(u["names"], serde_json::json!(["ch_pi_u", "pi_u"]));
    assert_eq!(u["events"][0]["event_id"], "evt_u2");
    assert_eq!(u["events"][0]["event_type"], "charge.refunded");
    assert_eq!(
        listed(&list, "pi_v").expect("the early refund")["events"][0]["event_id"],
        "evt_v1"
    );
    let w = listed(&list, "pi_w").expect("the lost dispute");
    assert_eq!(w["events"][0]["event_type"], "charge.dispute.closed");
    // Newest first.
    let created: Vec<i64> = list.iter().map(|o| o["created_at"].as_i64().unwrap()).collect();
    assert!(created.windows(2).all(|p| p[0] >= p[1]), "{created:?}");
    // The refund delivered again is a duplicate, and listed once.
    assert_eq!(
        shop.stripe(&basil_refund("evt_u2", "pi_u")).await["outcome"],
        "duplicate"
    );
    assert_eq!(unmatched(&shop).await.len(), 3);

    // The link, late: the subscription's license is revoked and its refund leaves the list, with
    // both events now on the subscription's order.
    let linked = shop.stripe(&invoice_payment_paid("evt_u3", "in_u", "pi_u")).await;
    assert_eq!(
        (linked["outcome"].as_str(), &linked["license_id"]),
        (Some("revoked"), &bought["license_id"]),
        "{linked}"
    );
    assert_eq!(status(&shop, &bought).await, "REVOKED");
    let list = unmatched(&shop).await;
    assert!(
        listed(&list, "pi_u").is_none() && listed(&list, "sub_u").is_none(),
        "{list:?}"
    );
    assert_eq!(list.len(), 2);
    assert_eq!(status(&shop, &other).await, "ACTIVE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_whose_purchase_comes_later_leaves_the_list_by_itself() {
    let shop = Shop::start(&[]);
    // A one-time Checkout purchase names its payment intent: its refund, early, waits listed
    // only until the purchase arrives.
    shop.stripe(&stripe_refund("evt_r1", "pi_r")).await;
    assert_eq!(unmatched(&shop).await.len(), 1);
    let late = shop
        .stripe(&stripe_checkout(
            "evt_r2",
            "cs_r",
            "payment",
            "pi_r",
            serde_json::json!({}),
        ))
        .await;
    assert_eq!(late["outcome"], "revoked", "{late}");
    assert!(unmatched(&shop).await.is_empty());

    // A subscription refunded with its link delivered first is never listed.
    let end = now() + 30 * DAY;
    shop.stripe(&invoice_payment_paid("evt_s1", "in_s", "pi_s")).await;
    shop.stripe(&basil_invoice("evt_s2", "in_s", "sub_s", end)).await;
    assert_eq!(shop.stripe(&basil_refund("evt_s3", "pi_s")).await["outcome"], "revoked");
    assert!(unmatched(&shop).await.is_empty());

    // The list's size is bounded by `limit`.
    for n in 0..3 {
        shop.stripe(&basil_refund(&format!("evt_l{n}"), &format!("pi_l{n}")))
            .await;
    }
    let (_, page) = shop
        .server
        .admin(Method::GET, "/payments/unmatched?limit=2", None)
        .await;
    assert_eq!(page["unmatched"].as_array().map(Vec::len), Some(2), "{page}");

    // Every role may read the list; an API token of one product sees none (they have no product).
    let viewer = new_token(&shop.server, "viewer", "viewer", None);
    let (status, page) = call(&shop.server, &viewer, Method::GET, "/payments/unmatched", None).await;
    assert_eq!(
        (status, page["unmatched"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(3)),
        "{page}"
    );
    let scoped = new_token(&shop.server, "shop-backend", "admin", Some("pixel"));
    let (status, page) = call(&shop.server, &scoped, Method::GET, "/payments/unmatched", None).await;
    assert_eq!((status, page), (StatusCode::OK, serde_json::json!({"unmatched": []})));
}
