//! Limits that keep the server up: rate limits per client and behind a proxy, admin lockouts,
//! slow and stalled requests, idle connections.

use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn key_lookups_are_rate_limited_per_client() {
    let server = Server::start_with(&["--rate-limit", "0.5", "--rate-limit-burst", "3"]);
    let key = server.fresh_license(1);
    for _ in 0..3 {
        assert_eq!(server.validate(&key, "fp").await.0, StatusCode::OK);
    }
    let resp = server
        .http
        .post(format!("{}/v1/validate", server.url))
        .json(&json!({"key": key, "fingerprint": "fp"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "RATE_LIMITED");
    let (status, v) = server.activate(&key, "fp").await;
    assert_eq!((status, code(&v)), (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"));
}

#[tokio::test]
async fn slow_requests_time_out_with_a_code() {
    let server = Server::start_with(&["--request-timeout-ms", "300"]);
    let key = server.fresh_license(1);
    // Hold the database's write lock from outside, so the activation cannot commit in time.
    let lock = WriteLock::hold(&server.db).await;
    let (status, v) = server.activate(&key, "fp").await;
    assert_eq!((status, code(&v)), (StatusCode::REQUEST_TIMEOUT, "TIMEOUT"));
    lock.release().await;
    // Once the lock is gone the activation goes through (the timed-out one may have, too).
    eventually("activation after the lock", Duration::from_secs(15), || async {
        server.activate(&key, "fp").await.0 == StatusCode::CREATED
    })
    .await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let server = Server::start_with(&["--rate-limit", "0.5", "--rate-limit-burst", "2", "--trust-proxy"]);
    let key = server.fresh_license(1);
    let from = |ip: &str| {
        server
            .http
            .post(format!("{}/v1/validate", server.url))
            .header("x-forwarded-for", format!("198.51.100.7, {ip}"))
            .json(&json!({"key": key, "fingerprint": "fp"}))
            .send()
    };
    for _ in 0..2 {
        assert_eq!(from("203.0.113.1").await.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(
        from("203.0.113.1").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(from("203.0.113.2").await.unwrap().status(), StatusCode::OK);
}

/// The right-most entry is the trusted proxy's, however it writes it; what the client put to its
/// left never picks the bucket, and `unknown` counts as the proxy itself.
#[tokio::test]
async fn the_proxy_entry_counts_however_written_and_the_client_cannot_pick_its_bucket() {
    let server = Server::start_with(&["--rate-limit", "0.5", "--rate-limit-burst", "2", "--trust-proxy"]);
    let key = server.fresh_license(1);
    let send = |header: String| {
        server
            .http
            .post(format!("{}/v1/validate", server.url))
            .header("x-forwarded-for", header)
            .json(&json!({"key": key, "fingerprint": "fp"}))
            .send()
    };
    for (i, proxy_wrote) in ["203.0.113.9:5555", "[2001:db8::9]:443", "unknown"].iter().enumerate() {
        // A new client-chosen entry each time, the same proxy entry: one bucket.
        for n in 0..2 {
            let header = format!("198.51.100.{}, {proxy_wrote}", 10 * i + n + 1);
            assert_eq!(send(header).await.unwrap().status(), StatusCode::OK, "{proxy_wrote}");
        }
        let refused = send(format!("198.51.100.{}, {proxy_wrote}", 10 * i + 9)).await.unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{proxy_wrote}");
        // Retry-After tells the true wait: a token every 2 s.
        assert_eq!(refused.headers()["retry-after"], "2", "{proxy_wrote}");
    }
}

/// After too many wrong admin tokens, the 429 says how long until the next try (10 s a try).
#[tokio::test]
async fn the_admin_lockout_says_the_true_wait() {
    let server = Server::start();
    for _ in 0..10 {
        let resp = server
            .http
            .get(format!("{}/admin/v1/products", server.url))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = server
        .http
        .get(format!("{}/admin/v1/products", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((9..=10).contains(&wait), "Retry-After: {wait}");
}

#[test]
fn a_request_head_that_never_completes_is_cut_off() {
    use std::io::{Read, Write};
    let server = Server::start_with(&["--header-timeout-ms", "300"]);
    let addr = server.url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(b"POST /v1/validate HTTP/1.1\r\nHost: x\r\n").unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    // The server ends the connection (possibly after a 408 answer) instead of waiting forever.
    let _ = stream.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(8),
        "connection still open after {waited:?}"
    );
    assert!(waited >= Duration::from_millis(200), "cut off too early: {waited:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_reusable_or_cleanly_closed() {
    let server = Server::start_with(&["--header-timeout-ms", "300"]);
    let key = server.fresh_license(1);
    assert_eq!(server.validate(&key, "fp").await.0, StatusCode::OK);
    // Idle longer than the head timeout, then the same pooled client asks again.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(server.validate(&key, "fp").await.0, StatusCode::OK);
}
