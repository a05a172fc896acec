//! Client endpoints (the license key authenticates). See keyturn_protocol::wire for the table.

use super::client_addr::ClientAddr;
use super::state::AppState;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::issued::{self, Issued};
use crate::domain::page::Page;
use crate::domain::tokens;
use crate::events::Event;
use crate::http::extract::ApiJson;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use axum::{Json, Router};
use keyturn_protocol::wire::{
    ActivateRequest, DeactivateRequest, MachinesRequest, TrialRequest, TrialResponse, ValidateRequest, VirtInfo,
};
use keyturn_protocol::{fingerprint, Code, LicenseKey};
use std::collections::BTreeMap;
use std::net::IpAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/validate", post(validate))
        .route("/v1/activations", post(activate))
        .route("/v1/activations/{id}", patch(renew))
        .route("/v1/activations/{id}/deactivate", post(deactivate))
        .route("/v1/machines", post(machines))
        .route("/v1/trials", post(trial))
}

pub(crate) fn parse_key(text: &str) -> ApiResult<LicenseKey> {
    LicenseKey::parse(text).map_err(|e| ApiError::new(Code::InvalidKeyFormat, e.to_string()))
}

pub(crate) fn check_fingerprint(fp: &str) -> ApiResult<()> {
    if fingerprint::is_valid(fp) {
        Ok(())
    } else {
        Err(ApiError::new(
            Code::InvalidFingerprint,
            "a fingerprint is 1 to 256 printable characters",
        ))
    }
}

fn check_device(
    fp: &str,
    components: &BTreeMap<String, String>,
    name: &str,
    platform: &str,
    virt: &VirtInfo,
) -> ApiResult<()> {
    check_fingerprint(fp)?;
    if components.len() > 32
        || components
            .iter()
            .any(|(k, v)| k.is_empty() || k.len() > 64 || v.len() > 128)
    {
        return Err(ApiError::bad_request(
            "components: at most 32, names 1-64 and hashes up to 128 characters",
        ));
    }
    if name.len() > 200 || platform.len() > 100 || virt.kind.as_ref().is_some_and(|k| k.len() > 64) {
        return Err(ApiError::bad_request("name, platform or virt.kind too long"));
    }
    Ok(())
}

/// What an event says about a device: its name and platform (never hardware values).
pub(super) fn device(name: &str, platform: &str) -> String {
    format!("device \"{}\" ({})", clip(name), clip(platform))
}

/// At most 64 characters of a client-supplied string, for the event log.
pub(crate) fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Whatever an operation answered that can carry a license and an activation.
pub(super) trait Outcome {
    fn ids(&self) -> (Option<&str>, Option<&str>);
}

impl Outcome for Issued {
    fn ids(&self) -> (Option<&str>, Option<&str>) {
        (Some(&self.ctx.license.id), Some(&self.activation.id))
    }
}

impl Outcome for () {
    fn ids(&self) -> (Option<&str>, Option<&str>) {
        (None, None)
    }
}

impl AppState {
    /// Runs a change with its event, written in the change's transaction (a refusal: with its
    /// code); `key_hash` finds the license when the answer does not name it.
    async fn change<T: Outcome + 'static>(
        &self,
        event: Event,
        key_hash: Option<String>,
        change: impl std::future::Future<Output = ApiResult<T>>,
    ) -> ApiResult<T> {
        let describe = move |outcome: Result<&T, &ApiError>| {
            let mut event = match outcome {
                Ok(out) => {
                    let (license, activation) = out.ids();
                    let mut event = event;
                    if let Some(l) = license {
                        event = event.license(l);
                    }
                    if let Some(a) = activation {
                        event = event.activation(a);
                    }
                    event
                }
                Err(e) => event.refused(e),
            };
            event.key_hash = key_hash;
            Some(event)
        };
        crate::events::with_event::change(&self.events, describe, change).await
    }

    /// Rate limit, then the key's lookup hash.
    pub(crate) fn lookup(&self, peer: IpAddr, key: &LicenseKey) -> ApiResult<String> {
        if !self.limiter.allow(peer) {
            return Err(ApiError::rate_limited(
                "too many requests; try again in a moment",
                self.limiter.wait(peer),
            ));
        }
        Ok(self.store.secrets().hasher.hash(key))
    }
}

async fn validate(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    ApiJson(req): ApiJson<ValidateRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    check_fingerprint(&req.fingerprint)?;
    let hash = s.lookup(peer, &key)?;
    let now = s.clock.now();
    let mut answer = s.store.validate(now, hash.clone(), req.fingerprint.clone()).await?;
    if answer.code == Code::FingerprintNotFound {
        // Freed by the policy after days unused: say so, so the app can explain it.
        if let Some(r) = s.store.auto_released(hash, req.fingerprint).await? {
            let refusal = crate::domain::leases::auto_release::refusal(&r);
            answer.code = refusal.code();
            answer.message = refusal.body().message;
        }
    }
    Ok(Json(answer).into_response())
}

async fn activate(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    check_device(&req.fingerprint, &req.components, &req.name, &req.platform, &req.virt)?;
    let hash = s.lookup(peer, &key)?;
    let now = s.clock.now();
    let event = Event::new(now, "activate", format!("client {peer}")).detail(device(&req.name, &req.platform));
    let issued = s
        .change(event, Some(hash.clone()), s.store.activate(now, hash, req))
        .await?;
    let body = tokens::response(&issued, now, &s.store.secrets().keys().signing_key);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn renew(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    check_device(&req.fingerprint, &req.components, &req.name, &req.platform, &req.virt)?;
    let hash = s.lookup(peer, &key)?;
    let now = s.clock.now();
    let event = Event::new(now, "renew", format!("client {peer}")).activation(clip(&id));
    let issued = s
        .change(event, Some(hash.clone()), s.store.renew(now, hash, id, req))
        .await?;
    Ok(Json(tokens::response(&issued, now, &s.store.secrets().keys().signing_key)).into_response())
}

async fn deactivate(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DeactivateRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    let hash = s.lookup(peer, &key)?;
    let event = Event::new(s.clock.now(), "deactivate", format!("client {peer}")).activation(clip(&id));
    s.change(event, Some(hash.clone()), s.store.deactivate(hash, id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn machines(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    ApiJson(req): ApiJson<MachinesRequest>,
) -> ApiResult<Response> {
    let key = parse_key(&req.key)?;
    if let Some(fp) = &req.fingerprint {
        check_fingerprint(fp)?;
    }
    let page = Page::parse(req.limit, req.after.as_deref())?;
    let hash = s.lookup(peer, &key)?;
    let answer = s.store.machines(hash, req.fingerprint, page).await?;
    Ok(Json(answer).into_response())
}

async fn trial(
    State(s): State<AppState>,
    ClientAddr(peer): ClientAddr,
    ApiJson(req): ApiJson<TrialRequest>,
) -> ApiResult<Response> {
    check_device(&req.fingerprint, &req.components, &req.name, &req.platform, &req.virt)?;
    if !s.limiter.allow(peer) {
        return Err(ApiError::rate_limited(
            "too many requests; try again in a moment",
            s.limiter.wait(peer),
        ));
    }
    let key = issued::generate_key();
    let now = s.clock.now();
    let event = Event::new(now, "trial", format!("client {peer}")).detail(format!(
        "product {}; {}",
        clip(&req.product_id),
        device(&req.name, &req.platform)
    ));
    let issued = s.change(event, None, s.store.trial(now, key.clone(), req)).await?;
    let activation = tokens::response(&issued, now, &s.store.secrets().keys().signing_key);
    let body = TrialResponse {
        key: key.to_string(),
        machine: activation.machine,
        token: activation.token,
        license: activation.license,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
