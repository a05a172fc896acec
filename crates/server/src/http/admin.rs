//! The admin API (bearer token), mirroring the admin CLI. Disabled when no token is configured.
//!
//! | route | answer |
//! |---|---|
//! | `GET /public-key` | `{public_key, public_keys}` (the signing key; the keys to pin) |
//! | `POST /products` `{name, id?}` / `GET /products` | 201 product / list |
//! | `POST /policies` (see `crate::domain::admin::NewPolicy`) / `GET /policies?product_id=` | 201 policy / list |
//! | `POST /licenses` `{policy_id, owner_name?, owner_email?, entitlements?, metadata?, expires_at?}` | 201 `{key, license}` |
//! | `GET /licenses?product_id=` / `GET /licenses/{id}` | list / license |
//! | `POST /licenses/{id}/suspend` · `/reinstate` · `/revoke` (suspend, revoke: optional `{reason}`) | 200 license |
//! | `POST /licenses/{id}/extend` `{secs}` or `{expires_at}` or `{never: true}` | 200 license |
//! | `POST /licenses/{id}/reset` (optional `{reason}`) | 200 `{removed}` |
//! | the license list, CSV export, edit, notes, bulk actions | see [`super::license_admin`] |
//! | `GET /licenses/{id}/machines?limit=&after=` | one page `{machines, total, next}` (pass `next` as `after`) |
//! | `DELETE /licenses/{id}/machines/{activation_id}` | 204 |
//! | `POST /fingerprints/block` · `/allow` · `/clear` `{product_id, fingerprint}` | 204 |
//! | `GET /events?license_id=&activation_id=&action=&before=&limit=` | `{events, next_before}` (newest first) |
//! | `POST /test/clock` `{offset_secs}` (only with `--test-clock`) | 200 `{now}` |
//! | `POST /test/hear-changes` (only with `--test-clock`) | 204 once every change committed elsewhere before it is seen |
//! | `/webhooks…` | endpoints, delivery log, redeliver: [`super::webhooks`] |
//! | `GET /payments/unmatched` | refunds that reached no license: [`super::payment_admin`] |
//!
//! `{id}` is a license id (`lic_…`) or its key. Every change is recorded in the event log with
//! the actor `admin-api ADDRESS`. After 10 wrong tokens from one address that address gets 429
//! `RATE_LIMITED` (right token or not) and one more try every 10 seconds.

use super::actor::{Actor, Door};
use super::client_addr::ClientAddr;
use super::license_admin::{with_reason, Reason};
use super::state::AppState;
use crate::domain::admin::{Extend, LicenseView, NewLicense, NewPolicy, NewProduct};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::model::FingerprintRule;
use crate::domain::page::Page;
use crate::events::Event;
use crate::http::extract::{ApiJson, NoBody};
use axum::extract::{Path, Query, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use keyturn_protocol::token::public_key_to_string;
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::{Code, LicenseKey};
use serde::Deserialize;
use serde_json::json;

pub fn routes(state: AppState) -> Router<AppState> {
    handlers()
        .merge(super::staff::handlers())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            super::staff::guard::guard,
        ))
        .route_layer(middleware::from_fn_with_state(state, require_token))
}

/// The admin routes without their auth layer (the console serves them behind its session).
pub fn handlers() -> Router<AppState> {
    Router::new()
        .route("/public-key", get(public_key))
        .route("/products", post(create_product).get(list_products))
        .route("/policies", post(create_policy).get(list_policies))
        .route("/licenses", post(create_license).get(list_licenses))
        .route("/licenses/{id}", get(get_license))
        .route("/licenses/{id}/suspend", post(suspend))
        .route("/licenses/{id}/reinstate", post(reinstate))
        .route("/licenses/{id}/revoke", post(revoke))
        .route("/licenses/{id}/extend", post(extend))
        .route("/licenses/{id}/reset", post(reset))
        .route("/licenses/{id}/machines", get(machines))
        .route("/licenses/{id}/machines/{activation_id}", delete(remove_machine))
        .route("/fingerprints/{rule}", post(fingerprint_rule))
        .route("/events", get(super::events::list))
        .route("/test/clock", post(test_clock))
        .route("/test/hear-changes", post(test_hear_changes))
        .merge(super::license_admin::handlers())
        .merge(super::webhooks::routes())
        .merge(super::mail_queue::routes())
        .merge(super::payment_admin::routes())
        .merge(super::leases::admin_routes())
}

async fn require_token(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    mut req: Request,
    next: Next,
) -> Response {
    // Per address, shared with console sign-in and by every replica (the database keeps it).
    if let Err(e) = super::staff::auth::check_address(&s, peer, "too many wrong admin tokens; wait and try again").await
    {
        return e.into_response();
    }
    let given = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    // The root token (while it is on) or an API token (crate::http::staff::auth).
    let principal = match given {
        Some(token) => match super::staff::auth::bearer(&s, &token).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    match principal {
        Some(principal) => {
            req.extensions_mut().insert(Door("admin-api"));
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        None => {
            if let Err(e) = super::staff::auth::address_failed(&s, peer).await {
                return e.into_response();
            }
            ApiError::new(Code::Unauthorized, "a valid admin bearer token is required").into_response()
        }
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductFilter {
    product_id: Option<String>,
}

async fn public_key(State(s): State<AppState>) -> Json<serde_json::Value> {
    let secrets = s.store.secrets().keys();
    // `public_keys`: what apps pin (every key this server accepts; `keyturn-server keys list`).
    let pinned: Vec<String> = secrets.verifying_keys.iter().map(public_key_to_string).collect();
    Json(json!({"public_key": public_key_to_string(&secrets.signing_key.verifying_key()), "public_keys": pinned}))
}

async fn create_product(State(s): State<AppState>, ApiJson(new): ApiJson<NewProduct>) -> ApiResult<Response> {
    let product = s.store.create_product(s.clock.now(), new).await?;
    Ok((StatusCode::CREATED, Json(product)).into_response())
}

async fn list_products(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(Json(s.store.products().await?).into_response())
}

async fn create_policy(State(s): State<AppState>, ApiJson(new): ApiJson<NewPolicy>) -> ApiResult<Response> {
    let policy = s.store.create_policy(s.clock.now(), new).await?;
    Ok((StatusCode::CREATED, Json(policy)).into_response())
}

async fn list_policies(State(s): State<AppState>, Query(f): Query<ProductFilter>) -> ApiResult<Response> {
    Ok(Json(s.store.policies(f.product_id).await?).into_response())
}

async fn create_license(
    State(s): State<AppState>,
    Actor(actor): Actor,
    ApiJson(new): ApiJson<NewLicense>,
) -> ApiResult<Response> {
    let now = s.clock.now();
    let (view, key) = s
        .admin_change(
            move |(view, _): &(LicenseView, LicenseKey)| {
                Event::new(now, "create_license", actor)
                    .license(&view.license.id)
                    .detail(format!("policy {}", view.policy_name))
            },
            s.store.create_license(now, new),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"key": key.to_string(), "license": view})),
    )
        .into_response())
}

async fn list_licenses(State(s): State<AppState>, Query(f): Query<ProductFilter>) -> ApiResult<Response> {
    Ok(Json(s.store.licenses(s.clock.now(), f.product_id).await?).into_response())
}

async fn get_license(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(Json(s.store.license(s.clock.now(), id).await?).into_response())
}

async fn suspend(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    Reason(reason): Reason,
) -> ApiResult<Response> {
    status(s, actor, id, LicenseStatus::Suspended, "suspend", reason).await
}

async fn reinstate(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    _: NoBody,
) -> ApiResult<Response> {
    status(s, actor, id, LicenseStatus::Active, "reinstate", None).await
}

async fn revoke(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    Reason(reason): Reason,
) -> ApiResult<Response> {
    status(s, actor, id, LicenseStatus::Revoked, "revoke", reason).await
}

async fn status(
    s: AppState,
    actor: String,
    id: String,
    status: LicenseStatus,
    action: &str,
    reason: Option<String>,
) -> ApiResult<Response> {
    let now = s.clock.now();
    let action = action.to_string();
    let detail = with_reason(String::new(), &reason);
    let view = s
        .admin_change(
            move |view: &LicenseView| Event::new(now, &action, actor).license(&view.license.id).detail(detail),
            s.store.set_status(now, id, status),
        )
        .await?;
    Ok(Json(view).into_response())
}

async fn extend(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    ApiJson(how): ApiJson<Extend>,
) -> ApiResult<Response> {
    let now = s.clock.now();
    let view = s
        .admin_change(
            move |view: &LicenseView| {
                let detail = crate::events::expiry_detail(view.license.expires_at);
                Event::new(now, "extend", actor)
                    .license(&view.license.id)
                    .detail(detail)
            },
            s.store.extend(now, id, how),
        )
        .await?;
    Ok(Json(view).into_response())
}

async fn reset(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    Reason(reason): Reason,
) -> ApiResult<Response> {
    let license = s.store.license(s.clock.now(), id.clone()).await?;
    let (now, id) = (s.clock.now(), license.license.id);
    let event = Event::new(now, "reset", actor).license(&id);
    let removed = s
        .admin_change(
            move |removed: &usize| event.detail(with_reason(format!("{removed} machines removed"), &reason)),
            s.store.reset(id),
        )
        .await?;
    Ok(Json(json!({"removed": removed})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    limit: Option<u32>,
    after: Option<String>,
}

async fn machines(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Response> {
    let page = Page::parse(q.limit, q.after.as_deref())?;
    Ok(Json(s.store.license_machines(id, page).await?).into_response())
}

async fn remove_machine(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path((id, activation_id)): Path<(String, String)>,
    _: NoBody,
) -> ApiResult<Response> {
    let license = s.store.license(s.clock.now(), id).await?;
    let event = Event::new(s.clock.now(), "remove_machine", actor)
        .license(&license.license.id)
        .activation(&activation_id);
    s.admin_change(
        move |_: &()| event,
        s.store.remove_machine(license.license.id.clone(), activation_id),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FingerprintBody {
    product_id: String,
    fingerprint: String,
}

async fn fingerprint_rule(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(rule): Path<String>,
    ApiJson(body): ApiJson<FingerprintBody>,
) -> ApiResult<Response> {
    let rule = match rule.as_str() {
        "block" => Some(FingerprintRule::Block),
        "allow" => Some(FingerprintRule::Allow),
        "clear" => None,
        _ => return Err(ApiError::new(Code::RouteNotFound, "use block, allow or clear")),
    };
    let detail = crate::events::fingerprint_detail(&body.product_id, &body.fingerprint);
    let action = format!(
        "{}_fingerprint",
        rule.map_or("clear", |r| if r == FingerprintRule::Block { "block" } else { "allow" })
    );
    let event = Event::new(s.clock.now(), &action, &actor).detail(detail);
    s.admin_change(
        move |_: &()| event,
        s.store
            .set_fingerprint_rule(s.clock.now(), body.product_id, body.fingerprint, rule),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockOffset {
    offset_secs: i64,
}

async fn test_clock(State(s): State<AppState>, ApiJson(body): ApiJson<ClockOffset>) -> ApiResult<Response> {
    if !s.test_clock {
        return Err(ApiError::new(Code::RouteNotFound, "no such route"));
    }
    // Bounded, so that now plus the offset cannot overflow.
    if body.offset_secs.unsigned_abs() > crate::domain::admin_input::LATEST_TIME as u64 {
        return Err(ApiError::bad_request("offset_secs is too far from now"));
    }
    s.clock.set_offset(body.offset_secs);
    Ok(Json(json!({"now": s.clock.now(), "offset_secs": body.offset_secs})).into_response())
}

/// Tests only (with `--test-clock`): answers once this server has heard of every change other
/// processes committed before the request (PostgreSQL: other replicas' and the CLI's), so a
/// test can expect the next validate to see them.
async fn test_hear_changes(State(s): State<AppState>) -> ApiResult<Response> {
    if !s.test_clock {
        return Err(ApiError::new(Code::RouteNotFound, "no such route"));
    }
    s.store.hear_changes().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

impl AppState {
    /// Runs an admin change with its event (`describe` of the answer), written in the change's
    /// transaction; a refused change is not logged.
    pub(crate) async fn admin_change<T: 'static>(
        &self,
        describe: impl FnOnce(&T) -> Event + Send + 'static,
        change: impl std::future::Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        crate::events::with_event::change(
            &self.events,
            move |out: Result<&T, &ApiError>| out.ok().map(describe),
            change,
        )
        .await
    }
}
