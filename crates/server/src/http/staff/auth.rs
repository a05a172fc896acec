//! Who is asking: a bearer token (the root token while it is on, or a live API token: last use
//! noted at most once a minute), a console session (its staff account read again on every
//! request, so disabling, re-roling or a new password holds at once on every replica), and the console's
//! sign-in by email and password (+ TOTP), throttled per address and per account in the
//! database (every replica spends one budget: [`attempts`]).

use super::Principal;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::staff::attempts::{self, Budget, PER_ACCOUNT, PER_ADDRESS};
use crate::domain::staff::{password, totp, StaffAccount, StaffOp};
use crate::events::Event;
use crate::http::admin::constant_time_eq;
use crate::http::state::AppState;
use keyturn_protocol::Code;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::time::Duration;

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

/// Takes one sign-in attempt of `key`'s budget (shared by every replica: the database keeps
/// it, [`attempts`]); `RATE_LIMITED` saying `why` when it is spent.
pub async fn take_attempt(s: &AppState, key: String, budget: Budget, why: &str) -> ApiResult<()> {
    let now = s.clock.now();
    let wait = s
        .store
        .staff_write(now, StaffOp::TakeAttempt { key, budget })
        .await?
        .wait();
    if wait > 0 {
        return Err(ApiError::rate_limited(
            why.to_string(),
            Duration::from_secs(wait as u64),
        ));
    }
    Ok(())
}

/// Gives a taken attempt back (the person got in: only failures count).
pub async fn return_attempt(s: &AppState, key: String, budget: Budget) -> ApiResult<()> {
    s.store
        .staff_write(s.clock.now(), StaffOp::ReturnAttempt { key, budget })
        .await
        .map(drop)
}

/// `RATE_LIMITED` when this address has no attempt left (a read: wrong admin tokens take one).
pub async fn check_address(s: &AppState, peer: IpAddr, why: &str) -> ApiResult<()> {
    let key = attempts::address_key(peer);
    let op = StaffOp::AttemptWait {
        key,
        budget: PER_ADDRESS,
    };
    let wait = s.store.staff_read(s.clock.now(), op).await?.wait();
    if wait > 0 {
        return Err(ApiError::rate_limited(
            why.to_string(),
            Duration::from_secs(wait as u64),
        ));
    }
    Ok(())
}

/// A wrong admin token from this address: one attempt of its budget.
pub async fn address_failed(s: &AppState, peer: IpAddr) -> ApiResult<()> {
    let key = attempts::address_key(peer);
    s.store
        .staff_write(
            s.clock.now(),
            StaffOp::TakeAttempt {
                key,
                budget: PER_ADDRESS,
            },
        )
        .await
        .map(drop)
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
pub async fn sign_in(s: &AppState, peer: IpAddr, c: Credentials) -> ApiResult<StaffSession> {
    let by_address = attempts::address_key(peer);
    let why = "too many failed sign-ins from this address; wait and try again";
    take_attempt(s, by_address.clone(), PER_ADDRESS, why).await?;
    let email = match password::normalize_email(&c.email) {
        Ok(email) => email,
        Err(e) => {
            return_attempt(s, by_address, PER_ADDRESS).await?;
            return Err(e);
        }
    };
    let by_account = attempts::account_key(&email);
    let why = "too many wrong passwords for this account; wait a few seconds and try again";
    if let Err(e) = take_attempt(s, by_account.clone(), PER_ACCOUNT, why).await {
        return_attempt(s, by_address, PER_ADDRESS).await?;
        return Err(e);
    }
    let (answer, failed) = check(s, peer, &email, c).await;
    if !failed {
        // Got in, or was asked for the code: not a failure, the attempts go back.
        return_attempt(s, by_address, PER_ADDRESS).await?;
        return_attempt(s, by_account, PER_ACCOUNT).await?;
    }
    answer
}

/// The password and code check; the answer and whether it counts as a failed attempt.
async fn check(s: &AppState, peer: IpAddr, email: &str, c: Credentials) -> (ApiResult<StaffSession>, bool) {
    let now = s.clock.now();
    let event = Event::new(now, "sign_in", format!("console {peer}"));
    let fail = |e: ApiError| {
        s.events.record(event.clone().refused(&e));
        (Err(e), true)
    };
    let found = match s.store.staff_read(now, StaffOp::ByEmail(email.to_string())).await {
        Ok(answer) => answer.account(),
        Err(e) => return (Err(e), false),
    };
    let stored = found
        .as_ref()
        .map_or(password::decoy_hash(), |a| a.password_hash.as_str());
    let matches = password::verify_blocking(c.password, stored.to_owned()).await;
    let account = match found {
        Some(a) if matches && !a.disabled => a,
        _ => return fail(ApiError::new(Code::Unauthorized, "wrong email or password")),
    };
    if let Some(stored) = account.totp_secret.as_deref() {
        let Some(secret) = s.store.secrets().totp.open(&account.id, stored) else {
            // Never skipped: a secret that does not open refuses (an owner can clear it).
            let e = ApiError::Internal(format!("the TOTP secret of {} does not open", account.id));
            return (Err(e), false);
        };
        match c.totp.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => {
                let e = ApiError::new(Code::TotpRequired, "enter the 6-digit code from your authenticator app");
                return (Err(e), false);
            }
            Some(code) => {
                let Some(step) = totp::matching_step(&secret, code, now) else {
                    return fail(ApiError::new(Code::Unauthorized, "that code is wrong or too old"));
                };
                // A code signs in once (a replay counts as a failed attempt).
                let id = account.id.clone();
                if let Err(e) = s.store.staff_write(now, StaffOp::UseTotpStep { id, step }).await {
                    return fail(e);
                }
            }
        }
    }
    let label = format!("{}: {} (console {peer})", account.role.as_str(), account.email);
    s.events.record(Event::new(now, "sign_in", label));
    let session = StaffSession {
        stamp: stamp(&account),
        id: account.id,
    };
    (Ok(session), false)
}
