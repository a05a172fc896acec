//! The customer portal at `/portal`: a license holder signs in with the license key (rate-limited
//! like every key look-up), sees the devices bound to it and removes the ones they no longer
//! have, and activates computers without internet ([`offline`]). The session keeps the key's
//! lookup hash in memory, never the key; it ends after an hour.
//!
//! | route | answer |
//! |---|---|
//! | `GET /portal` (+ `portal.js`, `portal.css`) | the page |
//! | `GET /portal/branding.json`, `GET /portal/logo` | the vendor's name, accent and logo ([`branding`]) |
//! | `POST /portal/api/sign-in` `{key}` | 200 `{csrf, license}` + cookie; 400 `INVALID_KEY_FORMAT`, 404 `NOT_FOUND`, 429 `RATE_LIMITED` |
//! | `GET /portal/api/devices` | 200 `MachinesResponse` |
//! | `DELETE /portal/api/devices/{id}` | 204; 404 `ACTIVATION_NOT_FOUND` |
//! | `POST /portal/api/offline/activate` `{request}` | 201 `{response}` (a `KT-RES2.` code) or the activation's refusal |
//! | `POST /portal/api/offline/deactivate` `{code}` | 200 `{activation_id}` |
//! | `POST /portal/api/sign-out` | 204 |

pub mod branding;
pub mod offline;

use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::page::Page;
use crate::events::Event;
use crate::http::client_addr::ClientAddr;
use crate::http::console::assets::serve;
use crate::http::extract::{ApiJson, NoBody};
use crate::http::sessions::{check_csrf, check_origin, Sessions};
use crate::http::state::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use keyturn_protocol::wire::MACHINES_PAGE_MAX;
use keyturn_protocol::{Code, LicenseKey};
use serde::Deserialize;
use serde_json::json;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

const SESSION_TTL: Duration = Duration::from_secs(3600);

/// A signed-in license holder: the key's lookup hash and the license id.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Holder {
    pub key_hash: String,
    pub license_id: String,
}

type PortalSessions = Arc<Sessions<Holder>>;

pub fn routes(state: AppState) -> Router<AppState> {
    let sessions: PortalSessions = Arc::new(Sessions::new(
        state.store.clone(),
        "keyturn_portal",
        "/portal",
        SESSION_TTL,
        state.secure_cookies,
    ));
    let api = Router::new()
        .route("/devices", get(devices))
        .route("/devices/{id}", delete(remove_device))
        .route("/offline/activate", post(offline::activate))
        .route("/offline/deactivate", post(offline::deactivate))
        .route("/sign-out", post(sign_out))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_session));
    Router::new()
        .route(
            "/portal",
            get(|| async { serve(include_str!("assets/index.html"), "text/html; charset=utf-8") }),
        )
        .route(
            "/portal/",
            get(|| async { serve(include_str!("assets/index.html"), "text/html; charset=utf-8") }),
        )
        .route(
            "/portal/i18n.js",
            get(|| async { serve(include_str!("assets/i18n.js"), "text/javascript; charset=utf-8") }),
        )
        .route(
            "/portal/portal.js",
            get(|| async { serve(include_str!("assets/portal.js"), "text/javascript; charset=utf-8") }),
        )
        .route(
            "/portal/json_api.js",
            get(|| async { serve(crate::http::shared_assets::JSON_API, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/portal/portal.css",
            get(|| async { serve(include_str!("../console/assets/console.css"), "text/css; charset=utf-8") }),
        )
        .merge(branding::routes(state.branding.clone()))
        .route("/portal/api/sign-in", post(sign_in))
        .nest("/portal/api", api)
        .layer(Extension(sessions))
}

async fn require_session(Extension(sessions): Extension<PortalSessions>, mut req: Request, next: Next) -> Response {
    let Some(signed_in) = sessions.get(req.headers()).await else {
        return ApiError::new(Code::Unauthorized, "sign in with your license key first").into_response();
    };
    if let Err(e) = check_csrf(req.method(), req.headers(), &signed_in.csrf) {
        return e.into_response();
    }
    req.extensions_mut().insert(signed_in.data);
    next.run(req).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    key: String,
}

async fn sign_in(
    State(s): State<AppState>,
    Extension(sessions): Extension<PortalSessions>,
    ClientAddr(peer): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    check_origin(&headers)?;
    let key = LicenseKey::parse(&body.key).map_err(|e| ApiError::new(Code::InvalidKeyFormat, e.to_string()))?;
    if !s.limiter.allow(peer) {
        return Err(ApiError::rate_limited(
            "too many attempts; wait a moment and try again",
            s.limiter.wait(peer),
        ));
    }
    let key_hash = s.store.secrets().hasher.hash(&key);
    let answer = s.store.machines(key_hash.clone(), None, Page::default()).await?;
    let holder = Holder {
        key_hash,
        license_id: answer.license.id.clone(),
    };
    s.events
        .record(Event::new(s.clock.now(), "portal_sign_in", actor(peer)).license(&holder.license_id));
    let (cookie, csrf) = sessions.create(&holder).await?;
    Ok((
        [(SET_COOKIE, cookie)],
        Json(json!({"csrf": csrf, "license": answer.license})),
    )
        .into_response())
}

pub fn actor(peer: IpAddr) -> String {
    format!("portal {peer}")
}

/// The devices, a page at a time (`?after=` the previous page's `next`).
async fn devices(
    State(s): State<AppState>,
    Extension(h): Extension<Holder>,
    Query(q): Query<DevicesQuery>,
) -> ApiResult<Response> {
    let page = Page::parse(Some(MACHINES_PAGE_MAX), q.after.as_deref())?;
    Ok(Json(s.store.machines(h.key_hash, None, page).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DevicesQuery {
    after: Option<String>,
}

async fn remove_device(
    State(s): State<AppState>,
    Extension(h): Extension<Holder>,
    ClientAddr(peer): ClientAddr,
    Path(id): Path<String>,
    _: NoBody,
) -> ApiResult<Response> {
    let event = Event::new(s.clock.now(), "deactivate", actor(peer))
        .license(&h.license_id)
        .activation(id.chars().take(64).collect::<String>());
    let describe = move |out: Result<&(), &ApiError>| {
        Some(match out {
            Ok(()) => event,
            Err(e) => event.refused(e),
        })
    };
    crate::events::with_event::change(&s.events, describe, s.store.deactivate(h.key_hash, id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn sign_out(Extension(sessions): Extension<PortalSessions>, headers: HeaderMap) -> ApiResult<Response> {
    let cookie = sessions.end(&headers).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}
