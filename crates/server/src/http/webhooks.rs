//! The admin API's webhook routes (also served to the console behind its session):
//!
//! | route | answer |
//! |---|---|
//! | `POST /webhooks` `{url, event_types, secret?}` | 201 endpoint with its `secret` (shown this once) |
//! | `GET /webhooks` | endpoints (without secrets) |
//! | `DELETE /webhooks/{id}` | 204 (its deliveries go with it) |
//! | `GET /webhooks/deliveries?endpoint_id=&state=&before=&limit=` | `{deliveries, next_before}` newest first, each with its `event_type` |
//! | `POST /webhooks/deliveries/{id}/redeliver` | 200 the delivery, due now |

use super::actor::Actor;
use super::state::AppState;
use crate::domain::errors::ApiResult;
use crate::domain::webhooks::{Delivery, DeliveryQuery, Endpoint, NewEndpoint};
use crate::events::Event;
use crate::http::extract::{ApiJson, NoBody};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", post(create).get(list))
        .route("/webhooks/{id}", delete(remove))
        .route("/webhooks/deliveries", get(deliveries))
        .route("/webhooks/deliveries/{id}/redeliver", post(redeliver))
}

async fn create(
    State(s): State<AppState>,
    Actor(actor): Actor,
    ApiJson(new): ApiJson<NewEndpoint>,
) -> ApiResult<Response> {
    let now = s.clock.now();
    let describe = move |e: &Endpoint| {
        Event::new(now, "add_webhook", actor).detail(format!("{} for {}", e.id, e.event_types.join(",")))
    };
    let endpoint = s.admin_change(describe, s.store.create_webhook(now, new)).await?;
    Ok((StatusCode::CREATED, Json(endpoint)).into_response())
}

async fn list(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(Json(s.store.webhooks().await?).into_response())
}

async fn remove(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    _: NoBody,
) -> ApiResult<Response> {
    let event = Event::new(s.clock.now(), "remove_webhook", actor).detail(&id);
    s.admin_change(move |_: &()| event, s.store.remove_webhook(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn deliveries(State(s): State<AppState>, Query(q): Query<DeliveryQuery>) -> ApiResult<Response> {
    let limit = q.limit.unwrap_or(50) as usize;
    let list = s.store.delivery_log(q).await?;
    let next_before = if list.len() == limit {
        list.last().map(|d| d.delivery.id)
    } else {
        None
    };
    Ok(Json(json!({"deliveries": list, "next_before": next_before})).into_response())
}

async fn redeliver(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<i64>,
    _: NoBody,
) -> ApiResult<Response> {
    let event = Event::new(s.clock.now(), "redeliver_webhook", actor).detail(format!("delivery {id}"));
    let delivery = s
        .admin_change(move |_: &Delivery| event, s.store.redeliver(s.clock.now(), id))
        .await?;
    Ok(Json(delivery).into_response())
}
