//! The support console at `/console`: a static page (embedded, no build step) over a JSON API at
//! `/console/api`. Sign in with the admin token (throttled like the admin API, per address in the database) to get an HttpOnly,
//! SameSite=Strict session cookie and a CSRF token; behind it the console serves the admin API's
//! own routes (so both doors share one set of handlers, and the event log names the door) plus
//! search.
//!
//! | route | answer |
//! |---|---|
//! | `GET /console` (+ `console.js`, `console.css`, the page modules of [`assets`]) | the page |
//! | `POST /console/api/sign-in` `{token}` or `{email, password, totp?}` | 200 `{csrf}` + cookie; 401 `UNAUTHORIZED` / `TOTP_REQUIRED`; 429 `RATE_LIMITED` |
//! | `GET /console/api/session` | 200 `{csrf}` while signed in, else 401 |
//! | `POST /console/api/sign-out` | 204, cookie cleared |
//! | `GET /console/api/search?q=` | 200 `{licenses}` (see [`search`]) |
//! | every admin API route (`/licenses/{id}`, `/events`, …) | as under `/admin/v1` |

pub mod assets;
pub mod search;

use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::staff::attempts::{self, PER_ADDRESS};
use crate::events::Event;
use crate::http::actor::Door;
use crate::http::admin::{self, constant_time_eq};
use crate::http::client_addr::ClientAddr;
use crate::http::extract::ApiJson;
use crate::http::sessions::{check_csrf, check_origin, Sessions};
use crate::http::staff::auth;
use crate::http::state::AppState;
use axum::extract::{Request, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use keyturn_protocol::Code;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// A session holds its staff account (None: opened with the root token).
type ConsoleSessions = Arc<Sessions<Option<auth::StaffSession>>>;

/// A console session lasts 8 hours.
const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// The CSRF token of the signed-in request (set by [`require_session`]).
#[derive(Clone)]
struct Csrf(String);

pub fn routes(state: AppState) -> Router<AppState> {
    let sessions: ConsoleSessions = Arc::new(Sessions::new(
        state.store.clone(),
        "keyturn_console",
        "/console",
        SESSION_TTL,
        state.secure_cookies,
    ));
    let api = admin::handlers()
        .merge(crate::http::staff::handlers())
        .merge(crate::http::staff::console_handlers())
        .route("/session", get(session))
        .route("/sign-out", post(sign_out))
        .route("/search", get(search::search))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::staff::guard::guard,
        ))
        .route_layer(middleware::from_fn_with_state(state, require_session));
    Router::new()
        .route("/console", get(assets::page))
        .route("/console/", get(assets::page))
        .route("/console/console.js", get(assets::script))
        .route("/console/console.css", get(assets::style))
        .merge(assets::module_routes())
        .route("/console/api/sign-in", post(sign_in))
        .nest("/console/api", api)
        .layer(Extension(sessions))
}

async fn require_session(
    State(s): State<AppState>,
    Extension(sessions): Extension<ConsoleSessions>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(signed_in) = sessions.get(req.headers()).await else {
        return ApiError::new(Code::Unauthorized, "sign in to the console first").into_response();
    };
    // The account is read again on every request: disabled or re-roled, it holds at once.
    let principal = match auth::session_principal(&s, signed_in.data.as_ref()).await {
        Ok(Some(p)) => p,
        Ok(None) => return ApiError::new(Code::Unauthorized, "sign in to the console first").into_response(),
        Err(e) => return e.into_response(),
    };
    req.extensions_mut().insert(principal);
    if let Err(e) = check_csrf(req.method(), req.headers(), &signed_in.csrf) {
        return e.into_response();
    }
    req.extensions_mut().insert(Door("console"));
    req.extensions_mut().insert(Csrf(signed_in.csrf));
    next.run(req).await
}

/// The root token, or a staff account's email and password (+ TOTP code).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    totp: Option<String>,
}

async fn sign_in(
    State(s): State<AppState>,
    Extension(sessions): Extension<ConsoleSessions>,
    ClientAddr(peer): ClientAddr,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    check_origin(&headers)?;
    if let Some(email) = body.email {
        let credentials = auth::Credentials {
            email,
            password: body.password.unwrap_or_default(),
            totp: body.totp,
        };
        let staff = auth::sign_in(&s, peer, credentials).await?;
        let (cookie, csrf) = sessions.create(&Some(staff)).await?;
        return Ok(([(SET_COOKIE, cookie)], Json(json!({ "csrf": csrf }))).into_response());
    }
    let token = body.token.unwrap_or_default();
    let Some(expected) = &s.admin_token else {
        return Err(ApiError::new(
            Code::Unauthorized,
            "the console is off: start the server with --admin-token",
        ));
    };
    // One attempt of the address's budget, given back when the token is right.
    let by_address = attempts::address_key(peer);
    let why = "too many wrong admin tokens from this address; wait and try again";
    auth::take_attempt(&s, by_address.clone(), PER_ADDRESS, why).await?;
    let event = Event::new(s.clock.now(), "sign_in", format!("console {peer}"));
    if !constant_time_eq(token.as_bytes(), expected.as_bytes()) {
        let e = ApiError::new(Code::Unauthorized, "that is not the admin token");
        s.events.record(event.refused(&e));
        return Err(e);
    }
    auth::return_attempt(&s, by_address, PER_ADDRESS).await?;
    s.events.record(event);
    let (cookie, csrf) = sessions.create(&None).await?;
    Ok(([(SET_COOKIE, cookie)], Json(json!({ "csrf": csrf }))).into_response())
}

async fn session(Extension(Csrf(csrf)): Extension<Csrf>) -> Json<serde_json::Value> {
    Json(json!({ "csrf": csrf }))
}

async fn sign_out(
    Extension(sessions): Extension<ConsoleSessions>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let cookie = sessions.end(&headers).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, cookie)]).into_response())
}
