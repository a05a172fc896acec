//! Daily support work on licenses, served under the admin API and the console alike:
//!
//! | route | answer |
//! |---|---|
//! | `GET /licenses/page?status=&product_id=&policy_id=&expires_before=&created_after=&created_before=&seats_full=&q=&sort=&limit=&after=` | `{licenses, total, next}` (see [`crate::domain::license_list`]) |
//! | `GET /licenses/export.csv?` (the same filters and sort) | `text/csv`, every matching license (at most [`EXPORT_MAX`]) |
//! | `POST /licenses/{id}/edit` `{owner_name?, owner_email?, entitlements?, metadata?}` | 200 license; event `edit` naming the fields |
//! | `POST /licenses/{id}/notes` `{text}` | 204; event `note` with the text and its author |
//! | `POST /licenses/bulk` `{action: "suspend"\|"extend", filter, confirm_total, secs?, reason?}` | 200 `{changed, skipped}` (suspend skips revoked and suspended licenses); one event per license changed |
//!
//! A bulk action runs only when `confirm_total` is the number of licenses the filter matches at
//! that moment (what the person confirmed); otherwise 400 `BAD_REQUEST` says the count now, and
//! nothing changes. Suspend, revoke and reset (in `admin.rs`) take an optional `{reason}` body
//! ([`Reason`]); the reason goes into the event.

use super::actor::Actor;
use super::state::AppState;
use crate::domain::admin::{Extend, LicenseView};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::license_edit::LicenseEdit;
use crate::domain::license_list::{self, LicenseQuery, ListRequest, PAGE_MAX};
use crate::domain::model::LicenseState;
use crate::events::Event;
use crate::http::extract::ApiJson;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use keyturn_protocol::wire::LicenseStatus;
use serde::Deserialize;
use serde_json::json;

/// The most licenses one export or one bulk action covers.
pub const EXPORT_MAX: usize = 100_000;
pub const BULK_MAX: u64 = 10_000;
/// The longest note and the longest reason, in characters.
const NOTE_MAX: usize = 2000;
const REASON_MAX: usize = 500;

pub fn handlers() -> Router<AppState> {
    Router::new()
        .route("/licenses/page", get(page))
        .route("/licenses/export.csv", get(export))
        .route("/licenses/bulk", post(bulk))
        .route("/licenses/{id}/edit", post(edit))
        .route("/licenses/{id}/notes", post(note))
}

async fn page(State(s): State<AppState>, Query(q): Query<LicenseQuery>) -> ApiResult<Response> {
    let req = license_list::request(s.clock.now(), &q)?;
    Ok(Json(s.store.license_page(req).await?).into_response())
}

/// Every license the request matches, page by page (each page its own short read).
async fn all_matching(
    s: &AppState,
    mut req: ListRequest,
    max: usize,
) -> ApiResult<Vec<crate::domain::admin::LicenseView>> {
    req.rows = PAGE_MAX;
    req.after = None;
    let mut out = Vec::new();
    loop {
        let page = s.store.license_page(req.clone()).await?;
        out.extend(page.licenses);
        match page.next {
            Some(next) if out.len() < max => req.after = Some(license_list::parse_after(&next, req.sort)?),
            _ => break,
        }
    }
    out.truncate(max);
    Ok(out)
}

/// One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a field that a
/// spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`.
/// Hand-written: these two rules are all the export needs.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

async fn export(State(s): State<AppState>, Query(mut q): Query<LicenseQuery>) -> ApiResult<Response> {
    q.limit = None;
    q.after = None;
    let req = license_list::request(s.clock.now(), &q)?;
    let licenses = all_matching(&s, req, EXPORT_MAX).await?;
    let mut out = String::from(
        "id,key_prefix,status,product,policy,owner_name,owner_email,seats_used,seats_max,expires_at,created_at,entitlements\r\n",
    );
    for v in &licenses {
        let l = &v.license;
        let row = [
            l.id.clone(),
            l.key_prefix.clone(),
            serde_json::to_value(v.status)
                .ok()
                .and_then(|s| s.as_str().map(String::from))
                .unwrap_or_default(),
            v.product_name.clone(),
            v.policy_name.clone(),
            l.owner_name.clone(),
            l.owner_email.clone(),
            v.seats_used.to_string(),
            v.seats_max.to_string(),
            l.expires_at.map(|t| t.to_string()).unwrap_or_default(),
            l.created_at.to_string(),
            l.entitlements.join(" "),
        ];
        out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"licenses.csv\""),
        ],
        out,
    )
        .into_response())
}

async fn edit(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LicenseEdit>,
) -> ApiResult<Response> {
    let now = s.clock.now();
    // Written in the edit's transaction; an edit that changed nothing is not an event.
    let describe = move |outcome: Result<&(LicenseView, Vec<&'static str>), &ApiError>| {
        let (view, changed) = outcome.ok()?;
        (!changed.is_empty()).then(|| {
            Event::new(now, "edit", &actor)
                .license(&view.license.id)
                .detail(format!("changed {}", changed.join(", ")))
        })
    };
    let edit = s.store.edit_license(now, id, body);
    let (view, _) = crate::events::with_event::change(&s.events, describe, edit).await?;
    Ok(Json(view).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

/// Notes live in the license's event timeline, with their author (the actor).
async fn note(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<Response> {
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > NOTE_MAX {
        return Err(ApiError::bad_request(format!("a note is 1 to {NOTE_MAX} characters")));
    }
    let view = s.store.license(s.clock.now(), id).await?;
    // Written before the answer, so the timeline shows the note in the order it was made.
    let note = Event::new(s.clock.now(), "note", &actor)
        .license(&view.license.id)
        .detail(text);
    s.store.append_events(vec![note]).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An optional `{reason}` body of suspend, revoke and reset: absent or empty body → none.
pub struct Reason(pub Option<String>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonBody {
    #[serde(default)]
    reason: String,
}

impl<S: Send + Sync> FromRequest<S> for Reason {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        // Over the limit is 413 like every other body (it answered 400 "could not be read").
        let bytes = crate::http::extract::body_bytes(Request::from_parts(parts.clone(), body), state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Reason(None));
        }
        let ApiJson(body) =
            ApiJson::<ReasonBody>::from_request(Request::from_parts(parts, bytes.into()), state).await?;
        reason(&body.reason).map(Reason)
    }
}

fn reason(text: &str) -> ApiResult<Option<String>> {
    let text = text.trim();
    if text.chars().count() > REASON_MAX {
        return Err(ApiError::bad_request(format!(
            "a reason is at most {REASON_MAX} characters"
        )));
    }
    Ok((!text.is_empty()).then(|| text.to_string()))
}

/// The event detail of an action with an optional reason.
pub fn with_reason(detail: String, reason: &Option<String>) -> String {
    match (detail.is_empty(), reason) {
        (_, None) => detail,
        (true, Some(r)) => format!("reason: {r}"),
        (false, Some(r)) => format!("{detail}; reason: {r}"),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    action: String,
    #[serde(default)]
    filter: LicenseQuery,
    /// How many licenses the person saw and confirmed.
    confirm_total: u64,
    /// For `extend`: seconds added (from the later of now and the current expiry).
    secs: Option<i64>,
    #[serde(default)]
    reason: String,
}

async fn bulk(State(s): State<AppState>, Actor(actor): Actor, ApiJson(body): ApiJson<BulkBody>) -> ApiResult<Response> {
    let reason = reason(&body.reason)?;
    let extend = match (body.action.as_str(), body.secs) {
        ("suspend", None) => None,
        ("extend", Some(secs)) if secs > 0 => Some(Extend {
            secs: Some(secs),
            ..Extend::default()
        }),
        _ => {
            return Err(ApiError::bad_request(
                "action is \"suspend\", or \"extend\" with secs > 0",
            ))
        }
    };
    let now = s.clock.now();
    let mut filter = body.filter;
    filter.limit = None;
    filter.after = None;
    let req = license_list::request(now, &filter)?;
    let total = s
        .store
        .license_page(ListRequest { rows: 1, ..req.clone() })
        .await?
        .total;
    if total != body.confirm_total || total > BULK_MAX {
        return Err(ApiError::bad_request(format!(
            "the filter matches {total} licenses now (confirmed: {}; at most {BULK_MAX} at once): look at the list again",
            body.confirm_total
        )));
    }
    let (mut changed, mut skipped) = (0u64, 0u64);
    for license in all_matching(&s, req, BULK_MAX as usize).await? {
        // Suspending never turns a revoked license back into a suspended one.
        if extend.is_none() && matches!(license.status, LicenseState::Revoked | LicenseState::Suspended) {
            skipped += 1;
            continue;
        }
        let id = license.license.id;
        // Each license's event is written in its own change's transaction.
        let event = Event::new(now, "suspend", &actor).license(&id);
        match &extend {
            None => {
                let detail = with_reason("bulk".to_string(), &reason);
                s.admin_change(
                    move |_: &LicenseView| event.detail(detail),
                    s.store.set_status(now, id, LicenseStatus::Suspended),
                )
                .await?;
            }
            Some(how) => {
                let reason = reason.clone();
                let describe = move |view: &LicenseView| {
                    let detail = format!("bulk; {}", crate::events::expiry_detail(view.license.expires_at));
                    Event {
                        action: "extend".into(),
                        ..event
                    }
                    .detail(with_reason(detail, &reason))
                };
                s.admin_change(describe, s.store.extend(now, id, how.clone())).await?;
            }
        }
        changed += 1;
    }
    Ok(Json(json!({ "changed": changed, "skipped": skipped })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("ann@example.com"), "ann@example.com");
        assert_eq!(csv_field("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(
            reason("  too many refunds ").unwrap().as_deref(),
            Some("too many refunds")
        );
        assert_eq!(reason(" ").unwrap(), None);
        assert!(reason(&"x".repeat(501)).is_err());
        assert_eq!(with_reason(String::new(), &Some("r".into())), "reason: r");
        assert_eq!(
            with_reason("3 machines removed".into(), &Some("r".into())),
            "3 machines removed; reason: r"
        );
    }
}
