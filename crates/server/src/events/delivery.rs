//! The webhook delivery worker of a server process: claims due deliveries (the oldest pending
//! one of each endpoint, leased so that with several replicas one process sends each), posts
//! each as signed JSON and records the answer ([`crate::domain::webhooks`]). Endpoints are sent
//! to side by side; one endpoint's deliveries one after the other, in event order.

use crate::clock::Clock;
use crate::domain::webhooks::{payload, sign, Attempt, Due};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Deliveries claimed at once (each of another endpoint).
const BATCH: u32 = 64;
/// How often an idle worker looks for due deliveries (retries come due by the clock).
const IDLE_POLL: Duration = Duration::from_millis(200);
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
    tokio::spawn(async move {
        loop {
            let found = match store.claim_deliveries(clock.now(), BATCH).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim webhook deliveries");
                    Vec::new()
                }
            };
            if found.is_empty() {
                tokio::time::sleep(IDLE_POLL).await;
                continue;
            }
            let mut sends = tokio::task::JoinSet::new();
            for due in found {
                let (store, clock, http) = (store.clone(), clock.clone(), http.clone());
                sends.spawn(async move { send(store.as_ref(), &clock, &http, due).await });
            }
            while sends.join_next().await.is_some() {}
        }
    });
}

async fn send(store: &dyn Store, clock: &Clock, http: &reqwest::Client, due: Due) {
    let body = payload(&due);
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
    if let Err(e) = store.finish_delivery(clock.now(), due.delivery.id, attempt).await {
        tracing::warn!(error = %e, delivery = due.delivery.id, "could not record a webhook attempt");
    }
}
