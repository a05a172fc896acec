//! The owners' routes (staff, tokens, settings; the admin API and the console share them) and
//! everyone's own account in the console (`/me`). Every change is an event naming its actor;
//! no password, hash, TOTP secret or token text is ever in an event, a log line or an answer
//! (except the new token's text, once, in the answer that creates it).

use super::Principal;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::staff::roles::{self, TABLE};
use crate::domain::staff::{self, password, totp, Role, StaffChange, StaffOp, StaffSettings, StaffView};
use crate::events::Event;
use crate::http::actor::Actor;
use crate::http::extract::{ApiJson, NoBody};
use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use keyturn_protocol::Code;
use serde::Deserialize;
use serde_json::json;

/// The owners' routes, under `/admin/v1` and `/console/api`.
pub fn handlers() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list_staff).post(add_staff))
        .route("/staff/{id}/disable", post(disable))
        .route("/staff/{id}/enable", post(enable))
        .route("/staff/{id}/role", post(set_role))
        .route("/staff/{id}/password", post(reset_password))
        .route("/staff/{id}/totp/clear", post(clear_totp))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
        .route("/settings", get(get_settings).post(set_settings))
}

/// The signed-in person's own routes (console only).
pub fn console_handlers() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/me/password", post(change_own_password))
        .route("/me/totp/begin", post(begin_totp))
        .route("/me/totp", post(confirm_totp))
}

/// Who asks for a change: the staff account (None: the root token or an API token), for the
/// rules, and its name in the event log.
struct Who {
    by: Option<String>,
    actor: String,
}

impl axum::extract::FromRequestParts<AppState> for Who {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Actor(actor) = Actor::from_request_parts(parts, state).await?;
        let by = match parts.extensions.get::<Principal>() {
            Some(Principal::Staff { id, .. }) => Some(id.clone()),
            _ => None,
        };
        Ok(Who { by, actor })
    }
}

impl AppState {
    fn log_staff(&self, actor: &str, action: &str, detail: String) {
        self.events
            .record(Event::new(self.clock.now(), action, actor).detail(detail));
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewStaff {
    email: String,
    role: String,
    password: String,
}

async fn add_staff(
    State(s): State<AppState>,
    Actor(actor): Actor,
    ApiJson(b): ApiJson<NewStaff>,
) -> ApiResult<Response> {
    let role = Role::parse(&b.role)?;
    let now = s.clock.now();
    let account = staff::new_account(&b.email, role, b.password, now).await?;
    let added = s.store.staff_write(now, StaffOp::Add(account)).await?.account();
    let added = added.ok_or_else(|| ApiError::Internal("the new account is missing".into()))?;
    s.log_staff(&actor, "staff_add", format!("{} as {}", added.email, role.as_str()));
    Ok((StatusCode::CREATED, Json(StaffView::from(&added))).into_response())
}

async fn list_staff(State(s): State<AppState>) -> ApiResult<Response> {
    let all = s.store.staff_read(s.clock.now(), StaffOp::List).await?.accounts();
    Ok(Json(all.iter().map(StaffView::from).collect::<Vec<_>>()).into_response())
}

async fn change(s: &AppState, who: Who, id: String, change: StaffChange, action: &str) -> ApiResult<Response> {
    let now = s.clock.now();
    let detail_role = matches!(change, StaffChange::Role(_));
    let by = who.by;
    let changed = s
        .store
        .staff_write(now, StaffOp::Change { id, change, by })
        .await?
        .account();
    let changed = changed.ok_or_else(|| ApiError::not_found("no staff account with this id"))?;
    let detail = if detail_role {
        format!("{} now {}", changed.email, changed.role.as_str())
    } else {
        changed.email.clone()
    };
    s.log_staff(&who.actor, action, detail);
    Ok(Json(StaffView::from(&changed)).into_response())
}

async fn disable(State(s): State<AppState>, who: Who, Path(id): Path<String>, _: NoBody) -> ApiResult<Response> {
    change(&s, who, id, StaffChange::Disabled(true), "staff_disable").await
}

async fn enable(State(s): State<AppState>, who: Who, Path(id): Path<String>, _: NoBody) -> ApiResult<Response> {
    change(&s, who, id, StaffChange::Disabled(false), "staff_enable").await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleBody {
    role: String,
}

async fn set_role(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<RoleBody>,
) -> ApiResult<Response> {
    let role = Role::parse(&b.role)?;
    change(&s, who, id, StaffChange::Role(role), "staff_role").await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordBody {
    password: String,
}

/// An owner sets a new password for someone (who lost theirs).
async fn reset_password(
    State(s): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PasswordBody>,
) -> ApiResult<Response> {
    let now = s.clock.now();
    let account = s.store.staff_read(now, StaffOp::ById(id.clone())).await?.account();
    let account = account.ok_or_else(|| ApiError::not_found("no staff account with this id"))?;
    password::check_strength(&b.password, &account.email)?;
    let hash = password::hash_blocking(b.password).await?;
    change(&s, who, id, StaffChange::PasswordHash(hash), "staff_password_reset").await
}

async fn clear_totp(State(s): State<AppState>, who: Who, Path(id): Path<String>, _: NoBody) -> ApiResult<Response> {
    change(&s, who, id, StaffChange::ClearTotp, "staff_totp_clear").await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
    role: String,
    #[serde(default)]
    product_id: Option<String>,
    #[serde(default)]
    expires_at: Option<i64>,
}

async fn create_token(
    State(s): State<AppState>,
    Actor(actor): Actor,
    ApiJson(b): ApiJson<NewToken>,
) -> ApiResult<Response> {
    let role = Role::parse(&b.role)?;
    let now = s.clock.now();
    if let Some(product) = &b.product_id {
        if !s.store.products().await?.iter().any(|p| &p.id == product) {
            return Err(ApiError::not_found("no product has this id"));
        }
    }
    if let Some(at) = b.expires_at {
        crate::domain::admin_input::check_time("expires_at", at)?;
    }
    if b.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::bad_request("expires_at must be in the future"));
    }
    let (token, secret) = staff::new_token(&b.name, role, b.product_id, b.expires_at, now);
    let hash = s.store.secrets().hasher.hash_api_token(&secret);
    let token = s
        .store
        .staff_write(now, StaffOp::AddToken { token, hash })
        .await?
        .token();
    let token = token.ok_or_else(|| ApiError::Internal("the new token is missing".into()))?;
    let scope = token
        .product_id
        .as_deref()
        .map(|p| format!(", product {p}"))
        .unwrap_or_default();
    s.log_staff(
        &actor,
        "token_create",
        format!("{} as {}{scope}", token.name, role.as_str()),
    );
    Ok((StatusCode::CREATED, Json(json!({"token": secret, "api_token": token}))).into_response())
}

async fn list_tokens(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(Json(s.store.staff_read(s.clock.now(), StaffOp::Tokens).await?.tokens()).into_response())
}

async fn revoke_token(
    State(s): State<AppState>,
    Actor(actor): Actor,
    Path(id): Path<String>,
    _: NoBody,
) -> ApiResult<Response> {
    let token = s
        .store
        .staff_write(s.clock.now(), StaffOp::RevokeToken(id))
        .await?
        .token();
    let token = token.ok_or_else(|| ApiError::not_found("no API token with this id"))?;
    s.log_staff(&actor, "token_revoke", token.name.clone());
    Ok(Json(token).into_response())
}

async fn get_settings(State(s): State<AppState>) -> ApiResult<Response> {
    Ok(Json(s.store.staff_read(s.clock.now(), StaffOp::Settings).await?.settings()).into_response())
}

async fn set_settings(
    State(s): State<AppState>,
    Actor(actor): Actor,
    ApiJson(b): ApiJson<StaffSettings>,
) -> ApiResult<Response> {
    let set = s
        .store
        .staff_write(s.clock.now(), StaffOp::SetSettings(b))
        .await?
        .settings();
    s.log_staff(&actor, "settings", format!("require_totp {}", set.require_totp));
    Ok(Json(set).into_response())
}

/// Who is signed in and what the role may do (the console hides the rest; the server refuses it).
async fn me(Extension(p): Extension<Principal>) -> Json<serde_json::Value> {
    let role = p.role();
    let may: serde_json::Map<String, serde_json::Value> = TABLE
        .iter()
        .map(|(a, _)| (roles::action_name(*a), json!(roles::may(role, *a))))
        .collect();
    let (kind, email) = match &p {
        Principal::Root => ("root", None),
        Principal::Staff { email, .. } => ("staff", Some(email.clone())),
        Principal::Token { .. } => ("token", None),
    };
    Json(json!({
        "kind": kind,
        "email": email,
        "role": role,
        "may": may,
        "totp_pending": p.must_set_up_totp(),
    }))
}

fn staff_id(p: &Principal) -> ApiResult<String> {
    match p {
        Principal::Staff { id, .. } => Ok(id.clone()),
        _ => Err(ApiError::new(
            Code::Forbidden,
            "only a staff account has its own password",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnPassword {
    current: String,
    new: String,
}

async fn change_own_password(
    State(s): State<AppState>,
    Extension(p): Extension<Principal>,
    who: Who,
    ApiJson(b): ApiJson<OwnPassword>,
) -> ApiResult<Response> {
    let id = staff_id(&p)?;
    let now = s.clock.now();
    let account = s.store.staff_read(now, StaffOp::ById(id.clone())).await?.account();
    let account = account.ok_or_else(|| ApiError::new(Code::Unauthorized, "sign in again"))?;
    if !password::verify_blocking(b.current, account.password_hash.clone()).await {
        return Err(ApiError::new(Code::Unauthorized, "the current password is wrong"));
    }
    password::check_strength(&b.new, &account.email)?;
    let hash = password::hash_blocking(b.new).await?;
    change(&s, who, id, StaffChange::PasswordHash(hash), "password_change").await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A new TOTP secret for the person's authenticator app (kept once they confirm a code).
async fn begin_totp(Extension(p): Extension<Principal>, _: NoBody) -> ApiResult<Response> {
    let Principal::Staff { email, .. } = &p else {
        return Err(ApiError::new(
            Code::Forbidden,
            "only a staff account has a second factor",
        ));
    };
    let secret = totp::new_secret();
    Ok(
        Json(json!({"secret": totp::base32(&secret), "otpauth_url": totp::otpauth_url(email, &secret)}))
            .into_response(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfirmTotp {
    secret: String,
    code: String,
}

async fn confirm_totp(
    State(s): State<AppState>,
    Extension(p): Extension<Principal>,
    Actor(actor): Actor,
    ApiJson(b): ApiJson<ConfirmTotp>,
) -> ApiResult<Response> {
    let id = staff_id(&p)?;
    let secret = totp::from_base32(&b.secret)
        .filter(|s| s.len() >= 16)
        .ok_or_else(|| ApiError::bad_request("not a TOTP secret from /me/totp/begin"))?;
    let now = s.clock.now();
    let Some(step) = totp::matching_step(&secret, &b.code, now) else {
        return Err(ApiError::new(Code::Unauthorized, "that code is wrong or too old"));
    };
    // Kept sealed, and the confirming code's step counts as used: it cannot sign in again.
    let sealed = s.store.secrets().totp.seal(&id, &secret);
    s.store.staff_write(now, StaffOp::SetTotp { id, sealed, step }).await?;
    s.log_staff(&actor, "totp_set", staff_email(&p));
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn staff_email(p: &Principal) -> String {
    match p {
        Principal::Staff { email, .. } => email.clone(),
        _ => String::new(),
    }
}
