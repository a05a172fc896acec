//! Payment provider events as the end-to-end tests send them: signed by Python's hmac with
//! Stripe's documented scheme (HMAC-SHA256 over "t.body"), independent of the server's code.

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
