//! Payment provider events as the end-to-end tests send them: signed by Python's hmac with
//! Stripe's documented scheme (HMAC-SHA256 over "t.body"), independent of the server's code;
//! and the server that sells the end-to-end product ([`Shop`]).

use crate::server::{PRODUCT_ID, PRODUCT_NAME};
use keyturn_testkit::{Database, Server};

/// A server selling the end-to-end product (the one every end-to-end vendor config names).
/// Fields drop in order: the server before its database.
pub struct Shop {
    pub server: Server,
    /// The policy ("Pro", two seats) purchases create licenses under.
    pub policy: String,
    pub database: Database,
}

impl Shop {
    /// On a database of the store under test with [`PRODUCT_ID`] and its policy (made with the
    /// admin CLI before the server starts): Stripe events signed with `stripe_secret` for `price`
    /// buy a license under the policy, and the key is emailed from "E2E Sales" to
    /// 127.0.0.1:`smtp_port`; `more` serve options after those (e.g. `["--link-scheme", "x"]`).
    pub fn start(stripe_secret: &str, price: &str, smtp_port: u16, more: &[&str]) -> Shop {
        let database = Database::under_test();
        let policy = keyturn_testkit::shop::stock_product(&database.db, PRODUCT_ID, PRODUCT_NAME, 2);
        let (price, smtp_port) = (format!("{price}={policy}"), smtp_port.to_string());
        let mut args = vec!["--stripe-webhook-secret", stripe_secret, "--payment-price", &price];
        args.extend(["--smtp-host", "127.0.0.1", "--smtp-port", &smtp_port]);
        args.extend(["--mail-from", "E2E Sales <sales@e2e.example>"]);
        args.extend(more);
        let server = Server::options().on(&database.db).args(&args).start();
        Shop {
            server,
            policy,
            database,
        }
    }
}

/// `Stripe-Signature` for `body`, signed now with `secret`.
pub fn stripe_signature(secret: &str, body: &str) -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let script = "import hashlib, hmac, sys; print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())";
    let mut command = std::process::Command::new("python3");
    command.args(["-c", script, secret]);
    let run = keyturn_testkit::process::run(command, &format!("{t}.{body}"));
    assert!(run.success(), "{}", run.stderr);
    format!("t={t},v1={}", run.stdout.trim())
}

/// Posts a Stripe event to the server's payment route; its JSON answer (status 200 asserted).
pub async fn post_stripe(
    server: &keyturn_testkit::Server,
    secret: &str,
    event: &serde_json::Value,
) -> serde_json::Value {
    let body = event.to_string();
    let answer = server
        .http
        .post(format!("{}/v1/payments/stripe", server.url))
        .header("content-type", "application/json")
        .header("stripe-signature", stripe_signature(secret, &body))
        .body(body)
        .send()
        .await
        .expect("the payment route answers");
    assert_eq!(answer.status(), 200);
    answer.json().await.expect("a JSON answer")
}
