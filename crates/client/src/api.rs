//! HTTP client for the server's client endpoints (reqwest + rustls; the system proxy and the
//! `HTTPS_PROXY`/`NO_PROXY` variables are respected; connect and request timeouts).

use crate::error::ClientError;
use keyturn_protocol::wire::{
    ActivateRequest, ActivateResponse, DeactivateRequest, ErrorBody, Machine, MachinesRequest, MachinesResponse,
    RenameRequest, TrialRequest, TrialResponse, ValidateRequest, ValidateResponse,
};
use keyturn_protocol::LicenseKey;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// Largest response body read (the answers are small; anything bigger is not our server).
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// How long to wait for the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Whole request, from sending to the last byte of the answer.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
}

impl ApiClient {
    pub fn new(server_url: &str) -> Result<Self, ClientError> {
        Self::with_timeouts(server_url, Timeouts::default())
    }

    pub fn with_timeouts(server_url: &str, timeouts: Timeouts) -> Result<Self, ClientError> {
        let base = server_url.trim().trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&base).map_err(|e| ClientError::InvalidUrl(format!("{base}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(ClientError::InvalidUrl(format!("{base}: not an http(s) URL")));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .user_agent(concat!("keyturn-client/", env!("CARGO_PKG_VERSION")))
            .https_only(url.scheme() == "https")
            // A licensing call is never redirected: a key must not follow a 307 to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Network(format!("cannot set up HTTP: {e}")))?;
        Ok(ApiClient { http, base })
    }

    /// The server URL requests go to (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Is this key valid on this device? Every outcome of an existing key is a 200 answer with
    /// its code; an unknown key is `Err(Server { code: NOT_FOUND })`.
    pub async fn validate(&self, key: &LicenseKey, fingerprint: &str) -> Result<ValidateResponse, ClientError> {
        let body = ValidateRequest {
            key: key.canonical().to_owned(),
            fingerprint: fingerprint.to_owned(),
        };
        self.call(Method::POST, "/v1/validate", &body, StatusCode::OK).await
    }

    /// Binds this device (201). `MACHINE_LIMIT_EXCEEDED` comes back as `Err(Server)` whose body
    /// carries the bound machines and the license.
    pub async fn activate(&self, req: &ActivateRequest) -> Result<ActivateResponse, ClientError> {
        self.call(Method::POST, "/v1/activations", req, StatusCode::CREATED)
            .await
    }

    /// The first page of the devices bound to the key's license; `fingerprint` marks this device.
    /// `next` in the answer is the cursor of the next page ([`ApiClient::machines_page`]).
    pub async fn machines(&self, key: &LicenseKey, fingerprint: Option<&str>) -> Result<MachinesResponse, ClientError> {
        self.machines_page(key, fingerprint, None, None).await
    }

    /// A page of the devices bound to the key's license: `after` is the previous page's `next`,
    /// `limit` the page size (the server's default when None).
    pub async fn machines_page(
        &self,
        key: &LicenseKey,
        fingerprint: Option<&str>,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<MachinesResponse, ClientError> {
        let body = MachinesRequest {
            key: key.canonical().to_owned(),
            fingerprint: fingerprint.map(str::to_owned),
            limit,
            after: after.map(str::to_owned),
        };
        self.call(Method::POST, "/v1/machines", &body, StatusCode::OK).await
    }

    /// Renews an activation with the very same body as the activation: a fresh token.
    pub async fn renew(&self, activation_id: &str, req: &ActivateRequest) -> Result<ActivateResponse, ClientError> {
        let path = format!("/v1/activations/{}", encode_segment(activation_id));
        self.call(Method::PATCH, &path, req, StatusCode::OK).await
    }

    /// Frees a seat (204).
    pub async fn deactivate(&self, key: &LicenseKey, activation_id: &str) -> Result<(), ClientError> {
        let path = format!("/v1/activations/{}/deactivate", encode_segment(activation_id));
        let body = DeactivateRequest {
            key: key.canonical().to_owned(),
        };
        let (status, _) = self.send(Method::POST, &path, &body).await?;
        if status == StatusCode::NO_CONTENT || status == StatusCode::OK {
            Ok(())
        } else {
            Err(ClientError::Protocol(format!("deactivate answered HTTP {status}")))
        }
    }

    /// Renames the activation `activation_id` (only this device's own: `fingerprint` must be
    /// the one it was activated with). Answers the machine as it now is; a name the server
    /// cannot use is `Err(Server { code: INVALID_DEVICE_NAME })`.
    pub async fn rename(
        &self,
        key: &LicenseKey,
        activation_id: &str,
        fingerprint: &str,
        name: &str,
    ) -> Result<Machine, ClientError> {
        let path = format!("/v1/activations/{}/name", encode_segment(activation_id));
        let body = RenameRequest {
            key: key.canonical().to_owned(),
            fingerprint: fingerprint.to_owned(),
            name: name.to_owned(),
        };
        self.call(Method::POST, &path, &body, StatusCode::OK).await
    }

    /// Starts this device's one trial of the product (201): a trial key, its activation and token.
    /// A second trial of the same device is `Err(Server { code: TRIAL_USED })`.
    pub async fn trial(&self, req: &TrialRequest) -> Result<TrialResponse, ClientError> {
        self.call(Method::POST, "/v1/trials", req, StatusCode::CREATED).await
    }

    /// Is the server there? `GET /healthz`; answers the round-trip time (for the support report).
    pub async fn health(&self) -> Result<std::time::Duration, ClientError> {
        let started = std::time::Instant::now();
        let response = self
            .http
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .map_err(map_reqwest)?;
        let status = response.status();
        if status.is_success() {
            Ok(started.elapsed())
        } else {
            Err(ClientError::Unavailable {
                status: status.as_u16(),
            })
        }
    }

    /// Sends a request and reads a 2xx JSON answer (`expected` documents the usual status;
    /// any 2xx with the right body is accepted).
    pub(crate) async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        expected: StatusCode,
    ) -> Result<T, ClientError> {
        let (status, bytes) = self.send(method, path, body).await?;
        debug_assert!(status.is_success() && expected.is_success());
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::Protocol(format!("{path} answered HTTP {status} with an unreadable body: {e}")))
    }

    /// Sends a JSON request; returns the status and body of a 2xx answer, or the error.
    pub(crate) async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<(StatusCode, Vec<u8>), ClientError> {
        let url = format!("{}{path}", self.base);
        let mut response = self
            .http
            .request(method, url)
            .json(body)
            .send()
            .await
            .map_err(map_reqwest)?;
        let status = response.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_reqwest)? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(ClientError::Protocol(format!(
                    "{path} answered more than {MAX_RESPONSE_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok((status, bytes));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::Server {
                status: status.as_u16(),
                body,
            }),
            Err(_)
                if status.is_server_error()
                    || status == StatusCode::REQUEST_TIMEOUT
                    || status == StatusCode::TOO_MANY_REQUESTS =>
            {
                Err(ClientError::Unavailable {
                    status: status.as_u16(),
                })
            }
            Err(_) => Err(ClientError::Protocol(format!(
                "{path} answered HTTP {status} without an error body"
            ))),
        }
    }
}

fn map_reqwest(err: reqwest::Error) -> ClientError {
    if err.is_timeout() {
        return ClientError::Timeout;
    }
    if err.is_decode() {
        return ClientError::Protocol(err.to_string());
    }
    // Connect, request and body errors: refused, DNS, TLS, dropped connection.
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    ClientError::Network(text)
}

/// Percent-encodes a path segment (ids are plain, but never trust them to be).
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(ApiClient::new("https://lic.example.com/").is_ok());
        assert_eq!(
            ApiClient::new("http://127.0.0.1:8080/").unwrap().base_url(),
            "http://127.0.0.1:8080"
        );
        assert!(matches!(
            ApiClient::new("lic.example.com"),
            Err(ClientError::InvalidUrl(_))
        ));
        assert!(matches!(
            ApiClient::new("ftp://lic.example.com"),
            Err(ClientError::InvalidUrl(_))
        ));
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("act_1-x.y~"), "act_1-x.y~");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }
}
