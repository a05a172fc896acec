//! Self-hosting's view from outside (part of `selfhost.rs`'s tests): Prometheus metrics on their
//! own address and, with the token, on the main one; JSON log lines.

use keyturn_testkit::{activation_body, free_port, Server};
use std::time::Duration;

fn scrape(url: &str, bearer: Option<&str>) -> (u16, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut request = reqwest::Client::new().get(format!("{url}/metrics"));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let answer = rt.block_on(request.send()).unwrap();
    let status = answer.status().as_u16();
    (status, rt.block_on(answer.text()).unwrap())
}

fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

#[tokio::test]
async fn metrics_count_requests_activations_refusals_and_seats() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("metrics-token");
    std::fs::write(&token, "scrape-me\n").unwrap();
    let metrics_port = free_port();
    let metrics_listen = format!("127.0.0.1:{metrics_port}");
    let server = Server::options()
        .product("app", "App")
        .args(&[
            "--metrics-listen",
            &metrics_listen,
            "--metrics-token-file",
            &token.to_string_lossy(),
        ])
        .start();
    let key = server.new_license(1);
    let (status, _) = server.post("/v1/activations", activation_body(&key, "first")).await;
    assert_eq!(status, 201);
    let (status, _) = server.post("/v1/activations", activation_body(&key, "second")).await;
    assert_eq!(status, 409);

    let (status, text) = tokio::task::spawn_blocking(move || scrape(&format!("http://{metrics_listen}"), None))
        .await
        .unwrap();
    assert_eq!(status, 200);
    for (series, expected) in [
        (r#"keyturn_events_total{action="activate",outcome="OK"}"#, 1.0),
        (
            r#"keyturn_events_total{action="activate",outcome="MACHINE_LIMIT_EXCEEDED"}"#,
            1.0,
        ),
        (
            r#"keyturn_http_requests_total{method="POST",route="/v1/activations",status="201"}"#,
            1.0,
        ),
        (
            r#"keyturn_http_requests_total{method="POST",route="/v1/activations",status="409"}"#,
            1.0,
        ),
        (
            r#"keyturn_http_request_duration_seconds_count{method="POST",route="/v1/activations"}"#,
            2.0,
        ),
        ("keyturn_seats_in_use", 1.0),
        ("keyturn_event_log_backlog", 0.0),
    ] {
        assert_eq!(value(&text, series), Some(expected), "{series} in\n{text}");
    }
    assert!(
        value(&text, r#"keyturn_db_pool_connections{state="open"}"#).is_some(),
        "{text}"
    );
    assert!(!text.contains(&key), "no key in the metrics");

    // On the main address only with the token.
    let url = server.url.clone();
    let (without, with) = tokio::task::spawn_blocking(move || (scrape(&url, None).0, scrape(&url, Some("scrape-me"))))
        .await
        .unwrap();
    assert_eq!(without, 401);
    assert_eq!(with.0, 200);
    assert!(with.1.contains("keyturn_seats_in_use 1"), "{}", with.1);
}

#[tokio::test]
async fn json_log_lines_are_json_objects() {
    let server = Server::options()
        .product("app", "App")
        .args(&["--log-format", "json"])
        .start();
    let key = server.new_license(1);
    let (status, _) = server
        .post("/v1/validate", serde_json::json!({"key": key, "fingerprint": "abc"}))
        .await;
    assert_eq!(status, 200);
    keyturn_testkit::eventually("the access log line", Duration::from_secs(10), || {
        let logs = server.logs();
        async move { logs.contains("/v1/validate") }
    })
    .await;
    let logs = server.logs();
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value["timestamp"].is_string() && value["level"].is_string(), "{line}");
    }
    assert!(
        logs.lines()
            .any(|l| l.contains(r#""route":"/v1/validate""#) && l.contains(r#""status":200"#)),
        "{logs}"
    );
}
