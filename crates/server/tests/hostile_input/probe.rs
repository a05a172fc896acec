//! An outsider's HTTP client: raw bytes, any method, any headers, the answer as text; every
//! request on a fresh connection (a refused oversized body ends its connection) with a time
//! limit (a hang is a failure, not a stuck test).

use keyturn_testkit::{Server, ADMIN_TOKEN};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// Who is asking: nobody, the admin API's token, a console session, a portal session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    Nobody,
    Admin,
    Console,
    Portal,
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("<no code>").to_string()
    }
}

pub struct Probe<'a> {
    pub server: &'a Server,
    console: HeaderMap,
    portal: HeaderMap,
    /// Every answer that broke the contract: the test reports them all at its end.
    failures: std::sync::Mutex<Vec<String>>,
}

/// The session cookie (`name=value`) a sign-in answer sets.
fn session_cookie(headers: &reqwest::header::HeaderMap) -> String {
    let set = headers.get("set-cookie").expect("a session cookie").to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

impl<'a> Probe<'a> {
    /// Signs in to the console (admin token) and to the portal (`portal_key`).
    pub async fn new(server: &'a Server, portal_key: &str) -> Probe<'a> {
        let mut probe = Probe {
            server,
            console: HeaderMap::new(),
            portal: HeaderMap::new(),
            failures: Default::default(),
        };
        probe.console = probe
            .sign_in("/console/api/sign-in", json!({"token": ADMIN_TOKEN}))
            .await;
        probe.portal = probe.sign_in("/portal/api/sign-in", json!({"key": portal_key})).await;
        probe
    }

    async fn sign_in(&self, path: &str, body: Value) -> HeaderMap {
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.server.url))
            .header("origin", &self.server.url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "sign-in at {path}");
        let cookie = session_cookie(response.headers());
        let csrf = response.json::<Value>().await.unwrap()["csrf"]
            .as_str()
            .unwrap()
            .to_string();
        let mut headers = HeaderMap::new();
        headers.insert("cookie", HeaderValue::from_str(&cookie).unwrap());
        headers.insert("x-csrf-token", HeaderValue::from_str(&csrf).unwrap());
        headers.insert("origin", HeaderValue::from_str(&self.server.url).unwrap());
        headers
    }

    /// `path` as is (no encoding added); `headers` after the auth's.
    pub async fn send(
        &self,
        auth: Auth,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = http.request(method.clone(), format!("{}{path}", self.server.url));
        let mut all = match auth {
            Auth::Nobody => HeaderMap::new(),
            Auth::Admin => {
                let mut h = HeaderMap::new();
                h.insert(
                    "authorization",
                    HeaderValue::from_str(&format!("Bearer {ADMIN_TOKEN}")).unwrap(),
                );
                h
            }
            Auth::Console => self.console.clone(),
            Auth::Portal => self.portal.clone(),
        };
        // The case's headers replace the auth's (one value each, as a browser sends them).
        for (name, value) in headers {
            all.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        request = request.headers(all);
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => panic!("{method} {}: no answer: {e}", clip(path)),
        };
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("{} body: {e}", clip(path)));
        Answer {
            status,
            content_type,
            text,
        }
    }
}

impl Probe<'_> {
    /// A request written byte by byte on a TCP connection (what no HTTP client lets one send:
    /// a declared length the body never reaches, `Expect: 100-continue`), with the auth's
    /// headers; the final answer (after any `100 Continue`), or a failure noted when none comes
    /// within 20 s.
    pub async fn raw(&self, auth: Auth, method: &str, path: &str, extra_headers: &str, body: &[u8]) -> Answer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self.server.url.trim_start_matches("http://").to_string();
        let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {address}\r\n{extra_headers}");
        let auth_headers = match auth {
            Auth::Nobody => HeaderMap::new(),
            Auth::Admin => {
                let mut h = HeaderMap::new();
                h.insert(
                    "authorization",
                    HeaderValue::from_str(&format!("Bearer {ADMIN_TOKEN}")).unwrap(),
                );
                h
            }
            Auth::Console => self.console.clone(),
            Auth::Portal => self.portal.clone(),
        };
        for (name, value) in &auth_headers {
            head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
        }
        head.push_str("\r\n");
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut received = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(20), async {
            let mut buffer = [0u8; 4096];
            loop {
                if let Some(answer) = parse_final(&received) {
                    return Some(answer);
                }
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => return parse_final(&received),
                    Ok(n) => received.extend_from_slice(&buffer[..n]),
                }
            }
        })
        .await;
        read.ok().flatten().unwrap_or_else(|| Answer {
            status: StatusCode::from_u16(599).unwrap(),
            content_type: String::new(),
            text: format!("no complete answer in 20 s: {:?}", String::from_utf8_lossy(&received)),
        })
    }
}

/// The last complete answer in `bytes` (skipping `100 Continue`), once its body is all there.
fn parse_final(bytes: &[u8]) -> Option<Answer> {
    let text = String::from_utf8_lossy(bytes);
    let mut rest: &str = &text;
    loop {
        let (head, after) = rest.split_once("\r\n\r\n")?;
        let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
        if status == 100 {
            rest = after;
            continue;
        }
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)))
                .map(|(_, v)| v.trim().to_string())
        };
        let length: usize = header("content-length")?.parse().ok()?;
        if after.len() < length {
            return None;
        }
        return Some(Answer {
            status: StatusCode::from_u16(status).ok()?,
            content_type: header("content-type").unwrap_or_default(),
            text: after[..length].to_string(),
        });
    }
}

pub fn clip(text: &str) -> String {
    text.chars().take(120).collect()
}

/// The status each stable code is answered with (crates/server/src/http/error.rs), for the
/// codes a refused hostile request can get.
pub fn status_of(code: &str) -> Option<u16> {
    Some(match code {
        "BAD_REQUEST"
        | "INVALID_KEY_FORMAT"
        | "INVALID_FINGERPRINT"
        | "INVALID_DEVICE_NAME"
        | "SIGNATURE_INVALID"
        | "SIGNATURE_EXPIRED"
        | "WEAK_PASSWORD"
        | "INVALID_EMAIL"
        | "UNKNOWN_ROLE" => 400,
        "UNAUTHORIZED" | "TOTP_REQUIRED" => 401,
        "FORBIDDEN" | "SUSPENDED" | "REVOKED" | "EXPIRED" | "CANNOT_CHANGE_SELF" | "BORROW_NOT_ALLOWED" => 403,
        "NOT_FOUND" | "ACTIVATION_NOT_FOUND" | "ROUTE_NOT_FOUND" | "FINGERPRINT_NOT_FOUND" | "LEASE_NOT_FOUND" => 404,
        "METHOD_NOT_ALLOWED" => 405,
        "MACHINE_LIMIT_EXCEEDED" | "FINGERPRINT_MISMATCH" | "ALREADY_EXISTS" | "NOT_FLOATING" | "FLOATING_LICENSE" => {
            409
        }
        "PAYLOAD_TOO_LARGE" => 413,
        "UNSUPPORTED_MEDIA_TYPE" => 415,
        _ => return None,
    })
}

/// A refusal as the contract says: 4xx, a JSON `{code, message}` body with a known code whose
/// status is the one answered. `what` names the case in the failure.
pub fn refused(what: &str, answer: &Answer) -> Result<(), String> {
    let value = answer.json();
    let code = value["code"].as_str();
    let ok = answer.status.is_client_error()
        && answer.content_type.starts_with("application/json")
        && value["message"].as_str().is_some_and(|m| !m.is_empty())
        && code.and_then(status_of) == Some(answer.status.as_u16());
    if ok {
        return Ok(());
    }
    Err(format!(
        "{what}: expected a JSON refusal with a stable code, got {} ({}) {}",
        answer.status,
        answer.content_type,
        clip(&answer.text)
    ))
}

impl Probe<'_> {
    /// Notes a failure unless `answer` is a refusal as the contract says.
    pub fn assert_refused(&self, what: &str, answer: &Answer) {
        if let Err(failure) = refused(what, answer) {
            self.failures.lock().unwrap().push(failure);
        }
    }

    /// Notes a failure unless `answer` refuses with exactly this code.
    pub fn assert_code(&self, what: &str, answer: &Answer, code: &str) {
        match refused(what, answer) {
            Err(failure) => self.failures.lock().unwrap().push(failure),
            Ok(()) if answer.code() != code => self.failures.lock().unwrap().push(format!(
                "{what}: expected {code}, got {} {}",
                answer.status,
                clip(&answer.text)
            )),
            Ok(()) => {}
        }
    }

    /// Notes a failure unless `holds`.
    pub fn check(&self, holds: bool, failure: String) {
        if !holds {
            self.failures.lock().unwrap().push(failure);
        }
    }

    /// Fails the test with every failure noted.
    pub fn finish(&self) {
        let failures = self.failures.lock().unwrap();
        assert!(
            failures.is_empty(),
            "{} answers broke the contract:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
