//! The self-hosting routes: `GET /healthz/seen` (what a request looked like when it arrived:
//! `keyturn-server doctor` asks it through the public URL to see what the reverse proxy
//! forwards) and `GET /metrics` (Prometheus text; on its own address, or on the main one for
//! requests bearing the metrics token).

use crate::domain::errors::ApiError;
use crate::http::admin::constant_time_eq;
use crate::http::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use keyturn_protocol::token::public_key_to_string;
use keyturn_protocol::Code;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `GET /healthz/seen`'s answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Seen {
    /// The token signing public key: tells that the answer came from the server with this database.
    pub public_key: String,
    pub host: Option<String>,
    pub forwarded_for: Option<String>,
    pub forwarded_proto: Option<String>,
    /// Whether the server trusts X-Forwarded-For (`trust_proxy`).
    pub trust_proxy: bool,
}

/// Routes merged into the main router: `/healthz/seen`, and `/metrics` when a token guards it.
pub fn main_routes(state: AppState, metrics: Option<(PrometheusHandle, String)>) -> Router {
    let router = Router::new().route("/healthz/seen", get(seen));
    let router = match metrics {
        Some((handle, token)) => router.route(
            "/metrics",
            get(guarded_metrics).with_state(Arc::new(Guarded {
                handle,
                token,
                state: state.clone(),
            })),
        ),
        None => router,
    };
    router.with_state(state)
}

/// The router of the separate metrics address.
pub fn metrics_only(state: AppState, handle: PrometheusHandle) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(
                |State((handle, state)): State<(PrometheusHandle, AppState)>| async move {
                    text(render(&handle, &state).await)
                },
            ),
        )
        .with_state((handle, state))
}

async fn seen(State(state): State<AppState>, headers: HeaderMap) -> Json<Seen> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    Json(Seen {
        public_key: public_key_to_string(&state.store.secrets().keys().signing_key.verifying_key()),
        host: get("host"),
        forwarded_for: get("x-forwarded-for"),
        forwarded_proto: get("x-forwarded-proto"),
        trust_proxy: state.trust_proxy,
    })
}

struct Guarded {
    handle: PrometheusHandle,
    token: String,
    state: AppState,
}

async fn guarded_metrics(State(g): State<Arc<Guarded>>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !bearer.is_some_and(|b| constant_time_eq(b.as_bytes(), g.token.as_bytes())) {
        return ApiError::new(Code::Unauthorized, "the metrics token is missing or wrong").into_response();
    }
    text(render(&g.handle, &g.state).await)
}

fn text(body: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
        .into_response()
}

/// The Prometheus text, with the gauges read now.
async fn render(handle: &PrometheusHandle, state: &AppState) -> String {
    ::metrics::gauge!("keyturn_event_log_backlog").set(state.events.backlog() as f64);
    match state.store.gauges().await {
        Ok(g) => {
            ::metrics::gauge!("keyturn_seats_in_use").set(g.seats_in_use as f64);
            ::metrics::gauge!("keyturn_webhook_backlog").set(g.webhook_backlog as f64);
            ::metrics::gauge!("keyturn_mail_backlog").set(g.mail_backlog as f64);
            ::metrics::gauge!("keyturn_db_pool_connections", "state" => "open").set(g.pool_size as f64);
            ::metrics::gauge!("keyturn_db_pool_connections", "state" => "idle").set(g.pool_idle as f64);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the store's numbers"),
    }
    handle.render()
}

/// `serve`'s self-hosting parts: `/healthz/seen`, and metrics when asked for (on their own
/// address, served until the process ends, and/or behind the metrics token).
pub async fn serve_extras(
    opts: &crate::ops::OpsOptions,
    app: axum::Router,
    state: AppState,
) -> Result<axum::Router, String> {
    let token = opts.metrics_token()?;
    let handle = if opts.metrics_enabled() {
        Some(crate::ops::metrics::install()?)
    } else {
        None
    };
    if let (Some(addr), Some(handle)) = (opts.metrics_listen, &handle) {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr} for metrics: {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        println!("KEYTURN_METRICS_LISTENING http://{bound}");
        tracing::info!(addr = %bound, "metrics listening");
        let router = metrics_only(state.clone(), handle.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let guarded = handle.zip(token);
    Ok(app.merge(main_routes(state, guarded)))
}
