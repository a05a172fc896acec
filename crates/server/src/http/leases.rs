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
use crate::domain::leases::{answer, parse_lease_id, LeaseIssued};
use crate::events::Event;
use crate::http::extract::ApiJson;
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

fn answered(event: Event, result: &ApiResult<LeaseIssued>) -> Event {
    match result {
        Ok(issued) => {
            let mut event = event.activation(issued.lease.lease_id());
            if let Some(old) = &issued.lapsed {
                event.detail = format!("{}; after lease {} lapsed", event.detail, clip(old));
            }
            if issued.lease.borrowed {
                event.detail = format!("{}; borrowed until {}", event.detail, issued.lease.expires_at);
            }
            event
        }
        Err(_) => event,
    }
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
    let result = s.store.checkout(now, hash.clone(), req).await;
    s.note(answered(event, &result), Some(hash), &result);
    let issued = result?;
    let body = answer::response(&issued, now, &s.store.secrets().signing_key);
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
    let result = s.store.heartbeat(now, hash.clone(), id.clone(), req.fingerprint).await;
    // Kept leases are not logged one by one (they come every few minutes from every holder);
    // refusals and seats given back after a lapse are.
    let regranted = matches!(&result, Ok(issued) if issued.lapsed.is_some());
    if result.is_err() || regranted {
        let event = Event::new(now, "heartbeat", format!("client {peer}")).activation(clip(&id));
        s.note(answered(event, &result), Some(hash), &result);
    }
    let issued = result?;
    Ok(Json(answer::response(&issued, now, &s.store.secrets().signing_key)).into_response())
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
    let result = s.store.release(now, hash.clone(), id.clone()).await;
    let mut event = Event::new(now, "release", format!("client {peer}")).activation(clip(&id));
    match &result {
        Ok(row) => event = event.license(&row.license_id),
        Err(e) => event = event.refused(e),
    }
    event.key_hash = Some(hash);
    s.events.record(event);
    result?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(Json(s.store.license_leases(s.clock.now(), id).await?).into_response())
}

async fn end(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path((id, lease_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    check_lease_id(&lease_id)?;
    let row = s.store.end_lease(s.clock.now(), id, lease_id.clone()).await?;
    s.log_admin(&actor, "end_lease", &row.license_id, Some(&lease_id), String::new());
    Ok(StatusCode::NO_CONTENT.into_response())
}
