//! `POST /v1/activations/{id}/name`: a device renames itself ("Rename this computer"). The key
//! authenticates like every client call; the rule is [`crate::domain::rename`].

use super::client::{check_fingerprint, clip, parse_key};
use super::client_addr::ClientAddr;
use super::state::AppState;
use crate::domain::errors::ApiResult;
use crate::events::Event;
use crate::http::extract::ApiJson;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use keyturn_protocol::wire::RenameRequest;

pub fn routes() -> Router<AppState> {
    Router::new().route("/v1/activations/{id}/name", post(rename))
}

async fn rename(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RenameRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    check_fingerprint(&req.fingerprint)?;
    let hash = s.lookup(peer, &key)?;
    let now = s.clock.now();
    let mut event = Event::new(now, "rename", format!("client {peer}")).activation(clip(&id));
    event.key_hash = Some(hash.clone());
    // Written in the rename's transaction ([`crate::events::with_event`]).
    let describe = move |outcome: Result<&crate::domain::rename::Renamed, &crate::domain::errors::ApiError>| {
        Some(match outcome {
            // Names are the user's words: clipped like every client-supplied text in the log.
            Ok(done) => event.license(&done.license_id).detail(format!(
                "\"{}\" -> \"{}\"",
                clip(&done.old_name),
                clip(&done.machine.name)
            )),
            Err(e) => event.refused(e),
        })
    };
    let rename = s.store.rename_machine(now, hash, id, req.fingerprint, req.name);
    let done = crate::events::with_event::change(&s.events, describe, rename).await?;
    Ok(Json(done.machine).into_response())
}
