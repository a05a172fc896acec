//! The role check in front of every admin route and console action: which [`Action`] each
//! route is ([`action_for`]; a route missing from the table is refused to everyone but the root
//! token), whether the signed-in [`Principal`]'s role may do it (`FORBIDDEN`, nothing changed),
//! support's extend limit, and a product-scoped token's view: another product's licenses,
//! policies and products answer `NOT_FOUND` (as if they did not exist) and lists leave them out
//! ([`super::scope`]).

use super::scope::{keep_product, scoped, with_product_filter};
use super::Principal;
use crate::domain::admin_input::{extended_expiry, Extend};
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::staff::roles::{self, Action, SUPPORT_EXTEND_DAYS};
use crate::events::Event;
use crate::http::actor::Actor;
use crate::http::extract::MAX_BODY;
use crate::http::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use keyturn_protocol::Code;
use serde_json::Value;

/// What a route needs: an action, or only a signed-in principal (`None`).
pub type Need = Option<Action>;

/// Every admin route and console action (the path below `/admin/v1` or `/console/api`).
pub const ROUTES: &[(&str, &str, Need)] = &[
    ("GET", "/public-key", Some(Action::Read)),
    ("GET", "/products", Some(Action::Read)),
    ("POST", "/products", Some(Action::Products)),
    ("GET", "/policies", Some(Action::Read)),
    ("POST", "/policies", Some(Action::Policies)),
    ("GET", "/licenses", Some(Action::Read)),
    ("POST", "/licenses", Some(Action::CreateLicense)),
    ("GET", "/licenses/{id}", Some(Action::Read)),
    ("POST", "/licenses/{id}/suspend", Some(Action::SuspendReinstate)),
    ("POST", "/licenses/{id}/reinstate", Some(Action::SuspendReinstate)),
    ("POST", "/licenses/{id}/revoke", Some(Action::Revoke)),
    ("POST", "/licenses/{id}/extend", Some(Action::Extend)),
    ("POST", "/licenses/{id}/reset", Some(Action::Reset)),
    ("GET", "/licenses/{id}/machines", Some(Action::Read)),
    (
        "DELETE",
        "/licenses/{id}/machines/{activation_id}",
        Some(Action::RemoveMachine),
    ),
    ("POST", "/fingerprints/{rule}", Some(Action::Fingerprints)),
    ("GET", "/licenses/page", Some(Action::Read)),
    ("GET", "/licenses/export.csv", Some(Action::Read)),
    ("POST", "/licenses/bulk", Some(Action::Bulk)),
    ("POST", "/licenses/{id}/edit", Some(Action::EditLicense)),
    ("POST", "/licenses/{id}/notes", Some(Action::EditLicense)),
    ("GET", "/licenses/{id}/leases", Some(Action::Read)),
    (
        "DELETE",
        "/licenses/{id}/leases/{lease_id}",
        Some(Action::RemoveMachine),
    ),
    ("GET", "/webhooks", Some(Action::Webhooks)),
    ("POST", "/webhooks", Some(Action::Webhooks)),
    ("DELETE", "/webhooks/{id}", Some(Action::Webhooks)),
    ("GET", "/webhooks/deliveries", Some(Action::Webhooks)),
    ("POST", "/webhooks/deliveries/{id}/redeliver", Some(Action::Webhooks)),
    ("GET", "/mails", Some(Action::Read)),
    ("GET", "/payments/unmatched", Some(Action::Read)),
    ("POST", "/mails/{license_id}/resend", Some(Action::ResendMail)),
    ("GET", "/events", Some(Action::Read)),
    ("GET", "/search", Some(Action::Read)),
    ("POST", "/test/clock", Some(Action::Settings)),
    ("POST", "/test/hear-changes", Some(Action::Settings)),
    ("GET", "/session", None),
    ("POST", "/sign-out", None),
    ("GET", "/me", None),
    ("POST", "/me/password", None),
    ("POST", "/me/totp/begin", None),
    ("POST", "/me/totp", None),
    ("GET", "/staff", Some(Action::Staff)),
    ("POST", "/staff", Some(Action::Staff)),
    ("POST", "/staff/{id}/disable", Some(Action::Staff)),
    ("POST", "/staff/{id}/enable", Some(Action::Staff)),
    ("POST", "/staff/{id}/role", Some(Action::Staff)),
    ("POST", "/staff/{id}/password", Some(Action::Staff)),
    ("POST", "/staff/{id}/totp/clear", Some(Action::Staff)),
    ("GET", "/tokens", Some(Action::Tokens)),
    ("POST", "/tokens", Some(Action::Tokens)),
    ("POST", "/tokens/{id}/revoke", Some(Action::Tokens)),
    ("GET", "/settings", Some(Action::Settings)),
    ("POST", "/settings", Some(Action::Settings)),
];

/// The route template below the API's prefix.
fn relative(route: &str) -> &str {
    route
        .strip_prefix("/admin/v1")
        .or_else(|| route.strip_prefix("/console/api"))
        .unwrap_or(route)
}

/// None: the route is not in the table.
pub fn action_for(method: &Method, route: &str) -> Option<Need> {
    let route = relative(route);
    ROUTES
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, need)| *need)
}

/// The middleware (inside the door's sign-in layer, which set the [`Principal`]).
pub async fn guard(State(s): State<AppState>, Actor(actor): Actor, req: Request, next: Next) -> Response {
    let refused = Refused::of(&req);
    match check(&s, req).await {
        Ok(Checked::Run(req, scope)) => match scope {
            Some(product) if req.uri().path().ends_with("/products") && req.method() == Method::GET => {
                keep_product(next.run(req).await, &product).await
            }
            _ => next.run(req).await,
        },
        Ok(Checked::Answer(r)) => r,
        Err(e) => {
            if e.code() == Code::Forbidden {
                refused.record(&s, &actor, &e);
            }
            e.into_response()
        }
    }
}

/// What a refused request tried, for the event log: `revoke refused: FORBIDDEN` on the
/// license's timeline, naming who tried.
struct Refused {
    action: String,
    license: Option<String>,
}

impl Refused {
    fn of(req: &Request) -> Refused {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("", |p| relative(p.as_str()));
        let license = license_param(req, route).filter(|id| id.starts_with("lic_"));
        // The route's last word (`revoke`, `reset`, `staff`) and its method.
        let word = route.rsplit('/').find(|w| !w.starts_with('{')).unwrap_or("admin");
        let action = if req.method() == Method::POST {
            word.to_owned()
        } else {
            format!("{}_{word}", req.method().as_str().to_lowercase())
        };
        Refused { action, license }
    }

    fn record(self, s: &AppState, actor: &str, e: &ApiError) {
        let mut event = Event::new(s.clock.now(), &self.action, actor).refused(e);
        if let Some(id) = self.license {
            event = event.license(id);
        }
        s.events.record(event);
    }
}

enum Checked {
    /// Run the handler (with the product scope, to filter the product list).
    Run(Request, Option<String>),
    /// Answer without the handler (an empty list for a scope that sees nothing of it).
    Answer(Response),
}

async fn check(s: &AppState, req: Request) -> ApiResult<Checked> {
    let Some(principal) = req.extensions().get::<Principal>().cloned() else {
        return Err(ApiError::new(Code::Unauthorized, "sign in first"));
    };
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| relative(p.as_str()).to_owned())
        .unwrap_or_default();
    let need = match action_for(req.method(), &route) {
        Some(need) => need,
        None if principal == Principal::Root => return Ok(Checked::Run(req, None)),
        None => {
            return Err(ApiError::new(
                Code::Forbidden,
                "this action is not open to staff or API tokens",
            ))
        }
    };
    let role = principal.role();
    if let Some(action) = need {
        roles::require(role, action)?;
        if principal.must_set_up_totp() && action != Action::Read {
            return Err(ApiError::new(
                Code::TotpRequired,
                "set up your second factor (TOTP) before changing anything",
            ));
        }
    }
    let scope = principal.scope().map(str::to_owned);
    let needs_body = route == "/licenses/{id}/extend" && !roles::may(role, Action::ExtendUnlimited)
        || scope.is_some() && req.method() == Method::POST;
    let (req, body) = if needs_body {
        buffer(req).await?
    } else {
        (req, Value::Null)
    };
    let id = license_param(&req, &route);
    if let Some(product) = &scope {
        if matches!(
            need,
            Some(
                Action::Staff | Action::Tokens | Action::Settings | Action::Products | Action::Bulk | Action::Webhooks
            )
        ) {
            return Err(ApiError::new(Code::Forbidden, "a product's token may not do this"));
        }
        let asked = (req.method().clone(), query_param(&req, "product_id"));
        if let Some(answer) = scoped(s, asked, &route, id.as_deref(), &body, product).await? {
            return Ok(Checked::Answer(answer));
        }
    }
    if route == "/licenses/{id}/extend" && !roles::may(role, Action::ExtendUnlimited) {
        support_extend(s, id.as_deref().unwrap_or_default(), &body).await?;
    }
    let listing = matches!(
        route.as_str(),
        "/licenses" | "/policies" | "/licenses/page" | "/licenses/export.csv"
    );
    let req = if let (Some(product), true, &Method::GET) = (&scope, listing, req.method()) {
        with_product_filter(req, product)
    } else {
        req
    };
    Ok(Checked::Run(req, scope))
}

/// Reads the body (at most the usual limit) and puts it back.
async fn buffer(req: Request) -> ApiResult<(Request, Value)> {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| ApiError::new(Code::PayloadTooLarge, "the body is too large"))?;
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((Request::from_parts(parts, Body::from(bytes)), value))
}

/// The `{id}` of a `/licenses/{id}…` route (or `license_id` of the events query).
fn license_param(req: &Request, route: &str) -> Option<String> {
    let path = req.uri().path();
    if route.starts_with("/licenses/{id}") {
        let rest = path.split("/licenses/").nth(1)?;
        return Some(percent_decode(rest.split('/').next()?));
    }
    if route == "/events" {
        return query_param(req, "license_id");
    }
    None
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    req.uri()
        .query()?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_decode(v))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Support extends by at most [`SUPPORT_EXTEND_DAYS`] past the later of now and the expiry.
async fn support_extend(s: &AppState, id: &str, body: &Value) -> ApiResult<()> {
    let how: Extend =
        serde_json::from_value(body.clone()).map_err(|e| ApiError::bad_request(format!("not an extension: {e}")))?;
    let now = s.clock.now();
    let current = s.store.license(now, id.to_owned()).await?.license.expires_at;
    let limit = current.unwrap_or(now).max(now) + SUPPORT_EXTEND_DAYS * 86_400;
    match extended_expiry(now, current, &how)? {
        Some(at) if at <= limit => Ok(()),
        _ => Err(ApiError::new(
            Code::Forbidden,
            format!("this role may extend by at most {SUPPORT_EXTEND_DAYS} days; ask an admin"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_template_is_found_under_both_prefixes() {
        for (m, r, need) in ROUTES {
            let method = Method::from_bytes(m.as_bytes()).unwrap();
            assert_eq!(action_for(&method, &format!("/admin/v1{r}")), Some(*need));
            assert_eq!(action_for(&method, &format!("/console/api{r}")), Some(*need));
        }
        assert_eq!(action_for(&Method::GET, "/admin/v1/nothing"), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Db+c"), "a-b c");
    }
}
