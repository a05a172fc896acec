//! The providers' signature schemes on the server's test clock: a timestamp further from the
//! server's now than the provider's tolerance, in the past (a replay) or in the future, is
//! refused with `SIGNATURE_EXPIRED` (Stripe: 300 s, as Stripe's libraries; Paddle: 5 s, as
//! Paddle's SDKs), one just inside it is accepted; several signatures in one header (a secret
//! being rolled) are accepted when any one matches, refused with `SIGNATURE_INVALID` when none
//! does, even with a fresh timestamp. Nothing is created by a refused event.

mod payments_common;

use keyturn_testkit::code;
use payments_common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn stripe_purchase(event_id: &str) -> Value {
    stripe_checkout(
        event_id,
        &format!("cs_{event_id}"),
        "payment",
        &format!("pi_{event_id}"),
        json!({}),
    )
}

fn paddle_purchase(event_id: &str) -> Value {
    json!({"event_id": event_id, "event_type": "transaction.completed", "occurred_at": "2026-01-01T00:00:00Z",
        "data": {"id": format!("txn_{event_id}"), "customer_id": "ctm_x", "subscription_id": null,
            "custom_data": {"email": "pat@example.com", "name": "Pat"},
            "items": [{"price": {"id": "pri_x", "product_id": "pro_paddle"}}]}})
}

/// The answer's status and code (`outcome` when accepted).
fn said(answer: (StatusCode, Value)) -> (StatusCode, String) {
    let (status, body) = answer;
    let word = if status == StatusCode::OK {
        body["outcome"].as_str().unwrap_or_default().to_string()
    } else {
        code(&body).to_string()
    };
    (status, word)
}

const EXPIRED: (StatusCode, &str) = (StatusCode::BAD_REQUEST, "SIGNATURE_EXPIRED");
const INVALID: (StatusCode, &str) = (StatusCode::BAD_REQUEST, "SIGNATURE_INVALID");
const MADE: (StatusCode, &str) = (StatusCode::OK, "license_created");

fn is(got: &(StatusCode, String), want: (StatusCode, &str)) -> bool {
    got.0 == want.0 && got.1 == want.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stripe_and_paddle_timestamps_are_held_to_their_tolerance_on_the_servers_clock() {
    let shop = Shop::start(&[]);
    // (provider, server clock offset, expected): the test signs at real now, so an offset of +N
    // makes the signature N seconds old to the server, -N makes it N seconds in its future.
    let cases = [
        ("stripe", 0, MADE),
        ("stripe", 290, MADE),
        ("stripe", 310, EXPIRED),
        ("stripe", -290, MADE),
        ("stripe", -310, EXPIRED),
        ("paddle", 0, MADE),
        ("paddle", 2, MADE),
        ("paddle", 9, EXPIRED),
        ("paddle", -2, MADE),
        ("paddle", -9, EXPIRED),
        ("paddle", 290, EXPIRED),
    ];
    let mut made = 0;
    for (n, (provider, offset, want)) in cases.into_iter().enumerate() {
        shop.server.set_clock_offset(offset).await;
        let event_id = format!("evt_clock_{n}");
        let got = said(match provider {
            "stripe" => shop.stripe_at(&stripe_purchase(&event_id), now()).await,
            _ => shop.paddle_at(&paddle_purchase(&event_id), now()).await,
        });
        assert!(is(&got, want), "{provider} at {offset:+} s: {got:?}, wanted {want:?}");
        made += usize::from(want == MADE);
        // A refused event stored nothing, not even its id: the same event signed at the
        // server's now is accepted.
        if want == EXPIRED {
            let server_now = now() + offset;
            let again = said(match provider {
                "stripe" => shop.stripe_at(&stripe_purchase(&event_id), server_now).await,
                _ => shop.paddle_at(&paddle_purchase(&event_id), server_now).await,
            });
            assert!(is(&again, MADE), "{provider} re-signed: {again:?}");
            made += 1;
        }
    }
    assert_eq!(shop.license_count().await, made);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_signatures_in_one_header_pass_when_one_matches() {
    let shop = Shop::start(&[]);
    let t = now();
    let old = "whsec_the_previous_secret";
    for (n, (secrets, want)) in [
        (vec![old, STRIPE], MADE),
        (vec![STRIPE, old], MADE),
        (vec![old, "another"], INVALID),
        (vec![], INVALID),
    ]
    .into_iter()
    .enumerate()
    {
        let body = stripe_purchase(&format!("evt_roll_{n}")).to_string();
        // Stripe may add a v0 (test-mode) signature, which is not checked.
        let header = format!("{},v0={}", stripe_header(&secrets, t, &body), "0".repeat(64));
        let got = said(
            shop.post_raw("stripe", ("Stripe-Signature", header), "application/json", body)
                .await,
        );
        assert!(is(&got, want), "stripe {n}: {got:?}");

        let body = paddle_purchase(&format!("evt_roll_{n}")).to_string();
        let secrets: Vec<&str> = secrets.iter().map(|s| if *s == STRIPE { PADDLE } else { s }).collect();
        let header = paddle_header(&secrets, t, &body);
        let got = said(
            shop.post_raw("paddle", ("Paddle-Signature", header), "application/json", body)
                .await,
        );
        assert!(is(&got, want), "paddle {n}: {got:?}");
    }
    // A stale timestamp with no matching signature is invalid first (nothing about its age is told).
    let body = paddle_purchase("evt_roll_x").to_string();
    let header = paddle_header(&["another"], t - 3600, &body);
    let got = said(
        shop.post_raw("paddle", ("Paddle-Signature", header), "application/json", body)
            .await,
    );
    assert!(is(&got, INVALID), "{got:?}");
    assert_eq!(shop.license_count().await, 4);
}
