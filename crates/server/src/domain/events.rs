//! The event log's entries: every activation, refusal (with its code), renewal, deactivation,
//! trial and admin action, with time and actor (the rules for writing and reading them:
//! [`super::event_log`]; recording without blocking a request: `crate::events`).

use super::errors::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};

/// Outcome of a successful action.
pub const OK: &str = "OK";

/// One thing that happened. `key_hash` only finds the license of a refused key; it is never stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Unix seconds (the server's clock).
    pub at: i64,
    /// What was attempted: `activate`, `renew`, `deactivate`, `trial`, `suspend`, `extend`, …
    pub action: String,
    /// `OK` or the refusal's code (`MACHINE_LIMIT_EXCEEDED`, …).
    pub outcome: String,
    pub license_id: Option<String>,
    pub activation_id: Option<String>,
    /// Who: `client 10.0.0.7`, `admin-api 10.0.0.7`, `console 10.0.0.7`, `portal 10.0.0.7`, `cli`.
    pub actor: String,
    /// A short human detail (never a key, a token or raw hardware values).
    pub detail: String,
    #[serde(skip)]
    pub key_hash: Option<String>,
}

impl Event {
    pub fn new(at: i64, action: &str, actor: impl Into<String>) -> Event {
        Event {
            at,
            action: action.into(),
            outcome: OK.into(),
            actor: actor.into(),
            ..Event::default()
        }
    }

    pub fn license(mut self, id: impl Into<String>) -> Event {
        self.license_id = Some(id.into());
        self
    }

    pub fn activation(mut self, id: impl Into<String>) -> Event {
        self.activation_id = Some(id.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Event {
        self.detail = detail.into();
        self
    }

    /// Marks the event as refused with the error's code (and its license when the error has one).
    pub fn refused(mut self, e: &ApiError) -> Event {
        self.outcome = e.code().as_str().to_string();
        if self.license_id.is_none() {
            if let ApiError::Coded { license: Some(l), .. } = e {
                self.license_id = Some(l.id.clone());
            }
        }
        self
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: i64,
    #[serde(flatten)]
    pub event: Event,
}

/// A page of events, newest first. Ask for the next page with `before = next_before`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    pub license_id: Option<String>,
    pub activation_id: Option<String>,
    pub action: Option<String>,
    /// Only events whose actor contains this text, any case (`ann@acme.com`, `token: shop`).
    #[serde(default)]
    pub actor: Option<String>,
    /// Only events with an id below this one.
    pub before: Option<i64>,
    /// 1 to [`MAX_PAGE`] (default [`DEFAULT_PAGE`]).
    pub limit: Option<u32>,
}

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 500;

impl EventQuery {
    pub fn page_size(&self) -> ApiResult<u32> {
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::bad_request(format!("limit must be 1 to {MAX_PAGE}"))),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<StoredEvent>,
    /// Present when there may be older events.
    pub next_before: Option<i64>,
}

/// "expires at T" or "never expires", for extend events.
pub fn expiry_detail(expires_at: Option<i64>) -> String {
    expires_at.map_or_else(|| "never expires".into(), |t| format!("expires at {t}"))
}

/// Names a fingerprint rule's target by product and the fingerprint's first 12 characters.
pub fn fingerprint_detail(product_id: &str, fingerprint: &str) -> String {
    let short: String = fingerprint.chars().take(12).collect();
    let short: String = short.chars().filter(|c| c.is_ascii_graphic()).collect();
    format!(
        "product {}, fingerprint {short}…",
        product_id.chars().take(64).collect::<String>()
    )
}
