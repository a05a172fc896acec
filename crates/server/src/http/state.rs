//! What every handler gets: the store, the clock, the limits, the admin token, the event log.

use crate::clock::Clock;
use crate::http::ratelimit::RateLimiter;
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Arc<Clock>,
    pub limiter: Arc<RateLimiter>,
    /// Bearer token of the admin API; None disables the admin API.
    pub admin_token: Option<Arc<str>>,
    /// Enables `POST /admin/v1/test/clock` (tests only).
    pub test_clock: bool,
    pub request_timeout: Duration,
    /// Rate-limit by the right-most X-Forwarded-For address (behind a trusted reverse proxy).
    pub trust_proxy: bool,
    /// The event log (activations, refusals, renewals, admin actions).
    pub events: crate::events::EventLog,
    /// Session cookies marked Secure: the server is reached over https (`--public-url`).
    pub secure_cookies: bool,
    /// Payments in: provider secrets and the price → policy map.
    pub payments: Arc<crate::http::payments::Settings>,
    /// The vendor's name, logo and accent colour in the customer portal.
    pub branding: Arc<crate::http::portal::branding::Branding>,
}
