//! Floating seats, client side: check a seat out, keep it with heartbeats, release it, borrow it
//! for offline use. Each answer's lease token is verified with the vendor's pinned public key
//! and must name this device. [`crate::seat_guard`] holds a seat while a program runs.

use crate::api::{encode_segment, ApiClient};
use crate::config::VendorConfig;
use crate::error::ClientError;
use crate::fingerprint::Device;
use crate::ErrorCode;
use ed25519_dalek::VerifyingKey;
use keyturn_protocol::lease::{CheckoutRequest, HeartbeatRequest, Lease, LeaseResponse, ReleaseRequest};
use keyturn_protocol::token::{self, TokenClaims};
use keyturn_protocol::wire::LicenseSummary;
use keyturn_protocol::{Code, LicenseKey};
use reqwest::{Method, StatusCode};

/// Why no seat could be had or kept.
// Carries the server's whole answer by value, like ClientError (errors are rare).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, thiserror::Error)]
pub enum SeatError {
    /// Every seat is taken: how many there are and when the soonest lease ends.
    #[error("all {seats} seats are in use")]
    Full { seats: u32, next_free_at: Option<i64> },
    #[error(transparent)]
    Client(ClientError),
    /// The lease token does not verify with the pinned key, or is another device's.
    #[error("the lease token does not check out: {0}")]
    Token(String),
    #[error("the vendor config cannot be used: {0}")]
    Config(String),
}

impl SeatError {
    pub fn error_code(&self) -> ErrorCode {
        match self {
            SeatError::Full { .. } => ErrorCode::SeatsInUse,
            SeatError::Client(e) => e.error_code(),
            SeatError::Token(_) => ErrorCode::TokenInvalid,
            SeatError::Config(_) => ErrorCode::Config,
        }
    }

    /// True when the server could not be reached (the seat may still be held until it ends).
    pub fn is_offline(&self) -> bool {
        matches!(self, SeatError::Client(e) if e.is_offline())
    }
}

impl From<ClientError> for SeatError {
    fn from(e: ClientError) -> Self {
        match &e {
            ClientError::Server { body, .. } if body.code == Code::SeatsInUse => SeatError::Full {
                seats: body.license.as_ref().map_or(0, |l| l.seats_max),
                next_free_at: body.next_free_at,
            },
            _ => SeatError::Client(e),
        }
    }
}

/// A seat this device holds, as the server last answered (token verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSeat {
    pub lease: Lease,
    pub license: LicenseSummary,
    pub claims: TokenClaims,
}

/// The floating-seat calls of one device with one key.
#[derive(Debug, Clone)]
pub struct SeatClient {
    api: ApiClient,
    key: LicenseKey,
    fingerprint: String,
    name: String,
    platform: String,
    /// The vendor's pinned public keys (every token is checked against them).
    pinned_keys: Vec<VerifyingKey>,
}

impl SeatClient {
    pub fn new(config: &VendorConfig, device: &Device, key: LicenseKey) -> Result<SeatClient, SeatError> {
        let pinned_keys = config.pinned_keys().map_err(|e| SeatError::Config(e.to_string()))?;
        let api = ApiClient::new(&config.server_url).map_err(SeatError::Client)?;
        Ok(SeatClient {
            api,
            key,
            fingerprint: device.fingerprint.clone(),
            name: device.name.clone(),
            platform: device.platform.clone(),
            pinned_keys,
        })
    }

    /// Checks a seat out (shares this device's lease when it has one); `borrow_secs` borrows it
    /// for offline use.
    pub async fn checkout(&self, borrow_secs: Option<i64>) -> Result<HeldSeat, SeatError> {
        let body = CheckoutRequest {
            key: self.key.canonical().to_owned(),
            fingerprint: self.fingerprint.clone(),
            name: self.name.clone(),
            platform: self.platform.clone(),
            borrow_secs,
        };
        let answer: LeaseResponse = self
            .api
            .call(Method::POST, "/v1/leases", &body, StatusCode::CREATED)
            .await?;
        self.verified(answer)
    }

    /// Keeps the seat; after a lapse the answer may be a new lease (its id differs).
    pub async fn heartbeat(&self, lease_id: &str) -> Result<HeldSeat, SeatError> {
        let body = HeartbeatRequest {
            key: self.key.canonical().to_owned(),
            fingerprint: self.fingerprint.clone(),
        };
        let path = format!("/v1/leases/{}/heartbeat", encode_segment(lease_id));
        let answer: LeaseResponse = self.api.call(Method::POST, &path, &body, StatusCode::OK).await?;
        self.verified(answer)
    }

    /// Frees the seat (returns a borrowed one early).
    pub async fn release(&self, lease_id: &str) -> Result<(), SeatError> {
        let body = ReleaseRequest {
            key: self.key.canonical().to_owned(),
        };
        let path = format!("/v1/leases/{}/release", encode_segment(lease_id));
        let (status, _) = self.api.send(Method::POST, &path, &body).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(SeatError::Client(ClientError::Protocol(format!(
                "release answered HTTP {status}"
            ))))
        }
    }

    fn verified(&self, answer: LeaseResponse) -> Result<HeldSeat, SeatError> {
        let claims =
            token::verify_any(&answer.token, &self.pinned_keys).map_err(|e| SeatError::Token(e.to_string()))?;
        if claims.fingerprint != self.fingerprint || claims.sub != answer.lease.id || claims.exp != answer.lease.ends_at
        {
            return Err(SeatError::Token("the token is for another device or lease".into()));
        }
        Ok(HeldSeat {
            lease: answer.lease,
            license: answer.license,
            claims,
        })
    }
}
