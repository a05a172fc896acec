//! A transcript of what one server answered and recorded, with random ids and times masked, so
//! two servers (one on SQLite, one on PostgreSQL) given the same requests can be compared line
//! by line (`same_on_both_stores.rs`).

use keyturn_testkit::Server;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// What one server answered and recorded, masked, one line per fact.
pub struct Transcript {
    pub server: Server,
    pub lines: Vec<String>,
}

/// Random ids (`lic_…`, `act_…`, `pol_…`, `prod_…`, `sess_…`) and numbers that are times.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let next_id = ["lic_", "act_", "pol_", "prod_"]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min();
        match next_id {
            Some((i, len)) if rest[i + len..].chars().take(20).all(|c| c.is_ascii_alphanumeric()) => {
                out.push_str(&rest[..i + len]);
                out.push('*');
                rest = &rest[i + len + 20.min(rest.len() - i - len)..];
            }
            Some((i, len)) => {
                out.push_str(&rest[..i + len]);
                rest = &rest[i + len..];
            }
            None => {
                out.push_str(rest);
                break;
            }
        }
    }
    // Times: any run of 10 digits (Unix seconds).
    let mut masked = String::with_capacity(out.len());
    let mut digits = String::new();
    for c in out.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        masked.push_str(if digits.len() == 10 { "<time>" } else { &digits });
        digits.clear();
        masked.push(c);
    }
    masked.pop();
    masked
}

impl Transcript {
    pub fn start(db: &str) -> Transcript {
        Transcript {
            server: Server::start_on(db, &[]),
            lines: vec![],
        }
    }

    /// Records the answer's status, code, message, machine count and license status.
    pub fn note(&mut self, step: &str, (status, body): &(StatusCode, Value)) {
        let line = format!(
            "{step}: {} {} | {} | machines {} | license {}",
            status.as_u16(),
            body["code"].as_str().unwrap_or("-"),
            body["message"].as_str().unwrap_or("-"),
            body["machines_total"],
            body["license"]["status"],
        );
        self.lines.push(mask(&line));
    }

    pub async fn client(&mut self, step: &str, path: &str, body: Value) -> Value {
        let answer = self.server.post(path, body).await;
        self.note(step, &answer);
        answer.1
    }

    pub async fn admin(&mut self, step: &str, method: Method, path: &str, body: Option<Value>) -> Value {
        let answer = self.server.admin(method, path, body).await;
        self.note(step, &answer);
        answer.1
    }

    pub async fn raw(&mut self, step: &str, method: Method, path: &str, content_type: &str, body: Vec<u8>) {
        let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
        let resp = http
            .request(method, format!("{}{}", self.server.url, path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let value = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
        self.note(step, &(status, value));
    }
}
