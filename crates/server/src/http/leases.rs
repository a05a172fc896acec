//! Floating seats over HTTP: the client routes (the license key authenticates; see
//! `keyturn_protocol::lease` for the table) and the admin routes (served by the admin API and,
//! behind its session, the console):
//!
//! | route | answer |
//! |---|---|
//! | `GET /licenses/{id}/leases` | `{license_id, seats, leases: [{id, slot, name, platform, fingerprint, started_at, ends_at, borrowed}]}` (live ones, soonest ending first) |
//! | `DELETE /licenses/{id}/leases/{lease_id}` | 204; the holder's next heartbeat gets `LEASE_NOT_FOUND` |
//!
//! Every checkout, refusal, heartbeat refusal, release, borrow and ended lease is in the event
//! log (lapses are written by the rules when they notice them).

use super::actor::Actor;
use super::client::{check_fingerprint, clip, device, parse_key, Outcome};
use super::client_addr::ClientAddr;
use super::state::AppState;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::leases::{answer, parse_lease_id, LeaseIssued, LeaseRow};
use crate::events::Event;
use crate::http::extract::{ApiJson, NoBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use keyturn_protocol::lease::{CheckoutRequest, HeartbeatRequest, ReleaseRequest};
use keyturn_protocol::Code;

pub fn client_routes() -> Router<AppState> {
    Router::new()
        .route("/v1/leases", post(checkout))
        .route("/v1/leases/{id}/heartbeat", post(heartbeat))
        .route("/v1/leases/{id}/release", post(release))
}

pub fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/licenses/{id}/leases", get(list))
        .route("/licenses/{id}/leases/{lease_id}", axum::routing::delete(end))
}

impl Outcome for LeaseIssued {
    fn ids(&self) -> (Option<&str>, Option<&str>) {
        (Some(&self.ctx.license.id), None)
    }
}

/// A lease id as the client sent it, refused early when it cannot be one.
fn check_lease_id(id: &str) -> ApiResult<()> {
    if parse_lease_id(id).is_none() {
        return Err(ApiError::new(Code::LeaseNotFound, "not a lease id"));
    }
    Ok(())
}

/// The event of a lease given out: which lease, and whether it followed a lapse or is borrowed.
fn answered(event: Event, issued: &LeaseIssued) -> Event {
    let mut event = event
        .license(&issued.ctx.license.id)
        .activation(issued.lease.lease_id());
    if let Some(old) = &issued.lapsed {
        event.detail = format!("{}; after lease {} lapsed", event.detail, clip(old));
    }
    if issued.lease.borrowed {
        event.detail = format!("{}; borrowed until {}", event.detail, issued.lease.expires_at);
    }
    event
}

/// Runs a lease change with its event, written in the change's transaction
/// ([`crate::events::with_event`]); a refusal is logged with its code. `log_kept`: whether a
/// plain success is logged (a heartbeat that keeps its lease is not: they come every few
/// minutes from every holder; one that got its seat back after a lapse is).
async fn lease_change(
    s: &AppState,
    event: Event,
    key_hash: String,
    log_kept: bool,
    change: impl std::future::Future<Output = ApiResult<LeaseIssued>>,
) -> ApiResult<LeaseIssued> {
    let describe = move |outcome: Result<&LeaseIssued, &ApiError>| {
        let mut event = match outcome {
            Ok(issued) if !log_kept && issued.lapsed.is_none() => return None,
            Ok(issued) => answered(event, issued),
            Err(e) => event.refused(e),
        };
        event.key_hash = Some(key_hash);
        Some(event)
    };
    crate::events::with_event::change(&s.events, describe, change).await
}

async fn checkout(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    ApiJson(req): ApiJson<CheckoutRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    check_fingerprint(&req.fingerprint)?;
    if req.name.len() > 200 || req.platform.len() > 100 {
        return Err(ApiError::bad_request("name or platform too long"));
    }
    let hash = s.lookup(peer, &key)?;
    let now = s.clock.now();
    let action = if req.borrow_secs.is_some() {
        "borrow"
    } else {
        "checkout"
    };
    let event = Event::new(now, action, format!("client {peer}")).detail(device(&req.name, &req.platform));
    let issued = lease_change(&s, event, hash.clone(), true, s.store.checkout(now, hash, req)).await?;
    let body = answer::response(&issued, now, &s.store.secrets().keys().signing_key);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn heartbeat(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<HeartbeatRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    check_fingerprint(&req.fingerprint)?;
    check_lease_id(&id)?;
    let hash = s.lookup(peer, &key)?;
    let now = s.clock.now();
    let event = Event::new(now, "heartbeat", format!("client {peer}")).activation(clip(&id));
    let heartbeat = s.store.heartbeat(now, hash.clone(), id, req.fingerprint);
    let issued = lease_change(&s, event, hash, false, heartbeat).await?;
    Ok(Json(answer::response(&issued, now, &s.store.secrets().keys().signing_key)).into_response())
}

async fn release(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReleaseRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    check_lease_id(&id)?;
    let hash = s.lookup(peer, &key)?;
    let now = s.clock.now();
    let event = Event::new(now, "release", format!("client {peer}")).activation(clip(&id));
    let key_hash = hash.clone();
    let describe = move |outcome: Result<&LeaseRow, &ApiError>| {
        let mut event = match outcome {
            Ok(row) => event.license(&row.license_id),
            Err(e) => event.refused(e),
        };
        event.key_hash = Some(key_hash);
        Some(event)
    };
    crate::events::with_event::change(&s.events, describe, s.store.release(now, hash, id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(Json(s.store.license_leases(s.clock.now(), id).await?).into_response())
}

async fn end(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path((id, lease_id)): Path<(String, String)>,
    _: NoBody,
) -> ApiResult<Response> {
    check_lease_id(&lease_id)?;
    let now = s.clock.now();
    let event = Event::new(now, "end_lease", actor).activation(&lease_id);
    s.admin_change(
        move |row: &_| event.license(&row.license_id),
        s.store.end_lease(now, id, lease_id.clone()),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
