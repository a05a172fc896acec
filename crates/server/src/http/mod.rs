//! The HTTP surface: client endpoints ([`client`]), admin API ([`admin`], [`events`]), support
//! console ([`console`]) and customer portal ([`portal`]) with their sign-ins ([`sessions`]),
//! request extractors, rate limits, errors as answers ([`error`]), and the JSON answers for
//! everything else (unknown routes, wrong methods, timeouts, panics). [`serve`] runs it.

pub mod actor;
pub mod admin;
pub mod client;
pub mod client_addr;
pub mod console;
pub mod error;
pub mod events;
pub mod extract;
pub mod leases;
pub mod license_admin;
pub mod log_sink;
pub mod mail_queue;
pub mod ops;
pub mod payment_admin;
pub mod payments;
pub mod portal;
pub mod ratelimit;
pub mod rename;
pub mod serve;
pub mod sessions;
pub mod shared_assets;
pub mod staff;
pub mod state;
pub mod webhooks;

pub use state::AppState;

use crate::domain::errors::ApiError;
use crate::http::extract::MAX_BODY;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use keyturn_protocol::Code;
use std::time::{Duration, Instant};

pub fn router(state: AppState) -> Router {
    let timeout = state.request_timeout;
    Router::new()
        .merge(client::routes())
        .merge(rename::routes())
        .merge(payments::routes())
        .merge(leases::client_routes())
        .nest("/admin/v1", admin::routes(state.clone()))
        .merge(crate::http::console::routes(state.clone()))
        .merge(crate::http::portal::routes(state.clone()))
        .route("/healthz", get(|| async { Json(serde_json::json!({"status": "ok"})) }))
        .fallback(|| async { ApiError::new(Code::RouteNotFound, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(Code::MethodNotAllowed, "this route does not take this method")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(timeout, frame))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::Internal("a handler panicked".into()).into_response()
        }))
        .with_state(state)
}

/// Around every request: the time limit, JSON for every error answer, and the access log's
/// line: method, route template (never the raw path: it may hold a key), status and time.
/// Bodies (keys, tokens) are never logged.
async fn frame(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let logged = tracing::enabled!(tracing::Level::INFO);
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let declared = extract::declared_length(req.headers());
    let response = if has_nul(req.uri()) {
        // Before any handler: PostgreSQL cannot compare or store a NUL, so a `%00` in a path
        // segment or query answered 500 there (and "not found" on SQLite).
        ApiError::bad_request("the address may not contain the NUL character (%00)").into_response()
    } else if declared.is_some_and(|n| n > LARGEST_BODY as u64) {
        // Larger than any route takes (the payment routes' limit; the others check their own in
        // `extract::body_bytes`): refused before waiting for a byte of it.
        extract::too_large(LARGEST_BODY).into_response()
    } else {
        match tokio::time::timeout(limit, next.run(req)).await {
            Ok(response) => json_errors(response).await,
            Err(_) => ApiError::new(Code::Timeout, "the request took too long").into_response(),
        }
    };
    crate::ops::metrics::request(
        &method,
        route.as_ref().map_or("-", |p| p.as_str()),
        response.status().as_u16(),
        started.elapsed(),
    );
    if logged {
        let route = route.as_ref().map_or("-", |p| p.as_str());
        let micros = started.elapsed().as_micros() as u64;
        crate::http::log_sink::access(&method, route, response.status().as_u16(), micros);
    }
    response
}

/// The largest body any route reads (a provider's payment event).
const LARGEST_BODY: usize = payments::MAX_EVENT;

/// Whether the path or query holds a percent-encoded NUL (a raw one cannot reach a handler).
fn has_nul(uri: &axum::http::Uri) -> bool {
    let nul = |text: &str| text.contains("%00");
    nul(uri.path()) || uri.query().is_some_and(nul)
}

/// The longest framework rejection text kept as the message (it names the parameter and why,
/// e.g. "Failed to deserialize query string: limit: invalid digit found in string").
const REJECTION_TEXT_MAX: usize = 300;

/// Any error answer that is not JSON yet (a framework rejection: a path or query that does not
/// parse, a body over the limit) becomes an ErrorBody; its plain text, when short, is the
/// message, so the client learns which parameter was wrong.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let code = match status.as_u16() {
        404 => Code::RouteNotFound,
        405 => Code::MethodNotAllowed,
        408 => Code::Timeout,
        413 => Code::PayloadTooLarge,
        415 => Code::UnsupportedMediaType,
        429 => Code::RateLimited,
        400..=499 => Code::BadRequest,
        _ => Code::Internal,
    };
    let is_text = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    let text = match is_text && status.is_client_error() {
        true => axum::body::to_bytes(response.into_body(), REJECTION_TEXT_MAX)
            .await
            .ok(),
        false => None,
    };
    let message = text
        .and_then(|t| String::from_utf8(t.to_vec()).ok())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string());
    (status, Json(keyturn_protocol::wire::ErrorBody::new(code, message))).into_response()
}
