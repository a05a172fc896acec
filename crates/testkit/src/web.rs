//! A signed-in console or portal session over HTTP, as a browser holds it: the session cookie
//! (checked to be HttpOnly, SameSite=Strict and scoped to its area's path) and the CSRF token the
//! sign-in answered. One helper for every suite that signs in, so the cookie rules are asserted
//! in one place.

use crate::http::answer;
use crate::server::Server;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct WebSession<'a> {
    pub server: &'a Server,
    /// `console` or `portal`: the path prefix of the pages and of their `/api`.
    pub area: &'static str,
    /// `name=value` of the session cookie.
    pub cookie: String,
    pub csrf: String,
}

impl<'a> WebSession<'a> {
    /// `POST /{area}/api/sign-in` with `body` (from `forwarded_for` when given: the server trusts
    /// the proxy). The refusal's status and body when it is not 200.
    pub async fn sign_in(
        server: &'a Server,
        area: &'static str,
        body: Value,
        forwarded_for: Option<&str>,
    ) -> Result<WebSession<'a>, (StatusCode, Value)> {
        let mut request = server
            .http
            .post(format!("{}/{area}/api/sign-in", server.url))
            .json(&body);
        if let Some(addr) = forwarded_for {
            request = request.header("x-forwarded-for", addr);
        }
        let response = request.send().await.expect("sign-in request");
        let cookie = response
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_string());
        let (status, value) = answer(response).await;
        if status != StatusCode::OK {
            return Err((status, value));
        }
        let cookie = cookie.expect("a session cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert!(cookie.contains(&format!("Path=/{area}")), "{cookie}");
        Ok(WebSession {
            server,
            area,
            cookie: cookie.split(';').next().unwrap().to_string(),
            csrf: value["csrf"].as_str().expect("a CSRF token").to_string(),
        })
    }

    /// The same session, used through another server of the same database.
    pub fn on(&self, server: &'a Server) -> WebSession<'a> {
        WebSession {
            server,
            area: self.area,
            cookie: self.cookie.clone(),
            csrf: self.csrf.clone(),
        }
    }

    /// `{method} /{area}/api{path}` with the session cookie, and with the CSRF token when `csrf`.
    pub async fn call_with(&self, method: Method, path: &str, body: Option<Value>, csrf: bool) -> (StatusCode, Value) {
        let mut request = self
            .server
            .http
            .request(method, format!("{}/{}/api{path}", self.server.url, self.area))
            .header("cookie", &self.cookie);
        if csrf {
            request = request.header("x-csrf-token", &self.csrf);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request")).await
    }

    /// A call as the pages make it (with the CSRF token).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call_with(method, path, body, true).await
    }
}
