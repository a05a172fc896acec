//! Payments in: `POST /v1/payments/stripe` and `POST /v1/payments/paddle`, each on only when its
//! signing secret is set (`serve --stripe-webhook-secret`, `--paddle-webhook-secret`).
//!
//! | answer | when |
//! |---|---|
//! | 200 `{received: true, outcome, license_id, order_id, expires_at}` | applied, a duplicate, an ignored event type, or an unknown price (see [`crate::domain::payments`]) |
//! | 400 `SIGNATURE_INVALID` | the signature header is missing or malformed, or no signature matches the body |
//! | 400 `SIGNATURE_EXPIRED` | signed, but the timestamp is further from now (either way) than the provider's tolerance: a replay, or a clock far off |
//!
//! The tolerances follow the providers' own verifiers: Stripe's libraries allow 300 seconds
//! (`--payment-tolerance-secs`), Paddle's SDKs 5 (`--paddle-tolerance-secs`).
//! | 400 `BAD_REQUEST` | the body is not a JSON event of the provider |
//! | 413 `PAYLOAD_TOO_LARGE` | more than 256 KiB |
//! | 415 `UNSUPPORTED_MEDIA_TYPE` | not `application/json` |
//! | 404 `ROUTE_NOT_FOUND` | the provider's secret is not set |
//!
//! Nothing is created unless the signature holds; the body is read only after it does.

use super::state::AppState;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::payments::{providers, signature, Applied, PaymentConfig, PaymentEvent};
use crate::events::Event;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use keyturn_protocol::Code;
use serde_json::{json, Value};
use std::sync::Arc;

/// The largest event accepted (Stripe's invoices with many lines run to tens of KiB).
pub const MAX_EVENT: usize = 256 * 1024;

/// The payment settings of `serve` (flags and environment variables, see `ServeOptions`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub stripe_secret: Option<String>,
    pub paddle_secret: Option<String>,
    /// Price (or product) id → policy id, and whether keys are emailed.
    pub config: Arc<PaymentConfig>,
    /// How far a Stripe signature's timestamp may be from now, in seconds.
    pub tolerance_secs: i64,
    /// The same for Paddle's.
    pub paddle_tolerance_secs: i64,
}

/// `PRICE=POLICY` pairs (repeated flags, or comma-separated in the environment variable).
pub fn parse_price(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((price, policy)) if !price.trim().is_empty() && !policy.trim().is_empty() => {
            Ok((price.trim().to_string(), policy.trim().to_string()))
        }
        _ => Err("give PRICE_OR_PRODUCT_ID=POLICY_ID, e.g. price_1Pq…=pol_…".into()),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/payments/stripe", post(stripe))
        .route("/v1/payments/paddle", post(paddle))
        .layer(DefaultBodyLimit::max(MAX_EVENT))
}

async fn stripe(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let secret = s.payments.stripe_secret.clone();
    let tolerance = s.payments.tolerance_secs;
    receive(
        s,
        headers,
        body,
        (secret, tolerance),
        "stripe-signature",
        signature::stripe,
        providers::stripe,
    )
    .await
}

async fn paddle(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
    let secret = s.payments.paddle_secret.clone();
    let tolerance = s.payments.paddle_tolerance_secs;
    receive(
        s,
        headers,
        body,
        (secret, tolerance),
        "paddle-signature",
        signature::paddle,
        providers::paddle,
    )
    .await
}

type Verify = fn(&str, &str, &[u8], i64, i64) -> Result<(), signature::Refused>;

async fn receive(
    s: AppState,
    headers: HeaderMap,
    body: Bytes,
    (secret, tolerance): (Option<String>, i64),
    header: &str,
    verify: Verify,
    read: fn(&Value) -> Option<PaymentEvent>,
) -> ApiResult<Response> {
    let secret =
        secret.ok_or_else(|| ApiError::new(Code::RouteNotFound, "payments from this provider are not set up"))?;
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "send the event as application/json",
        ));
    }
    let now = s.clock.now();
    let signed = headers.get(header).and_then(|v| v.to_str().ok()).unwrap_or_default();
    verify(&secret, signed, &body, now, tolerance).map_err(|refused| match refused {
        signature::Refused::Invalid => ApiError::new(
            Code::SignatureInvalid,
            format!("the {header} header does not sign this body"),
        ),
        signature::Refused::Stale => ApiError::new(
            Code::SignatureExpired,
            format!("the {header} timestamp is more than {tolerance} s from now"),
        ),
    })?;
    let mut value: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("not JSON: {e}")))?;
    drop_nul(&mut value);
    let event = read(&value).ok_or_else(|| ApiError::bad_request("not an event of this provider (no id or type)"))?;
    let actor = event.provider;
    let detail = format!(
        "{} {}",
        event.event_type.chars().take(64).collect::<String>(),
        event.event_id.chars().take(64).collect::<String>()
    );
    let describe = move |out: Result<&Applied, &ApiError>| {
        let applied = out.ok()?;
        let action = match applied.outcome {
            "license_created" => "create_license",
            "renewed" | "ends" => "extend",
            "revoked" => "revoke",
            _ => return None,
        };
        let event = Event::new(now, action, actor).detail(detail);
        Some(match &applied.license_id {
            Some(id) => event.license(id),
            None => event,
        })
    };
    let change = s.store.apply_payment(now, s.payments.config.clone(), event);
    let applied = crate::events::with_event::change(&s.events, describe, change).await?;
    Ok(Json(json!({
        "received": true,
        "outcome": applied.outcome,
        "license_id": applied.license_id,
        "order_id": applied.order_id,
        "expires_at": applied.expires_at,
    }))
    .into_response())
}

/// Removes NUL characters from every string of an authentic event (a buyer's name as the
/// provider stored it): PostgreSQL cannot store them (the purchase answered 500 there and the
/// provider retried for days), and refusing a signed event would do the same.
fn drop_nul(value: &mut Value) {
    match value {
        Value::String(text) if text.contains('\0') => text.retain(|c| c != '\0'),
        Value::Array(items) => items.iter_mut().for_each(drop_nul),
        Value::Object(fields) => fields.values_mut().for_each(drop_nul),
        _ => {}
    }
}
