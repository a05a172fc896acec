//! The console's unmatched refunds in a real browser (chromium) against a real server: a
//! subscription bought and refunded on Stripe's API version 2025-03-31 ("basil") without the
//! `invoice_payment.paid` event that links the refund's payment intent to the invoice (signed
//! by Python's hmac), and a lost dispute whose purchase never came. The list shows both with
//! their payment ids and event ids while the subscription's license stays valid; once the link
//! arrives the subscription's refund leaves the list. English and German, screenshots, axe.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::audit::serious_violations;
use keyturn_e2e::payments::post_stripe;
use keyturn_e2e::server::{ADMIN_TOKEN, PRODUCT_ID, PRODUCT_NAME};
use keyturn_e2e::Browser;
use keyturn_testkit::shop::unix_now;
use keyturn_testkit::{cli, Database, Server};
use serde_json::{json, Value};

const STRIPE: &str = "whsec_e2e_unmatched";

fn basil(event_id: &str, kind: &str, object: Value) -> Value {
    json!({"id": event_id, "object": "event", "api_version": "2025-03-31.basil", "type": kind,
        "created": unix_now(), "data": {"object": object}})
}

#[tokio::test]
async fn unmatched_refunds_in_the_console() {
    let database = Database::under_test();
    cli(
        &database.db,
        &["product", "create", "--name", PRODUCT_NAME, "--id", PRODUCT_ID],
    );
    let policy = cli(
        &database.db,
        &[
            "policy",
            "create",
            "--product",
            PRODUCT_ID,
            "--name",
            "Pro",
            "--max-machines",
            "1",
        ],
    );
    let server = Server::options()
        .on(&database.db)
        .args(&[
            "--stripe-webhook-secret",
            STRIPE,
            "--payment-price",
            &format!("price_monthly={policy}"),
        ])
        .start();
    let end = unix_now() + 30 * 86_400;
    let invoice = basil(
        "evt_1Sub",
        "invoice.paid",
        json!({
        "id": "in_1Sub", "object": "invoice", "customer": "cus_ann", "customer_email": "ann@example.com",
        "customer_name": "Ann Buyer", "status": "paid",
        "parent": {"type": "subscription_details", "subscription_details": {"subscription": "sub_1Ann"}},
        "lines": {"object": "list", "data": [{"period": {"start": end - 30 * 86_400, "end": end},
            "pricing": {"type": "price_details", "price_details": {"price": "price_monthly", "product": "prod_app"}}}]}}),
    );
    let bought = post_stripe(&server, STRIPE, &invoice).await;
    assert_eq!(bought["outcome"], "license_created", "{bought}");
    let refund = basil(
        "evt_2Refund",
        "charge.refunded",
        json!({"id": "ch_3Ann", "object": "charge",
        "payment_intent": "pi_3Ann", "customer": "cus_ann", "amount": 1900, "amount_refunded": 1900, "refunded": true}),
    );
    assert_eq!(post_stripe(&server, STRIPE, &refund).await["outcome"], "recorded");
    let dispute = basil(
        "evt_4Dispute",
        "charge.dispute.closed",
        json!({"id": "dp_5Bob", "object": "dispute",
        "charge": "ch_5Bob", "payment_intent": "pi_5Bob", "status": "lost"}),
    );
    assert_eq!(post_stripe(&server, STRIPE, &dispute).await["outcome"], "recorded");

    let browser = Browser::launch("console-unmatched").await;
    let result = walk_through(&browser, &server, &bought).await;
    browser.finish(result, &server.logs()).await;
}

async fn walk_through(b: &Browser, server: &Server, bought: &Value) -> TestResult {
    b.console_sign_in_with_token(&server.url, ADMIN_TOKEN).await?;
    b.click("#unmatched-payments summary").await?;
    b.wait_count("#unmatched-table tbody tr", 2).await?;
    b.wait_for_text("#unmatched-table tbody", "both unmatched payments", |t| {
        t.contains("pi_3Ann") && t.contains("evt_2Refund charge.refunded") && t.contains("pi_5Bob")
    })
    .await?;
    b.client
        .execute(
            "document.querySelector('#unmatched-payments').scrollIntoView(); return true",
            vec![],
        )
        .await?;
    b.screenshot("unmatched-refunds-en").await?;
    let violations = serious_violations(&b.client).await?;
    assert!(violations.is_empty(), "accessibility: {}", violations.join("\n"));
    let license = bought["license_id"].as_str().expect("a license");
    let (_, view) = server
        .admin(reqwest::Method::GET, &format!("/licenses/{license}"), None)
        .await;
    assert_eq!(view["status"], "ACTIVE", "the refund reached no license");

    // The link arrives: the subscription's license is revoked and its refund leaves the list.
    let link = basil(
        "evt_6Link",
        "invoice_payment.paid",
        json!({"id": "inpay_1", "object": "invoice_payment",
        "invoice": "in_1Sub", "payment": {"type": "payment_intent", "payment_intent": "pi_3Ann"}, "status": "paid"}),
    );
    assert_eq!(post_stripe(server, STRIPE, &link).await["outcome"], "revoked");
    let german = "const s = document.querySelector('#language'); s.value = 'de'; s.dispatchEvent(new Event('change')); return s.value";
    assert_eq!(b.client.execute(german, vec![]).await?, "de");
    b.wait_for_text("#unmatched-payments summary", "the German title", |t| {
        t == "Nicht zugeordnete Erstattungen"
    })
    .await?;
    b.wait_count("#unmatched-table tbody tr", 1).await?;
    b.screenshot("unmatched-refunds-de").await?;
    Ok(())
}
