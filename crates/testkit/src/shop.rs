//! A vendor's shop for the purchase tests: product `pixel` ("Pixel Tool") with policy "Pro" (one
//! machine) on a database of the store under test, and a server (or several replicas on one
//! PostgreSQL database, [`Shop::replicas`]) that takes Stripe and Paddle events signed with
//! [`STRIPE_SECRET`] / [`PADDLE_SECRET`] for the prices of [`PRICES`], and sends its emails to
//! 127.0.0.1:[`Shop::smtp_port`], where nothing listens until the test starts a
//! [`crate::smtp::SmtpServer`] there. Events are signed with each provider's documented scheme
//! (HMAC-SHA256 over "t.body" / "ts:body").

use crate::server::{cli, Server};
use crate::store::Database;
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::Arc;

/// The Stripe webhook signing secret of every test shop.
pub const STRIPE_SECRET: &str = "whsec_test_shop_secret";
/// The Paddle notification secret of every test shop.
pub const PADDLE_SECRET: &str = "pdl_ntfset_test_shop_secret";
/// What every test shop sells under its policy: Stripe prices, a Payment Link, a Paddle product.
pub const PRICES: &[&str] = &["price_pro", "price_monthly", "price_once", "plink_shop", "pro_paddle"];

/// Fields drop in order: the servers before their database.
pub struct Shop {
    pub server: Server,
    /// More servers on the same database ([`Shop::replicas`]).
    pub others: Vec<Server>,
    /// The policy purchases of [`PRICES`] create licenses under.
    pub policy: String,
    pub smtp_port: u16,
    pub database: Database,
}

impl Shop {
    /// The shop's server with `args` added to its payment and mail options (e.g.
    /// `["--link-scheme", "pixeltool"]`).
    pub fn start(args: &[&str]) -> Shop {
        Shop::replicas(1, args)
    }

    /// `n` servers on one database (more than one only on PostgreSQL), each with `args` added.
    pub fn replicas(n: usize, args: &[&str]) -> Shop {
        let database = Database::under_test();
        let db = database.db.clone();
        let policy = stock(&db);
        let smtp_port = crate::free_port();
        let prices: Vec<String> = PRICES.iter().map(|p| format!("{p}={policy}")).collect();
        let prices = prices.join(",");
        let smtp = smtp_port.to_string();
        let mut all = vec![
            "--stripe-webhook-secret",
            STRIPE_SECRET,
            "--paddle-webhook-secret",
            PADDLE_SECRET,
            "--payment-price",
            &prices,
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
        let start = || Server::options().on(&db).args(&all).start();
        let server = start();
        let others = (1..n).map(|_| start()).collect();
        Shop {
            server,
            others,
            policy,
            smtp_port,
            database,
        }
    }

    /// Every server of the shop, the first one first.
    pub fn all(&self) -> Vec<&Server> {
        std::iter::once(&self.server).chain(self.others.iter()).collect()
    }

    /// Posts a Stripe event (signed now) to the first server: its status and answer.
    pub async fn post_stripe(&self, body: String) -> (StatusCode, Value) {
        Shop::post_to_server(&self.server, &body).await
    }

    /// A Stripe event body signed now, posted to `server`.
    pub async fn post_to_server(server: &Server, body: &str) -> (StatusCode, Value) {
        let header = ("stripe-signature", stripe_signature(body));
        post(server, "stripe", header, "application/json", body.to_string()).await
    }

    /// Any body with any signature header and content type, to a provider's route.
    pub async fn post_raw(
        &self,
        provider: &str,
        header: (&str, String),
        content_type: &str,
        body: String,
    ) -> (StatusCode, Value) {
        post(&self.server, provider, header, content_type, body).await
    }

    /// A Stripe event signed at `t`.
    pub async fn stripe_at(&self, event: &Value, t: i64) -> (StatusCode, Value) {
        let body = event.to_string();
        let header = stripe_header(&[STRIPE_SECRET], t, &body);
        self.post_raw("stripe", ("Stripe-Signature", header), "application/json", body)
            .await
    }

    /// A Paddle event signed at `ts`.
    pub async fn paddle_at(&self, event: &Value, ts: i64) -> (StatusCode, Value) {
        let body = event.to_string();
        let header = paddle_header(&[PADDLE_SECRET], ts, &body);
        self.post_raw("paddle", ("Paddle-Signature", header), "application/json", body)
            .await
    }

    /// A Stripe event signed now, to the first server: its answer (200, or the test fails).
    pub async fn stripe(&self, event: &Value) -> Value {
        self.stripe_via(&self.server, event).await
    }

    /// The same, to one of the replicas.
    pub async fn stripe_via(&self, server: &Server, event: &Value) -> Value {
        let (status, answer) = Shop::post_to_server(server, &event.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    /// Stripe events all released at the same moment, spread over the replicas (the `n`th to
    /// server `n` modulo their count): each one's status and answer, in the events' order.
    pub async fn stripe_at_once(self: &Arc<Shop>, events: Vec<Value>) -> Vec<(StatusCode, Value)> {
        let start = Arc::new(tokio::sync::Barrier::new(events.len()));
        let mut tasks = Vec::new();
        for (n, event) in events.into_iter().enumerate() {
            let (shop, start) = (self.clone(), start.clone());
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let servers = shop.all();
                Shop::post_to_server(servers[n % servers.len()], &event.to_string()).await
            }));
        }
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("a delivery task"));
        }
        answers
    }

    /// A Paddle event signed now: its answer (200, or the test fails).
    pub async fn paddle(&self, event: &Value) -> Value {
        let (status, answer) = self.paddle_at(event, unix_now()).await;
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
        list.as_array().expect("a list of licenses").clone()
    }

    pub async fn license_count(&self) -> usize {
        self.licenses().await.len()
    }
}

/// The shop's product and policy on `db` (made with the CLI): the policy's id.
pub fn stock(db: &str) -> String {
    stock_product(db, "pixel", "Pixel Tool", 1)
}

/// A product (`id`, `name`) and its policy "Pro" with `max_machines` seats on `db`, made with the
/// CLI before any server runs (a server's `--payment-price` options name the policy): the
/// policy's id.
pub fn stock_product(db: &str, id: &str, name: &str, max_machines: u32) -> String {
    cli(db, &["product", "create", "--name", name, "--id", id]);
    let max = max_machines.to_string();
    cli(
        db,
        &[
            "policy",
            "create",
            "--product",
            id,
            "--name",
            "Pro",
            "--max-machines",
            &max,
        ],
    )
}

async fn post(
    server: &Server,
    provider: &str,
    header: (&str, String),
    content_type: &str,
    body: String,
) -> (StatusCode, Value) {
    let resp = server
        .http
        .post(format!("{}/v1/payments/{provider}", server.url))
        .header("content-type", content_type)
        .header(header.0, header.1)
        .body(body)
        .send()
        .await
        .expect("the payments route answers");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Unix seconds now (what Stripe stamps events and signatures with).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// HMAC-SHA256 of `signed` with `secret`, in lower-case hex.
pub fn hex_hmac(secret: &str, signed: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key");
    mac.update(signed.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// `Stripe-Signature` for `body` signed at `t` with each of `secrets` (Stripe's scheme: `t=…`
/// then a `v1=` HMAC over `t.body` per secret).
pub fn stripe_header(secrets: &[&str], t: i64, body: &str) -> String {
    let mut header = format!("t={t}");
    for secret in secrets {
        header.push_str(&format!(",v1={}", hex_hmac(secret, &format!("{t}.{body}"))));
    }
    header
}

/// `Paddle-Signature` for `body` signed at `ts` with each of `secrets` (Paddle's scheme: `ts=…`
/// then an `h1=` HMAC over `ts:body` per secret).
pub fn paddle_header(secrets: &[&str], ts: i64, body: &str) -> String {
    let mut header = format!("ts={ts}");
    for secret in secrets {
        header.push_str(&format!(";h1={}", hex_hmac(secret, &format!("{ts}:{body}"))));
    }
    header
}

/// The `Stripe-Signature` header of `body`, signed now with [`STRIPE_SECRET`].
pub fn stripe_signature(body: &str) -> String {
    stripe_header(&[STRIPE_SECRET], unix_now(), body)
}

/// Stripe's `invoice.paid` for Ann Buyer <ann@example.com> buying `price_pro` (one invoice:
/// `invoice`, its event `event_id`).
pub fn invoice_paid(event_id: &str, invoice: &str) -> Value {
    json!({"id": event_id, "type": "invoice.paid", "created": unix_now(), "data": {"object": {
        "id": invoice, "customer": format!("cus_{invoice}"), "customer_email": "ann@example.com",
        "customer_name": "Ann Buyer", "subscription": null, "payment_intent": format!("pi_{invoice}"),
        "lines": {"data": [{"price": {"id": "price_pro", "product": "prod_pixel"}, "period": {"start": 0, "end": 0}}]}}}})
}
