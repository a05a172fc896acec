//! The role matrix `staff_roles.rs` walks: every admin route with the roles allowed on it, and
//! what must not move when a request is refused.

use super::staff_common::PASSWORD;
use keyturn_testkit::Server;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The roles in the order of the `allowed` columns of [`routes`].
pub const ROLES: [&str; 4] = ["owner", "admin", "support", "viewer"];

/// `(method, path, body, allowed for [owner, admin, support, viewer])`; in paths `{lic}` is a
/// fresh license with one machine `{act}`, `{staff}` a fresh viewer account, `{tok}` a fresh
/// token, `{prod}` / `{pol}` the product and a policy; `{n}` a fresh number.
pub fn routes() -> Vec<(&'static str, &'static str, Option<Value>, [bool; 4])> {
    let all = [true; 4];
    let changers = [true, true, true, false];
    let admins = [true, true, false, false];
    let owner = [true, false, false, false];
    vec![
        ("GET", "/public-key", None, all),
        ("GET", "/products", None, all),
        ("POST", "/products", Some(json!({"name": "New {n}"})), admins),
        ("GET", "/policies", None, all),
        (
            "POST",
            "/policies",
            Some(json!({"product_id": "{prod}", "name": "P{n}", "max_machines": 2})),
            admins,
        ),
        ("GET", "/licenses", None, all),
        ("POST", "/licenses", Some(json!({"policy_id": "{pol}"})), admins),
        ("GET", "/licenses/{lic}", None, all),
        ("POST", "/licenses/{lic}/suspend", None, changers),
        ("POST", "/licenses/{lic}/reinstate", None, changers),
        ("POST", "/licenses/{lic}/revoke", None, admins),
        ("POST", "/licenses/{lic}/extend", Some(json!({"secs": 86400})), changers),
        (
            "POST",
            "/licenses/{lic}/extend",
            Some(json!({"secs": 40 * 86400})),
            admins,
        ),
        ("POST", "/licenses/{lic}/extend", Some(json!({"never": true})), admins),
        ("POST", "/licenses/{lic}/reset", None, changers),
        ("GET", "/licenses/{lic}/machines", None, all),
        ("DELETE", "/licenses/{lic}/machines/{act}", None, changers),
        (
            "POST",
            "/fingerprints/block",
            Some(json!({"product_id": "{prod}", "fingerprint": "fp-{n}"})),
            admins,
        ),
        ("GET", "/events", None, all),
        ("GET", "/licenses/page", None, all),
        ("GET", "/licenses/export.csv", None, all),
        (
            "POST",
            "/licenses/{lic}/edit",
            Some(json!({"owner_name": "Ann {n}"})),
            changers,
        ),
        (
            "POST",
            "/licenses/{lic}/notes",
            Some(json!({"text": "called back {n}"})),
            changers,
        ),
        (
            "POST",
            "/licenses/bulk",
            Some(json!({"action": "suspend", "filter": {"q": "nobody-{n}"}, "confirm_total": 0})),
            admins,
        ),
        ("GET", "/licenses/{lic}/leases", None, all),
        ("GET", "/webhooks", None, owner),
        (
            "POST",
            "/webhooks",
            Some(json!({"url": "http://127.0.0.1:9/hook-{n}", "event_types": ["activate"]})),
            owner,
        ),
        ("GET", "/webhooks/deliveries", None, owner),
        ("GET", "/mails", None, all),
        ("POST", "/mails/{mail}/resend", None, changers),
        ("POST", "/test/clock", Some(json!({"offset_secs": 0})), owner),
        ("GET", "/staff", None, owner),
        (
            "POST",
            "/staff",
            Some(json!({"email": "new{n}@acme.com", "role": "viewer", "password": PASSWORD})),
            owner,
        ),
        ("POST", "/staff/{staff}/disable", None, owner),
        ("POST", "/staff/{staff}/enable", None, owner),
        ("POST", "/staff/{staff}/role", Some(json!({"role": "support"})), owner),
        (
            "POST",
            "/staff/{staff}/password",
            Some(json!({"password": "another long passphrase"})),
            owner,
        ),
        ("POST", "/staff/{staff}/totp/clear", None, owner),
        ("GET", "/tokens", None, owner),
        (
            "POST",
            "/tokens",
            Some(json!({"name": "t{n}", "role": "viewer"})),
            owner,
        ),
        ("POST", "/tokens/{tok}/revoke", None, owner),
        ("GET", "/settings", None, owner),
        ("POST", "/settings", Some(json!({"require_totp": false})), owner),
    ]
}

/// What must not move when a request is refused (token last-use times left out).
pub async fn snapshot(server: &Server, license: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        format!("/licenses/{license}"),
        format!("/licenses/{license}/machines"),
        "/products".into(),
        "/policies".into(),
        "/licenses".into(),
        "/staff".into(),
        "/settings".into(),
        "/webhooks".into(),
    ] {
        let (status, body) = server.admin(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        out.push(body);
    }
    // The newest change (a refusal is an event too, of its own).
    let (_, events) = server.admin(Method::GET, "/events?limit=500", None).await;
    let changes = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "OK");
    out.push(changes.map(|e| e["id"].clone()).next().unwrap_or_default());
    let (_, mut tokens) = server.admin(Method::GET, "/tokens", None).await;
    for t in tokens.as_array_mut().unwrap() {
        t["last_used_at"] = Value::Null;
    }
    out.push(tokens);
    out
}
