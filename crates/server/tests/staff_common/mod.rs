//! What the staff tests share: staff accounts and API tokens made with the CLI (as an operator
//! would, the password on standard input), the admin API with a given bearer token, and a
//! console session of a staff account.
#![allow(dead_code)]

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery staple";

/// `keyturn-server staff add` with [`PASSWORD`] on stdin; the account's id.
pub fn add_staff(server: &Server, email: &str, role: &str) -> String {
    keyturn_testkit::staff::add_staff(&server.db, email, role, PASSWORD)
}

/// `keyturn-server token create`; the token's text.
pub fn new_token(server: &Server, name: &str, role: &str, product: Option<&str>) -> String {
    let mut args = vec!["token", "create", "--name", name, "--role", role];
    if let Some(p) = product {
        args.extend(["--product", p]);
    }
    server.cli(&args)
}

/// The admin API with this bearer token.
pub async fn call(
    server: &Server,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = server
        .http
        .request(method, format!("{}/admin/v1{path}", server.url))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.expect("admin request");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A signed-in console session.
pub type Console<'a> = WebSession<'a>;

/// `POST /console/api/sign-in` (from `forwarded_for` when given: the server trusts the proxy).
pub async fn sign_in<'a>(
    server: &'a Server,
    body: Value,
    forwarded_for: Option<&str>,
) -> Result<Console<'a>, (StatusCode, Value)> {
    WebSession::sign_in(server, "console", body, forwarded_for).await
}

pub async fn sign_in_staff<'a>(server: &'a Server, email: &str) -> Console<'a> {
    sign_in(server, json!({"email": email, "password": PASSWORD}), None)
        .await
        .unwrap_or_else(|e| panic!("{email} could not sign in: {e:?}"))
}

/// Every event, newest first (through the root token).
pub async fn all_events(server: &Server) -> Vec<Value> {
    let (status, page) = server.admin(Method::GET, "/events?limit=500", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["events"].as_array().unwrap().clone()
}
