//! The API client against a fault server: timeouts, 500s, dropped connections, garbage. Network
//! trouble must come back as an offline error with no license code, never as "invalid key".

mod support;

use keyturn_client::{ApiClient, ClientError, Code, Timeouts};
use keyturn_testkit::stub::{refused_url, Reply, Stub};
use serde_json::json;
use std::time::{Duration, Instant};
use support::fixtures::*;

fn quick(url: &str) -> ApiClient {
    ApiClient::with_timeouts(
        url,
        Timeouts {
            connect: Duration::from_millis(500),
            request: Duration::from_millis(400),
        },
    )
    .unwrap()
}

async fn validate(url: &str) -> ClientError {
    quick(url).validate(&key(), "fp").await.unwrap_err()
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    let err = validate(&refused_url().await).await;
    assert!(matches!(err, ClientError::Network(_)), "{err:?}");
    assert!(err.is_offline());
    assert_eq!(err.code(), None);
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let stub = Stub::start(|_| Reply::Hang).await;
    let started = Instant::now();
    let err = validate(&stub.url).await;
    assert!(matches!(err, ClientError::Timeout), "{err:?}");
    assert!(err.is_offline());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_body_that_stalls_times_out() {
    let stub = Stub::start(|_| Reply::StallBody).await;
    let err = quick(&stub.url).machines(&key(), None).await.unwrap_err();
    assert!(matches!(err, ClientError::Timeout), "{err:?}");
}

#[tokio::test]
async fn a_dropped_connection_is_a_network_error() {
    let stub = Stub::start(|_| Reply::Drop).await;
    let err = validate(&stub.url).await;
    assert!(matches!(err, ClientError::Network(_)), "{err:?}");
    assert!(err.is_offline());
}

#[tokio::test]
async fn a_500_page_from_a_proxy_is_unavailable_not_a_license_answer() {
    for status in [500, 502, 503, 504] {
        let stub = Stub::start(move |_| Reply::Raw(status, "text/html", "<html>Bad Gateway</html>".into())).await;
        let err = validate(&stub.url).await;
        assert!(
            matches!(err, ClientError::Unavailable { status: s } if s == status),
            "{err:?}"
        );
        assert!(err.is_offline() && err.is_retryable());
        assert_eq!(err.code(), None);
    }
}

#[tokio::test]
async fn a_500_with_an_error_body_keeps_its_code_and_is_retryable() {
    let stub = Stub::start(|_| Reply::Json(500, error("INTERNAL"))).await;
    let err = validate(&stub.url).await;
    assert!(matches!(&err, ClientError::Server { status: 500, .. }), "{err:?}");
    assert_eq!(err.code(), Some(Code::Internal));
    assert!(err.is_retryable());
    // The flow keeps it a client error, not a refusal of the license.
    let flow: keyturn_client::FlowError = err.into();
    assert!(matches!(flow, keyturn_client::FlowError::Client(_)));
}

#[tokio::test]
async fn garbage_and_oversized_answers_are_protocol_errors() {
    let stub = Stub::start(|_| Reply::Raw(200, "application/json", "{not json".into())).await;
    assert!(matches!(validate(&stub.url).await, ClientError::Protocol(_)));
    let stub = Stub::start(|_| Reply::Raw(200, "application/json", "x".repeat(2 << 20))).await;
    assert!(matches!(validate(&stub.url).await, ClientError::Protocol(_)));
    let stub = Stub::start(|_| Reply::Raw(400, "text/plain", "nope".into())).await;
    assert!(matches!(validate(&stub.url).await, ClientError::Protocol(_)));
    let stub = Stub::start(|_| Reply::Json(200, json!({"valid": true}))).await;
    assert!(matches!(validate(&stub.url).await, ClientError::Protocol(_)));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = Stub::start(|_| Reply::Json(200, validate_reply("VALID", None))).await;
    let target = format!("{}/v1/validate", elsewhere.url);
    let stub = Stub::start(move |_| Reply::Redirect(target.clone())).await;
    assert!(matches!(validate(&stub.url).await, ClientError::Protocol(_)));
    assert_eq!(stub.calls().len(), 1);
    assert!(elsewhere.calls().is_empty(), "the key followed a redirect");
}

#[tokio::test]
async fn rate_limited_keeps_its_code() {
    let stub = Stub::start(|_| Reply::Json(429, error("RATE_LIMITED"))).await;
    let err = validate(&stub.url).await;
    assert_eq!(err.code(), Some(Code::RateLimited));
    assert!(err.is_retryable() && !err.is_offline());
}

#[tokio::test]
async fn a_newer_servers_unknown_code_is_tolerated() {
    let stub = Stub::start(|_| Reply::Json(403, error("SOMETHING_NEW"))).await;
    assert_eq!(validate(&stub.url).await.code(), Some(Code::Unknown));
}
