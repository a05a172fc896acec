//! Prometheus metrics at `/metrics` (`serve --metrics-listen ADDR` or `--metrics-token-file`).
//!
//! The `metrics` facade with `metrics-exporter-prometheus`: well kept, the de-facto pair of the
//! tokio ecosystem, and without an installed recorder its macros do nothing, so a server without
//! metrics pays one relaxed load per request ([`enabled`]). (The `prometheus` crate needs every
//! metric registered up front and keeps labels as `&str` slices per call, which fits the
//! dynamic route and code labels here worse.) Counters and histograms are recorded where things
//! happen (requests in [`crate::http`]'s frame, events in the event log); gauges that live in
//! the store are read when scraped ([`crate::http::ops`]). This module depends on nothing of the
//! server's, so the event log and the HTTP layer can call it without a circle.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `keyturn_http_requests_total` | counter | method, route (the template, never a key), status |
//! | `keyturn_http_request_duration_seconds` | histogram | method, route |
//! | `keyturn_events_total` | counter | action (activate, renew, …), outcome (OK or the refusal's code) |
//! | `keyturn_seats_in_use` | gauge | |
//! | `keyturn_event_log_backlog` | gauge | events not yet handed to the database |
//! | `keyturn_webhook_backlog` | gauge | webhook deliveries pending (due or waiting to retry) |
//! | `keyturn_mail_backlog` | gauge | purchase emails pending (due or waiting to retry) |
//! | `keyturn_db_pool_connections` | gauge | state (open, idle) |

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Latency buckets in seconds: validate answers in well under a millisecond, activate waits for
/// a durable commit.
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Installs the process-wide recorder (once; `serve` calls it when metrics are on).
pub fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| format!("cannot start metrics: {e}"))?;
    metrics::describe_counter!(
        "keyturn_http_requests_total",
        "HTTP requests answered, by route and status"
    );
    metrics::describe_histogram!("keyturn_http_request_duration_seconds", "Time to answer a request");
    metrics::describe_counter!(
        "keyturn_events_total",
        "Activations, renewals, refusals (outcome = code), admin actions"
    );
    metrics::describe_gauge!("keyturn_seats_in_use", "Activations bound, over all licenses");
    metrics::describe_gauge!(
        "keyturn_event_log_backlog",
        "Events waiting to be written to the database"
    );
    metrics::describe_gauge!(
        "keyturn_webhook_backlog",
        "Webhook deliveries pending (not delivered, not given up)"
    );
    metrics::describe_gauge!(
        "keyturn_mail_backlog",
        "Purchase emails pending (not sent, not given up)"
    );
    metrics::describe_gauge!("keyturn_db_pool_connections", "Database connections of the pool");
    ENABLED.store(true, Ordering::Relaxed);
    Ok(handle)
}

/// One answered request (the route's template, never its raw path).
pub fn request(method: &axum::http::Method, route: &str, status: u16, elapsed: Duration) {
    if !enabled() {
        return;
    }
    let method = method.as_str().to_owned();
    let route = route.to_owned();
    metrics::histogram!("keyturn_http_request_duration_seconds", "method" => method.clone(), "route" => route.clone())
        .record(elapsed.as_secs_f64());
    metrics::counter!("keyturn_http_requests_total", "method" => method, "route" => route, "status" => status.to_string())
        .increment(1);
}

/// One event of the event log: an activation, a refusal with its code, an admin action.
pub fn event(action: &str, outcome: &str) {
    if enabled() {
        metrics::counter!("keyturn_events_total", "action" => action.to_owned(), "outcome" => outcome.to_owned())
            .increment(1);
    }
}
