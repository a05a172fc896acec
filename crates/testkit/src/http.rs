//! Talking to a test [`Server`] over HTTP as its clients do: the client API, the admin API with
//! the admin token, and the test clock.

use crate::server::{Server, ADMIN_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// The body of an activation of device `fp` (named `host-<fp>`, Linux).
pub fn activation_body(key: &str, fp: &str) -> Value {
    json!({"key": key, "fingerprint": fp, "name": format!("host-{fp}"), "platform": "linux-x86_64"})
}

/// The `code` of an error answer (`<no code>` if it has none).
pub fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("<no code>")
}

/// The answer's body as JSON; a body that is not JSON as a JSON string; none as `null`.
pub(crate) async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("answer body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

impl Server {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{}", self.url, path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("request")).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    /// A request to the admin API (`/admin/v1{path}`) with the admin token.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/admin/v1{}", self.url, path))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.expect("admin request")).await
    }

    /// Moves the server's clock `secs` ahead of real time (its `--test-clock` route); the
    /// server's new now.
    pub async fn set_clock_offset(&self, secs: i64) -> i64 {
        let (status, body) = self
            .admin(Method::POST, "/test/clock", Some(json!({"offset_secs": secs})))
            .await;
        assert_eq!(status, StatusCode::OK, "test clock: {body}");
        body["now"].as_i64().expect("the server's now")
    }

    pub async fn validate(&self, key: &str, fp: &str) -> (StatusCode, Value) {
        self.post("/v1/validate", json!({"key": key, "fingerprint": fp})).await
    }

    pub async fn activate(&self, key: &str, fp: &str) -> (StatusCode, Value) {
        self.post("/v1/activations", activation_body(key, fp)).await
    }

    /// Binds another device to `key`, as that device's own app would; its machine id.
    pub async fn activate_other_device(&self, key: &str, fingerprint: &str, name: &str) -> String {
        let body = json!({ "key": key, "fingerprint": fingerprint, "name": name, "platform": "windows-x86_64" });
        let (status, answer) = self.post("/v1/activations", body).await;
        assert_eq!(status, StatusCode::CREATED, "activating {name}: {answer}");
        answer["machine"]["id"].as_str().expect("machine id").to_string()
    }

    /// The machines the server has bound to `key` (JSON objects with id, name, ...).
    pub async fn machines(&self, key: &str) -> Vec<Value> {
        let (_, answer) = self.post("/v1/machines", json!({ "key": key })).await;
        answer["machines"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no machines in {answer}"))
    }

    /// How many machines the server has bound to `key`.
    pub async fn machine_count(&self, key: &str) -> usize {
        self.machines(key).await.len()
    }
}
