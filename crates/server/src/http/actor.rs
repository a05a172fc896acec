//! Who made an admin change, for the event log: the door they came through (`admin-api`,
//! `console`) and their address. The door's auth middleware tags the request with [`Door`].

use super::client_addr::ClientAddr;
use super::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

/// Set by the auth middleware that let the request in.
#[derive(Debug, Clone, Copy)]
pub struct Door(pub &'static str);

/// `"admin-api 10.0.0.7"`, `"console 10.0.0.7"` (the root token); a staff account or API token
/// is named first: `"support: ann@acme.com (console 10.0.0.7)"`, `"token: shop (admin-api 10.0.0.7)"`.
pub struct Actor(pub String);

impl FromRequestParts<AppState> for Actor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let door = parts.extensions.get::<Door>().map_or("admin-api", |d| d.0);
        let ClientAddr(ip) = ClientAddr::from_request_parts(parts, state).await?;
        let label = parts
            .extensions
            .get::<super::staff::Principal>()
            .and_then(super::staff::Principal::label);
        Ok(Actor(match label {
            Some(who) => format!("{who} ({door} {ip})"),
            None => format!("{door} {ip}"),
        }))
    }
}
