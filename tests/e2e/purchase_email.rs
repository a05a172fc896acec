//! From purchase to activated: a Stripe purchase event signed by the test → the server makes the
//! license and emails the key (a real SMTP server, aiosmtpd) → the email's activation link,
//! opened as the app's deep link, starts the app on the key screen with the key filled in →
//! Activate → activated (screenshots in tests/artifacts).

use keyturn_e2e::app::Options;
use keyturn_e2e::payments::{post_stripe, Shop};
use keyturn_e2e::App;
use keyturn_testkit::smtp::SmtpServer;
use keyturn_testkit::{eventually, free_port};
use std::time::Duration;

const STRIPE: &str = "whsec_e2e_purchase";

#[tokio::test]
async fn a_purchase_email_link_activates_the_app() {
    let smtp = SmtpServer::start(free_port());
    let shop = Shop::start(STRIPE, "price_e2e", smtp.port, &[]);
    let server = &shop.server;
    let event = serde_json::json!({"id": "evt_e2e_1", "type": "invoice.paid", "data": {"object": {
        "id": "in_e2e", "customer_email": "buyer@example.com", "customer_name": "Bea Buyer", "payment_intent": "pi_e2e",
        "lines": {"data": [{"price": {"id": "price_e2e"}}]}}}});
    assert_eq!(post_stripe(server, STRIPE, &event).await["outcome"], "license_created");
    eventually("the purchase email", Duration::from_secs(30), || async {
        !smtp.messages().is_empty()
    })
    .await;
    let mail = smtp.messages().remove(0);
    let text = mail["text"].as_str().unwrap().to_string();
    let link = text
        .lines()
        .find(|l| l.starts_with("keyturn://activate?key="))
        .expect("the activation link in the email")
        .trim()
        .to_string();
    let key = link.trim_start_matches("keyturn://activate?key=").to_string();

    let options = Options {
        args: vec![link.clone()],
        ..Options::default()
    };
    let app = App::launch_with("purchase-email", server, "e2e-purchase-device", options).await;
    let result = async {
        app.find("[data-testid=key-title]").await?;
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, key, "the email's key is filled in");
        app.screenshot("key-from-email").await?;
        app.find("#activate").await?.click().await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        app.screenshot("activated").await?;
        assert_eq!(server.machine_count(&key).await, 1);
        Ok(())
    }
    .await;
    app.finish(result, server).await;
}
