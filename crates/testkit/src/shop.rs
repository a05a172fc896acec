//! A vendor's shop for the purchase tests: product `pixel` ("Pixel Tool") with policy "Pro" (one
//! machine) on a database of the store under test, and a server that takes Stripe purchases of
//! `price_pro` (signed with [`STRIPE_SECRET`]) and sends its emails to 127.0.0.1:[`Shop::smtp_port`],
//! where nothing listens until the test starts a [`crate::smtp::SmtpServer`] there.

use crate::server::{cli, Server};
use crate::store::Database;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

/// The Stripe webhook signing secret of every test shop.
pub const STRIPE_SECRET: &str = "whsec_test_shop_secret";

/// Fields drop in order: the server before its database.
pub struct Shop {
    pub server: Server,
    /// The policy purchases of `price_pro` create licenses under.
    pub policy: String,
    pub smtp_port: u16,
    pub database: Database,
}

impl Shop {
    /// The shop's server with `args` added to its payment and mail options (e.g.
    /// `["--link-scheme", "pixeltool"]`).
    pub fn start(args: &[&str]) -> Shop {
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
        let smtp_port = crate::free_port();
        let price = format!("price_pro={policy}");
        let smtp = smtp_port.to_string();
        let mut all = vec![
            "--stripe-webhook-secret",
            STRIPE_SECRET,
            "--payment-price",
            &price,
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &smtp,
            "--mail-from",
            "Pixel Sales <sales@pixel.example>",
            "--public-url",
            "https://licenses.pixel.example",
        ];
        all.extend_from_slice(args);
        let server = Server::options().on(&db).args(&all).start();
        Shop {
            server,
            policy,
            smtp_port,
            database,
        }
    }

    /// Posts a Stripe event (signed now) to the server: its status and answer.
    pub async fn post_stripe(&self, body: String) -> (StatusCode, Value) {
        let resp = self
            .server
            .http
            .post(format!("{}/v1/payments/stripe", self.server.url))
            .header("content-type", "application/json")
            .header("stripe-signature", stripe_signature(&body))
            .body(body)
            .send()
            .await
            .expect("the payments route answers");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

/// Unix seconds now (what Stripe stamps events and signatures with).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// The `Stripe-Signature` header of `body`, signed now with [`STRIPE_SECRET`] (Stripe's scheme:
/// HMAC-SHA256 over `t.body`).
pub fn stripe_signature(body: &str) -> String {
    let t = unix_now();
    let mut mac = Hmac::<Sha256>::new_from_slice(STRIPE_SECRET.as_bytes()).expect("hmac takes any key");
    mac.update(format!("{t}.{body}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// Stripe's `invoice.paid` for Ann Buyer <ann@example.com> buying `price_pro` (one invoice:
/// `invoice`, its event `event_id`).
pub fn invoice_paid(event_id: &str, invoice: &str) -> Value {
    json!({"id": event_id, "type": "invoice.paid", "created": unix_now(), "data": {"object": {
        "id": invoice, "customer": format!("cus_{invoice}"), "customer_email": "ann@example.com",
        "customer_name": "Ann Buyer", "subscription": null, "payment_intent": format!("pi_{invoice}"),
        "lines": {"data": [{"price": {"id": "price_pro", "product": "prod_pixel"}, "period": {"start": 0, "end": 0}}]}}}})
}
