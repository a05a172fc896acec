//! The webhook delivery worker of a server process: claims due deliveries (the oldest pending
//! one of each endpoint, leased so that with several replicas one process sends each), posts
//! each as signed JSON and records the answers ([`crate::domain::webhooks`]). Endpoints are sent
//! to side by side, each by a task of its own that records its outcomes when done; one
//! endpoint's deliveries one after the other, in sequence order (up to `PER_ENDPOINT` per claim,
//! their outcomes recorded together).

use crate::clock::Clock;
use crate::domain::webhooks::{self, payload, sign, Attempt, Due};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Endpoints served at once (each gets up to `webhooks::PER_ENDPOINT` deliveries in order).
const ENDPOINTS: u32 = 64;
/// How often an idle worker looks for due deliveries (retries come due by the clock).
const IDLE_POLL: Duration = Duration::from_millis(200);
/// The first wait after a claim found nothing, doubling up to [`IDLE_POLL`]: a busy server's
/// events go out within milliseconds (an empty claim reads a few index entries and writes
/// nothing), an idle one looks five times a second.
const FIRST_POLL: Duration = Duration::from_millis(5);
/// After a claim of fewer than [`FULL_CLAIM`] deliveries, the worker lets events gather this
/// long before claiming again: each claim and each record of results is a write transaction the
/// server's changes wait behind (SQLite has one writer), so under load a few large batches cost
/// far less than many small ones. Deliveries wait at most this much longer.
const GATHER: Duration = Duration::from_millis(25);
const FULL_CLAIM: usize = 128;
/// A receiver must answer within this.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest error text kept from a failed attempt.
const MAX_ERROR: usize = 300;

/// Starts the worker on the current tokio runtime.
pub fn start(store: Arc<dyn Store>, clock: Arc<Clock>) {
    let http = reqwest::Client::builder()
        .timeout(ATTEMPT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("keyturn-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client without custom TLS settings builds");
    // A finished endpoint wakes the claiming loop: its next deliveries go without waiting for a poll.
    let finished = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(async move {
        let mut poll = FIRST_POLL;
        loop {
            let found = match store.claim_deliveries(clock.now(), ENDPOINTS).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim webhook deliveries");
                    Vec::new()
                }
            };
            if found.is_empty() {
                let _ = tokio::time::timeout(poll, finished.notified()).await;
                poll = (poll * 2).min(IDLE_POLL);
                continue;
            }
            poll = FIRST_POLL;
            let gather = found.len() < FULL_CLAIM;
            // Claimed grouped by endpoint, in sequence order: one task per endpoint, which sends
            // and records its own results, so a slow receiver holds back only its own endpoint
            // (the head's lease keeps the next claims off an endpoint while its task runs).
            let mut rest = found.into_iter().peekable();
            while let Some(first) = rest.next() {
                let mut run = vec![first];
                while rest
                    .peek()
                    .is_some_and(|d| d.delivery.endpoint_id == run[0].delivery.endpoint_id)
                {
                    run.extend(rest.next());
                }
                let (store, clock, http, finished) = (store.clone(), clock.clone(), http.clone(), finished.clone());
                tokio::spawn(async move {
                    let results = send_in_order(&clock, &http, run).await;
                    if let Err(e) = store.finish_deliveries(clock.now(), results).await {
                        tracing::warn!(error = %e, "could not record webhook attempts");
                    }
                    finished.notify_one();
                });
            }
            if gather {
                tokio::time::sleep(GATHER).await;
            }
        }
    });
}

/// Sends one endpoint's deliveries one after the other; after a failure, or half the lease, the
/// rest go back untried.
async fn send_in_order(clock: &Clock, http: &reqwest::Client, run: Vec<Due>) -> Vec<(i64, Option<Attempt>)> {
    let mut results = Vec::with_capacity(run.len());
    let mut failed = false;
    let started = std::time::Instant::now();
    let lease = Duration::from_secs(webhooks::LEASE_SECS as u64);
    for due in run {
        // Past half the lease: the rest go back (another claim takes them, in order).
        if failed || started.elapsed() > lease / 2 {
            results.push((due.delivery.id, None));
            continue;
        }
        let attempt = send(clock, http, &due).await;
        failed = !attempt.succeeded();
        results.push((due.delivery.id, Some(attempt)));
    }
    results
}

async fn send(clock: &Clock, http: &reqwest::Client, due: &Due) -> Attempt {
    let body = payload(due);
    let sent_at = clock.now();
    let answer = http
        .post(&due.url)
        .header("Content-Type", "application/json")
        .header(sign::HEADER, sign::header(&due.secret, sent_at, &body))
        .header("Keyturn-Delivery-Id", due.delivery.id.to_string())
        .body(body)
        .send()
        .await;
    let attempt = match answer {
        Ok(response) => Attempt {
            status: Some(response.status().as_u16()),
            error: None,
        },
        Err(e) => {
            let mut error = if e.is_timeout() {
                "the receiver did not answer in time".to_string()
            } else if e.is_connect() {
                "could not connect to the receiver".to_string()
            } else {
                format!("no answer: {e}")
            };
            error.truncate(MAX_ERROR);
            Attempt {
                status: None,
                error: Some(error),
            }
        }
    };
    if !attempt.succeeded() {
        tracing::info!(
            delivery = due.delivery.id,
            endpoint = %due.delivery.endpoint_id,
            status = attempt.status,
            "webhook delivery failed; it will be retried"
        );
    }
    attempt
}
