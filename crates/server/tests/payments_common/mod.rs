//! What the payment tests share: a shop (a product, a policy the test prices map to, and a server
//! with both providers' secrets, or two replicas on one PostgreSQL database), and events signed
//! by the test with each provider's documented scheme (HMAC-SHA256 over "t.body" / "ts:body").
#![allow(dead_code)]

use hmac::{Hmac, Mac};
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;

pub const STRIPE: &str = "whsec_stripe_test_secret";
pub const PADDLE: &str = "pdl_ntfset_test_secret";
pub const DAY: i64 = 86_400;
pub const GRACE: i64 = 3 * DAY;

pub fn hex_hmac(secret: &str, signed: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `Stripe-Signature` for `body` signed at `t` with each of `secrets`.
pub fn stripe_header(secrets: &[&str], t: i64, body: &str) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        header.push_str(&format!(",v1={}", hex_hmac(secret, &format!("{t}.{body}"))));
    }
    header
}

/// `Paddle-Signature` for `body` signed at `ts` with each of `secrets`.
pub fn paddle_header(secrets: &[&str], ts: i64, body: &str) -> String {
    let mut header = format!("ts={ts}");
    for secret in secrets {
        header.push_str(&format!(";h1={}", hex_hmac(secret, &format!("{ts}:{body}"))));
    }
    header
}

pub struct Shop {
    pub server: Server,
    /// More servers on the same database (`Shop::replicas`).
    pub others: Vec<Server>,
    pub policy: String,
    _database: Database,
}

impl Shop {
    pub fn open() -> Shop {
        Shop::replicas(1)
    }

    /// `n` servers on one database (more than one only on PostgreSQL).
    pub fn replicas(n: usize) -> Shop {
        let database = Database::under_test();
        let db = database.db.clone();
        cli(&db, &["product", "create", "--name", "Shop App", "--id", "shop"]);
        let policy = cli(
            &db,
            &[
                "policy",
                "create",
                "--product",
                "shop",
                "--name",
                "Yearly",
                "--max-machines",
                "2",
            ],
        );
        let prices = format!("price_monthly={policy},pro_paddle={policy},price_once={policy},plink_shop={policy}");
        let start = || {
            Server::options()
                .on(&db)
                .args(&[
                    "--stripe-webhook-secret",
                    STRIPE,
                    "--paddle-webhook-secret",
                    PADDLE,
                    "--payment-price",
                    &prices,
                ])
                .start()
        };
        let server = start();
        let others = (1..n).map(|_| start()).collect();
        Shop {
            others,
            server,
            policy,
            _database: database,
        }
    }

    /// A Stripe event body signed now, posted to `server`.
    pub async fn post_to_server(server: &Server, body: &str) -> (StatusCode, Value) {
        let response = server
            .http
            .post(format!("{}/v1/payments/stripe", server.url))
            .header("content-type", "application/json")
            .header("stripe-signature", stripe_header(&[STRIPE], now(), body))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Every server of the shop, the first one first.
    pub fn all(&self) -> Vec<&Server> {
        std::iter::once(&self.server).chain(self.others.iter()).collect()
    }

    pub async fn post_to(
        &self,
        server: &Server,
        provider: &str,
        header: (&str, String),
        content_type: &str,
        body: String,
    ) -> (StatusCode, Value) {
        let response = server
            .http
            .post(format!("{}/v1/payments/{provider}", server.url))
            .header("content-type", content_type)
            .header(header.0, header.1)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_raw(
        &self,
        provider: &str,
        header: (&str, String),
        content_type: &str,
        body: String,
    ) -> (StatusCode, Value) {
        self.post_to(&self.server, provider, header, content_type, body).await
    }

    pub async fn stripe_at(&self, event: &Value, t: i64) -> (StatusCode, Value) {
        let body = event.to_string();
        let header = stripe_header(&[STRIPE], t, &body);
        self.post_raw("stripe", ("Stripe-Signature", header), "application/json", body)
            .await
    }

    pub async fn paddle_at(&self, event: &Value, ts: i64) -> (StatusCode, Value) {
        let body = event.to_string();
        let header = paddle_header(&[PADDLE], ts, &body);
        self.post_raw("paddle", ("Paddle-Signature", header), "application/json", body)
            .await
    }

    pub async fn stripe(&self, event: &Value) -> Value {
        self.stripe_via(&self.server, event).await
    }

    /// A Stripe event signed now, to one of the replicas.
    pub async fn stripe_via(&self, server: &Server, event: &Value) -> Value {
        let body = event.to_string();
        let header = stripe_header(&[STRIPE], now(), &body);
        let (status, answer) = self
            .post_to(server, "stripe", ("Stripe-Signature", header), "application/json", body)
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    pub async fn paddle(&self, event: &Value) -> Value {
        let (status, answer) = self.paddle_at(event, now()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    pub async fn license(&self, id: &str) -> Value {
        let (status, view) = self.server.admin(Method::GET, &format!("/licenses/{id}"), None).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view
    }

    pub async fn licenses(&self) -> Vec<Value> {
        let (_, list) = self.server.admin(Method::GET, "/licenses", None).await;
        list.as_array().unwrap().clone()
    }

    pub async fn license_count(&self) -> usize {
        self.licenses().await.len()
    }
}

pub fn stripe_invoice(event_id: &str, sub: &str, pi: &str, price: &str, period_end: i64) -> Value {
    json!({
        "id": event_id, "object": "event", "type": "invoice.paid", "created": now(),
        "data": {"object": {
            "id": format!("in_{event_id}"), "object": "invoice", "customer": "cus_ann",
            "customer_email": "ann@example.com", "customer_name": "Ann Buyer",
            "subscription": sub, "payment_intent": pi, "billing_reason": "subscription_cycle",
            "lines": {"object": "list", "data": [{"id": "il_1", "period": {"start": period_end - 30 * DAY, "end": period_end},
                "price": {"id": price, "object": "price", "product": "prod_app"}}]}
        }}
    })
}

/// A completed Checkout session (Stripe's documented shape; no line items, as sent by default).
pub fn stripe_checkout(event_id: &str, session: &str, mode: &str, paid_by: &str, extra: Value) -> Value {
    let mut object = json!({
        "id": session, "object": "checkout.session", "mode": mode, "status": "complete",
        "payment_status": "paid", "created": now(), "customer": "cus_bob",
        "customer_details": {"email": "bob@example.com", "name": "Bob Buyer"},
        "metadata": {}, "payment_link": "plink_shop", "invoice": null,
        "payment_intent": null, "subscription": null,
    });
    let field = if mode == "subscription" {
        "subscription"
    } else {
        "payment_intent"
    };
    object[field] = json!(paid_by);
    if let (Some(object), Some(extra)) = (object.as_object_mut(), extra.as_object()) {
        object.extend(extra.clone());
    }
    json!({"id": event_id, "object": "event", "type": "checkout.session.completed", "created": now(),
        "data": {"object": object}})
}

/// `charge.refunded` of a payment intent, in full.
pub fn stripe_refund(event_id: &str, pi: &str) -> Value {
    json!({"id": event_id, "object": "event", "type": "charge.refunded", "created": now(),
        "data": {"object": {"id": format!("ch_{pi}"), "object": "charge", "payment_intent": pi,
            "amount": 1900, "amount_refunded": 1900, "refunded": true}}})
}

/// `charge.dispute.closed` of a payment intent's charge.
pub fn stripe_dispute(event_id: &str, pi: &str, status: &str) -> Value {
    json!({"id": event_id, "object": "event", "type": "charge.dispute.closed", "created": now(),
        "data": {"object": {"id": format!("dp_{event_id}"), "object": "dispute", "charge": format!("ch_{pi}"),
            "payment_intent": pi, "status": status}}})
}
