//! `GET /admin/v1/events`: the event log, newest first, one page at a time.

use super::state::AppState;
use crate::domain::errors::ApiResult;
use crate::events::EventQuery;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// `license_id` may be a license id or its key; the page includes everything recorded before
/// the request.
pub async fn list(State(s): State<AppState>, Query(mut q): Query<EventQuery>) -> ApiResult<Response> {
    if let Some(id_or_key) = q.license_id.take() {
        q.license_id = Some(s.store.license(s.clock.now(), id_or_key).await?.license.id);
    }
    Ok(Json(s.events.query(q).await?).into_response())
}
