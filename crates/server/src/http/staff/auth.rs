//! Who is asking: a bearer token (the root token while it is on, or a live API token: last use
//! noted at most once a minute), a console session (its staff account read again on every
//! request, so disabling, re-roling or a new password holds at once on every replica), and the console's
//! sign-in by email and password (+ TOTP), throttled per address and per account.

use super::Principal;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::staff::{password, totp, StaffAccount, StaffOp};
use crate::events::Event;
use crate::http::admin::constant_time_eq;
use crate::http::state::AppState;
use keyturn_protocol::Code;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The root token (when on) or a live API token; None for anything else.
pub async fn bearer(s: &AppState, given: &str) -> ApiResult<Option<Principal>> {
    if let Some(root) = &s.admin_token {
        if constant_time_eq(given.as_bytes(), root.as_bytes()) {
            return Ok(Some(Principal::Root));
        }
    }
    if !given.starts_with("kt_") || given.len() > 128 {
        return Ok(None);
    }
    let now = s.clock.now();
    let hash = s.store.secrets().hasher.hash_api_token(given);
    let Some(t) = s.store.staff_read(now, StaffOp::TokenByHash(hash)).await?.token() else {
        return Ok(None);
    };
    if t.last_used_at.is_none_or(|at| now - at >= 60) {
        s.store.staff_write(now, StaffOp::TouchToken(t.id.clone())).await?;
    }
    Ok(Some(Principal::Token {
        id: t.id,
        name: t.name,
        role: t.role,
        product_id: t.product_id,
    }))
}

/// A staff account's console session: its id, and a stamp of the password it signed in with
/// (a new password, set by the person or an owner, ends every session opened before).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StaffSession {
    pub id: String,
    stamp: String,
}

/// The first 16 hex digits of the SHA-256 of the stored password hash (never the hash).
fn stamp(account: &StaffAccount) -> String {
    let digest = Sha256::digest(account.password_hash.as_bytes());
    crate::domain::secrets::hex(&digest[..8])
}

/// The principal of a console session (`staff` None: opened with the root token). None when the
/// account is gone, disabled or has a new password, or the root token was turned off.
pub async fn session_principal(s: &AppState, staff: Option<&StaffSession>) -> ApiResult<Option<Principal>> {
    let Some(session) = staff else {
        return Ok(s.admin_token.is_some().then_some(Principal::Root));
    };
    let now = s.clock.now();
    let Some(account) = s
        .store
        .staff_read(now, StaffOp::ById(session.id.clone()))
        .await?
        .account()
    else {
        return Ok(None);
    };
    if account.disabled || !constant_time_eq(stamp(&account).as_bytes(), session.stamp.as_bytes()) {
        return Ok(None);
    }
    let settings = s.store.staff_read(now, StaffOp::Settings).await?.settings();
    Ok(Some(Principal::Staff {
        totp_pending: settings.require_totp && account.totp_secret.is_none(),
        id: account.id,
        email: account.email,
        role: account.role,
    }))
}

/// Wrong passwords per account: 5 at once, then one try every 6 seconds. Someone guessing can
/// keep an account at that pace, never lock its owner out for longer than one step; guessing
/// from one address is throttled harder (the admin token's budget, shared).
pub struct AccountThrottle {
    failures: Mutex<HashMap<String, (f64, Instant)>>,
}

const ACCOUNT_BURST: f64 = 5.0;
const ACCOUNT_REFILL_SECS: f64 = 6.0;

impl Default for AccountThrottle {
    fn default() -> Self {
        AccountThrottle {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl AccountThrottle {
    fn tokens(&self, email: &str, now: Instant) -> f64 {
        let map = self.failures.lock().expect("throttle");
        map.get(email).map_or(ACCOUNT_BURST, |(tokens, at)| {
            (tokens + now.duration_since(*at).as_secs_f64() / ACCOUNT_REFILL_SECS).min(ACCOUNT_BURST)
        })
    }

    /// How long until this account may try again (zero: now).
    pub fn wait(&self, email: &str) -> Duration {
        let tokens = self.tokens(email, Instant::now());
        Duration::from_secs_f64(((1.0 - tokens) * ACCOUNT_REFILL_SECS).max(0.0))
    }

    pub fn failed(&self, email: &str) {
        let now = Instant::now();
        let tokens = self.tokens(email, now);
        let mut map = self.failures.lock().expect("throttle");
        if map.len() > 100_000 {
            map.clear();
        }
        map.insert(email.to_owned(), ((tokens - 1.0).max(0.0), now));
    }
}

/// What a person typed to sign in.
pub struct Credentials {
    pub email: String,
    pub password: String,
    pub totp: Option<String>,
}

/// Checks the credentials; the session to open. `UNAUTHORIZED` for a wrong email or password (the
/// same answer and the same time either way), `TOTP_REQUIRED` when the code is missing,
/// `RATE_LIMITED` when this address or this account tried too often.
pub async fn sign_in(
    s: &AppState,
    throttle: &AccountThrottle,
    peer: IpAddr,
    c: Credentials,
) -> ApiResult<StaffSession> {
    if !s.auth_failures.would_allow(peer) {
        return Err(ApiError::rate_limited(
            "too many failed sign-ins from this address; wait and try again",
            s.auth_failures.wait(peer),
        ));
    }
    let email = password::normalize_email(&c.email)?;
    let wait = throttle.wait(&email);
    if !wait.is_zero() {
        return Err(ApiError::rate_limited(
            "too many wrong passwords for this account; wait a few seconds and try again",
            wait,
        ));
    }
    let now = s.clock.now();
    let event = Event::new(now, "sign_in", format!("console {peer}"));
    let found = s
        .store
        .staff_read(now, StaffOp::ByEmail(email.clone()))
        .await?
        .account();
    let stored = found
        .as_ref()
        .map_or(password::decoy_hash(), |a| a.password_hash.as_str());
    let matches = password::verify_blocking(c.password, stored.to_owned()).await;
    let fail = |e: ApiError| {
        s.auth_failures.allow(peer);
        throttle.failed(&email);
        s.events.record(event.clone().refused(&e));
        e
    };
    let account = match found {
        Some(a) if matches && !a.disabled => a,
        _ => return Err(fail(ApiError::new(Code::Unauthorized, "wrong email or password"))),
    };
    if let Some(secret) = account.totp_secret.as_deref().and_then(totp::from_base32) {
        match c.totp.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => {
                return Err(ApiError::new(
                    Code::TotpRequired,
                    "enter the 6-digit code from your authenticator app",
                ))
            }
            Some(code) => {
                let Some(step) = totp::matching_step(&secret, code, now) else {
                    return Err(fail(ApiError::new(Code::Unauthorized, "that code is wrong or too old")));
                };
                // A code signs in once (a replay counts as a failed attempt).
                let id = account.id.clone();
                if let Err(e) = s.store.staff_write(now, StaffOp::UseTotpStep { id, step }).await {
                    return Err(fail(e));
                }
            }
        }
    }
    let label = format!("{}: {} (console {peer})", account.role.as_str(), account.email);
    s.events.record(Event::new(now, "sign_in", label));
    Ok(StaffSession {
        stamp: stamp(&account),
        id: account.id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_waits_one_step_after_its_burst() {
        let t = AccountThrottle::default();
        for _ in 0..5 {
            assert!(t.wait("a@b.co").is_zero());
            t.failed("a@b.co");
        }
        let wait = t.wait("a@b.co");
        assert!(
            wait > Duration::from_secs(5) && wait <= Duration::from_secs(6),
            "{wait:?}"
        );
        assert!(t.wait("other@b.co").is_zero());
    }
}
