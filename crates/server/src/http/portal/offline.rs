//! Offline activation and deactivation codes in the portal (formats: `keyturn_protocol::offline`).

use super::{actor, Holder};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::issued::Issued;
use crate::domain::tokens;
use crate::events::Event;
use crate::http::client_addr::ClientAddr;
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use keyturn_protocol::offline::{OfflineCode, OfflineCodeError, OfflineDeactivation, OfflineRequest, OfflineResponse};
use keyturn_protocol::wire::ActivateRequest;
use keyturn_protocol::{fingerprint, token, Code};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    request: String,
}

fn unreadable(e: OfflineCodeError) -> ApiError {
    ApiError::bad_request(e.to_string())
}

/// Activates the device named in the request on the signed-in license; answers the signed
/// response code the app imports.
pub async fn activate(
    State(s): State<AppState>,
    Extension(h): Extension<Holder>,
    ClientAddr(peer): ClientAddr,
    ApiJson(body): ApiJson<ActivateBody>,
) -> ApiResult<Response> {
    let req = OfflineRequest::decode(&body.request).map_err(unreadable)?;
    if !fingerprint::is_valid(&req.fingerprint) {
        return Err(ApiError::new(
            Code::InvalidFingerprint,
            "the request names no valid device fingerprint",
        ));
    }
    if req.name.len() > 200 || req.platform.len() > 100 || req.components.len() > 32 {
        return Err(ApiError::bad_request(
            "the request's device name, platform or components are too long",
        ));
    }
    let license = s.store.license(s.clock.now(), h.license_id.clone()).await?;
    if license.license.product_id != req.product_id {
        return Err(ApiError::bad_request(format!(
            "this request is for another product ({}), not {}",
            req.product_id.chars().take(64).collect::<String>(),
            license.product_name
        )));
    }
    let now = s.clock.now();
    let event = Event::new(now, "offline_activate", actor(peer))
        .license(&h.license_id)
        .detail(format!("device \"{}\" ({})", clip(&req.name), clip(&req.platform)));
    let activation = ActivateRequest {
        key: String::new(),
        fingerprint: req.fingerprint,
        components: req.components,
        name: req.name,
        platform: req.platform,
        virt: req.virt,
    };
    let describe = move |out: Result<&Issued, &ApiError>| {
        Some(match out {
            Ok(issued) => event.activation(&issued.activation.id),
            Err(e) => event.refused(e),
        })
    };
    let issued = crate::events::with_event::change(
        &s.events,
        describe,
        s.store.activate_offline(now, h.key_hash, activation),
    )
    .await?;
    let claims = tokens::claims(&issued, now);
    let response = OfflineResponse {
        activation: tokens::response(&issued, now, &s.store.secrets().keys().signing_key),
    };
    let body = json!({"response": response.encode(), "renew_by": claims.renew_by, "valid_until": claims.exp});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeactivateBody {
    code: String,
}

/// Frees the seat named by an offline deactivation code: its token must be signed by this server
/// and belong to the signed-in license.
pub async fn deactivate(
    State(s): State<AppState>,
    Extension(h): Extension<Holder>,
    ClientAddr(peer): ClientAddr,
    ApiJson(body): ApiJson<DeactivateBody>,
) -> ApiResult<Response> {
    let code = OfflineDeactivation::decode(&body.code).map_err(unreadable)?;
    let claims = token::verify_any(&code.token, &s.store.secrets().keys().verifying_keys)
        .map_err(|_| ApiError::bad_request("this deactivation code was not issued by this server"))?;
    if claims.license_id != h.license_id {
        return Err(ApiError::bad_request(
            "this deactivation code belongs to another license",
        ));
    }
    let event = Event::new(s.clock.now(), "offline_deactivate", actor(peer))
        .license(&h.license_id)
        .activation(&claims.sub);
    let describe = move |out: Result<&(), &ApiError>| {
        Some(match out {
            Ok(()) => event,
            Err(e) => event.refused(e),
        })
    };
    crate::events::with_event::change(&s.events, describe, s.store.deactivate(h.key_hash, claims.sub.clone())).await?;
    Ok(Json(json!({"activation_id": claims.sub})).into_response())
}

fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}
