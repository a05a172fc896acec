//! Webhooks out: vendor endpoints (URL, the event types wanted, a secret) receive every matching
//! event of the log as signed JSON ([`sign`]), at least once and in order per endpoint.
//!
//! A change writes only its event; each endpoint keeps a cursor in the event log, and a claim
//! takes the events after it into the endpoint's queue as pending deliveries ([`intake`]), so
//! no event is lost to a crash and subscribing costs the changes nothing. A worker in each server process ([`crate::events::delivery`]) claims endpoints ([`lease`]),
//! posts their deliveries in order and records the answers ([`after_attempt`]): 2xx delivered;
//! otherwise retried with growing delays ([`retry_delay`]) for [`GIVE_UP_AFTER_SECS`] (three
//! days), then FAILED. Redeliver puts one back in the queue, at its end.
//!
//! Order per endpoint: a delivery gets the endpoint's next `sequence` number (1, 2, 3, …) when a
//! claim takes its event from the log, in the log's order ([`intake`]). Deliveries are sent
//! one at a time in sequence order, the next only after the previous one was answered 2xx (or
//! given up): the first undelivered one (the head) blocks its endpoint, and only its endpoint,
//! while it is retried. One claim at a time per endpoint (PostgreSQL: the endpoint's row locked
//! with `SKIP LOCKED`; SQLite: the one writer), and the head leased while it is sent, so with
//! several replicas one process sends an endpoint's deliveries. Why this order is one a receiver
//! can rely on: an event whose change began after another change committed comes later in the
//! log and is never taken without it, so it gets a higher sequence; a number once given is never
//! given again, so no event is held back behind a later one.

pub mod intake;
pub mod sign;
pub mod tx;

use super::errors::{ApiError, ApiResult};
use super::events::StoredEvent;
use super::ids::new_id;
use rand::RngCore;
use serde::{Deserialize, Serialize};
pub use tx::WebhookTx;

/// Retries stop (state FAILED) once a delivery is this old: three days.
pub const GIVE_UP_AFTER_SECS: i64 = 3 * 86_400;
/// How long a claimed delivery is held by the process that claimed it (then another may).
pub const LEASE_SECS: i64 = 120;
/// Event types an endpoint may list at most.
const MAX_TYPES: usize = 64;

pub const PENDING: &str = "PENDING";
/// Why a delivery failed whose event the log's retention removed before it was sent.
pub const EVENT_GONE: &str = "the event was removed from the log (retention) before it was delivered";
pub const DELIVERED: &str = "DELIVERED";
pub const FAILED: &str = "FAILED";

/// A registered endpoint. `secret` signs its deliveries; it is shown when the endpoint is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    /// `*` (everything) or event types: an event's action (`activate`, `suspend`, …) when it
    /// succeeded, `ACTION.refused` when it was refused.
    pub event_types: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub secret: String,
    pub created_at: i64,
}

impl Endpoint {
    /// The endpoint as listed: without its secret.
    pub fn listed(mut self) -> Endpoint {
        self.secret.clear();
        self
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<String>,
    /// Chosen by the vendor (16 to 128 printable characters); random `whsec_…` when absent.
    pub secret: Option<String>,
}

/// One event for one endpoint, and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub endpoint_id: String,
    pub event_id: i64,
    /// Its place in the endpoint's order (see the module's doc): none until a claim found it.
    pub sequence: Option<i64>,
    /// PENDING, DELIVERED or FAILED (given up).
    pub state: String,
    pub attempts: u32,
    /// When the next attempt is due (PENDING).
    pub next_at: i64,
    /// The receiver's last HTTP status (none: no answer).
    pub last_status: Option<u16>,
    /// Why the last attempt failed (no answer, timeout, status).
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// A claimed delivery with what it needs to be sent.
#[derive(Debug, Clone)]
pub struct Due {
    pub delivery: Delivery,
    pub url: String,
    pub secret: String,
    pub event: StoredEvent,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    pub endpoint_id: Option<String>,
    pub state: Option<String>,
    /// Only deliveries with an id below this one (the previous page's last).
    pub before: Option<i64>,
    pub limit: Option<u32>,
}

/// An event's type as endpoints subscribe to it.
pub fn event_type(event: &StoredEvent) -> String {
    intake::type_of(&event.event.action, &event.event.outcome)
}

/// The JSON body a receiver gets.
pub fn payload(due: &Due) -> String {
    serde_json::json!({
        "delivery_id": due.delivery.id,
        "sequence": due.delivery.sequence,
        "type": event_type(&due.event),
        "event": due.event,
    })
    .to_string()
}

fn check_new(new: &NewEndpoint) -> ApiResult<()> {
    let url = new.url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| ApiError::bad_request("url: give an http:// or https:// address"))?;
    if rest.is_empty() || rest.starts_with('/') || url.len() > 2048 || url.chars().any(char::is_whitespace) {
        return Err(ApiError::bad_request(
            "url: give the address with its host, e.g. https://example.com/hooks",
        ));
    }
    if new.event_types.is_empty() || new.event_types.len() > MAX_TYPES {
        return Err(ApiError::bad_request(format!(
            "event_types: list 1 to {MAX_TYPES} event types, or \"*\" for every event"
        )));
    }
    for t in &new.event_types {
        let action = t.strip_suffix(".refused").unwrap_or(t);
        let ok = t == "*"
            || (!action.is_empty()
                && action.len() <= 64
                && action.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        if !ok {
            return Err(ApiError::bad_request(format!(
                "event_types: {t:?} is not an event type (e.g. activate, suspend, activate.refused or *)"
            )));
        }
    }
    if let Some(s) = &new.secret {
        if !(16..=128).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::bad_request(
                "secret: 16 to 128 printable characters without spaces",
            ));
        }
    }
    Ok(())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("whsec_{}", sign::hex(&bytes))
}

/// Registers an endpoint; answers it with its secret (the only time it is shown).
pub async fn create_endpoint(tx: &mut impl WebhookTx, now: i64, new: &NewEndpoint) -> ApiResult<Endpoint> {
    check_new(new)?;
    let mut event_types = new.event_types.clone();
    event_types.sort();
    event_types.dedup();
    let endpoint = Endpoint {
        id: new_id("whk"),
        url: new.url.trim().to_string(),
        event_types,
        secret: new.secret.clone().unwrap_or_else(new_secret),
        created_at: now,
    };
    tx.insert_endpoint(&endpoint).await?;
    Ok(endpoint)
}

/// Every endpoint, without secrets.
pub async fn endpoints(tx: &mut impl WebhookTx) -> ApiResult<Vec<Endpoint>> {
    Ok(tx.endpoints().await?.into_iter().map(Endpoint::listed).collect())
}

pub async fn remove_endpoint(tx: &mut impl WebhookTx, id: &str) -> ApiResult<()> {
    if tx.delete_endpoint(id).await? {
        Ok(())
    } else {
        Err(ApiError::not_found("no webhook endpoint has this id"))
    }
}

/// Deliveries claimed per endpoint at once: sent one after the other in sequence order, their
/// outcomes recorded in one transaction (the worker gives back what it has not sent after half
/// the lease, so a slow receiver never outlives it).
pub const PER_ENDPOINT: u32 = 256;

/// Claims up to `endpoints` endpoints with work: numbers their redelivered deliveries, takes
/// the new events of the log into their queues, then leases each one's head and the deliveries
/// after it when the head is due and not leased; their ids.
pub async fn lease(tx: &mut impl WebhookTx, now: i64, endpoints: u32) -> ApiResult<Vec<i64>> {
    let claimed = tx.claim_endpoints(now, endpoints).await?;
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let all = tx.endpoints().await?;
    let mut ids = Vec::new();
    for endpoint in claimed {
        let Some(types) = all.iter().find(|e| e.id == endpoint).map(|e| &e.event_types) else {
            continue;
        };
        tx.sequence_new(&endpoint, now).await?;
        intake::take_new(tx, &endpoint, types, now).await?;
        ids.extend(tx.lease_head(&endpoint, now, now + LEASE_SECS, PER_ENDPOINT).await?);
    }
    Ok(ids)
}

/// The leased deliveries with what they need to be sent, grouped by endpoint in sequence order.
pub async fn load(tx: &mut impl WebhookTx, ids: &[i64]) -> ApiResult<Vec<Due>> {
    let mut due = tx.due(ids).await?;
    due.sort_by(|a, b| {
        (a.delivery.endpoint_id.as_str(), a.delivery.sequence)
            .cmp(&(b.delivery.endpoint_id.as_str(), b.delivery.sequence))
    });
    Ok(due)
}

/// Leased deliveries that did not load: their event is gone, so they can never be sent.
pub async fn give_up_gone(tx: &mut impl WebhookTx, leased: &[i64], loaded: &[Due]) -> ApiResult<()> {
    let gone: Vec<i64> = leased
        .iter()
        .copied()
        .filter(|id| !loaded.iter().any(|d| d.delivery.id == *id))
        .collect();
    if !gone.is_empty() {
        tx.give_up_gone(&gone, EVENT_GONE).await?;
    }
    Ok(())
}

/// How long to wait after the `attempts`-th failed attempt: 30 s, doubling, at most 4 hours.
pub fn retry_delay(attempts: u32) -> i64 {
    let doubled = 30i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(20));
    doubled.min(4 * 3600)
}

/// What one attempt got back: the receiver's status, or why there was none.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The delivery after an attempt: delivered, retried later, or given up.
pub fn after_attempt(mut d: Delivery, now: i64, attempt: &Attempt) -> Delivery {
    d.attempts += 1;
    d.last_status = attempt.status;
    d.last_error = if attempt.succeeded() {
        None
    } else {
        Some(attempt.error.clone().unwrap_or_else(|| match attempt.status {
            Some(s) => format!("the receiver answered {s}"),
            None => "no answer".into(),
        }))
    };
    if attempt.succeeded() {
        d.state = DELIVERED.into();
        d.delivered_at = Some(now);
    } else if now - d.created_at >= GIVE_UP_AFTER_SECS {
        d.state = FAILED.into();
    } else {
        d.next_at = now + retry_delay(d.attempts);
    }
    d
}

/// Records a batch's attempts (`None`: not tried, because an earlier delivery of its endpoint
/// failed; its lease ends): the delivered ones in one statement per status, the failed ones each.
/// A delivery redelivered while its attempt was on the wire (no sequence number any more) is
/// left as redeliver put it: queued again, due now, so that attempt's answer does not swallow it.
pub async fn finish(tx: &mut impl WebhookTx, now: i64, results: &[(i64, Option<Attempt>)]) -> ApiResult<()> {
    // Every lease of the batch ends here: the untried ones' and a redelivered one's (below, its
    // attempt is not recorded, and its lease held the endpoint while the batch was sent).
    let claimed: Vec<i64> = results.iter().map(|(id, _)| *id).collect();
    if !claimed.is_empty() {
        tx.release_leases(&claimed).await?;
    }
    let mut delivered: std::collections::BTreeMap<u16, Vec<i64>> = Default::default();
    for (id, attempt) in results {
        let Some(attempt) = attempt else { continue };
        match attempt.status.filter(|_| attempt.succeeded()) {
            Some(status) => delivered.entry(status).or_default().push(*id),
            None => {
                if let Some(d) = tx.delivery(*id).await? {
                    if d.state == PENDING && d.sequence.is_some() {
                        tx.record_attempt(&after_attempt(d, now, attempt)).await?;
                    }
                }
            }
        }
    }
    for (status, ids) in delivered {
        tx.record_delivered(&ids, status, now).await?;
    }
    Ok(())
}

/// One page of the delivery log, newest first.
pub async fn deliveries(tx: &mut impl WebhookTx, query: &DeliveryQuery) -> ApiResult<Vec<Delivery>> {
    let limit = match query.limit {
        None => 50,
        Some(n @ 1..=500) => n,
        Some(_) => return Err(ApiError::bad_request("limit must be 1 to 500")),
    };
    if let Some(s) = &query.state {
        if ![PENDING, DELIVERED, FAILED].contains(&s.as_str()) {
            return Err(ApiError::bad_request("state: PENDING, DELIVERED or FAILED"));
        }
    }
    tx.deliveries(query, limit).await
}

/// Puts a delivery back in the queue, due now (also a delivered or failed one), at the end of its
/// endpoint's order: it gets a new sequence number, so a receiver that drops numbers it has seen
/// does not drop it.
pub async fn redeliver(tx: &mut impl WebhookTx, now: i64, id: i64) -> ApiResult<Delivery> {
    let mut d = tx
        .delivery(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no webhook delivery has this id"))?;
    d.sequence = None;
    d.state = PENDING.into();
    d.next_at = now;
    d.created_at = now;
    d.delivered_at = None;
    tx.record_attempt(&d).await?;
    Ok(d)
}

#[cfg(test)]
mod tests;
