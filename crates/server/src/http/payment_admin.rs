//! The admin API's view of payments in (also served to the console behind its session):
//!
//! | route | answer |
//! |---|---|
//! | `GET /payments/unmatched?limit=` | `{unmatched: [{provider, order_id, names, events: [{event_id, event_type, received_at}], created_at}]}` newest first: refunds and lost disputes recorded on an order no license was made for (see [`crate::domain::payments::unmatched`]) |

use super::state::AppState;
use crate::domain::errors::ApiResult;
use crate::domain::payments::unmatched::UnmatchedQuery;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new().route("/payments/unmatched", get(unmatched))
}

async fn unmatched(State(s): State<AppState>, Query(q): Query<UnmatchedQuery>) -> ApiResult<Response> {
    Ok(Json(s.store.unmatched_payments(q).await?).into_response())
}
