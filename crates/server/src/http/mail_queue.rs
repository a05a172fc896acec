//! The admin API's key-email routes (also served to the console behind its session):
//!
//! | route | answer |
//! |---|---|
//! | `GET /mails?state=&before=&limit=` | `{mails, next_before}` newest first: recipient, license, state, attempts, last error (never the key) |
//! | `POST /mails/{license_id}/resend` | 200 the email, queued again (a staff action, logged with its actor); 409 `MAIL_KEY_GONE` once sent |

use super::actor::Actor;
use super::state::AppState;
use crate::domain::errors::ApiResult;
use crate::domain::mail::KeyMail;
use crate::domain::outbox::MailQuery;
use crate::events::Event;
use crate::http::extract::NoBody;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/mails", get(list))
        .route("/mails/{license_id}/resend", post(resend))
}

async fn list(State(s): State<AppState>, Query(q): Query<MailQuery>) -> ApiResult<Response> {
    Ok(Json(s.store.mail_queue(q).await?).into_response())
}

async fn resend(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(license_id): Path<String>,
    _: NoBody,
) -> ApiResult<Response> {
    let now = s.clock.now();
    let event = Event::new(now, "resend_key_mail", actor).license(&license_id);
    let mail = s
        .admin_change(move |_: &KeyMail| event, s.store.resend_mail(now, license_id))
        .await?;
    Ok(Json(mail).into_response())
}
