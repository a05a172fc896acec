//! Every failure as a stable code, mapped to its HTTP status and an [`ErrorBody`].
//!
//! | status | codes |
//! |---|---|
//! | 400 | INVALID_KEY_FORMAT, INVALID_FINGERPRINT, BAD_REQUEST |
//! | 401 | UNAUTHORIZED |
//! | 403 | SUSPENDED, REVOKED, EXPIRED, OVERDUE, FINGERPRINT_BLOCKED, VM_NOT_ALLOWED |
//! | 404 | NOT_FOUND, ACTIVATION_NOT_FOUND, ROUTE_NOT_FOUND |
//! | 405 | METHOD_NOT_ALLOWED |
//! | 408 | TIMEOUT |
//! | 409 | MACHINE_LIMIT_EXCEEDED, FINGERPRINT_IN_USE, FINGERPRINT_MISMATCH, TRIAL_USED |
//! | 413 | PAYLOAD_TOO_LARGE |
//! | 415 | UNSUPPORTED_MEDIA_TYPE |
//! | 429 | RATE_LIMITED |
//! | 500 | INTERNAL |
//!
//! (validate answers 200 with a [`keyturn_protocol::wire::ValidateResponse`] for every outcome
//! of an existing key; the 403s above are what activate / renew answer.)

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use keyturn_protocol::wire::{ErrorBody, LicenseSummary, Machine};
use keyturn_protocol::Code;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A stable outcome with its code, optionally with the license and its machines.
    #[error("{code}: {message}")]
    Coded {
        code: Code,
        message: String,
        license: Option<Box<LicenseSummary>>,
        /// A bounded list of machines and how many there are in all.
        machines: Option<(Vec<Machine>, u32)>,
    },
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("database error: {0}")]
    Pg(#[from] tokio_postgres::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ApiError::Coded {
            code,
            message: message.into(),
            license: None,
            machines: None,
        }
    }

    pub fn with_license(mut self, summary: LicenseSummary) -> Self {
        if let ApiError::Coded { license, .. } = &mut self {
            *license = Some(Box::new(summary));
        }
        self
    }

    /// Some of the license's machines (`list`) out of `total`.
    pub fn with_machines(mut self, list: Vec<Machine>, total: u32) -> Self {
        if let ApiError::Coded { machines, .. } = &mut self {
            *machines = Some((list, total));
        }
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(Code::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(Code::NotFound, message)
    }

    pub fn code(&self) -> Code {
        match self {
            ApiError::Coded { code, .. } => *code,
            ApiError::Db(_) | ApiError::Pg(_) | ApiError::Internal(_) => Code::Internal,
        }
    }

    pub fn body(&self) -> ErrorBody {
        match self {
            ApiError::Coded {
                code,
                message,
                license,
                machines,
            } => ErrorBody {
                code: *code,
                message: message.clone(),
                machines: machines.as_ref().map(|(list, _)| list.clone()),
                machines_total: machines.as_ref().map(|(_, total)| *total),
                license: license.as_deref().cloned(),
            },
            ApiError::Db(_) | ApiError::Pg(_) | ApiError::Internal(_) => {
                ErrorBody::new(Code::Internal, "internal server error")
            }
        }
    }
}

/// The HTTP status of each code.
pub fn status_for(code: Code) -> StatusCode {
    match code {
        Code::Valid => StatusCode::OK,
        Code::InvalidKeyFormat | Code::InvalidFingerprint | Code::BadRequest => StatusCode::BAD_REQUEST,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::Suspended
        | Code::Revoked
        | Code::Expired
        | Code::Overdue
        | Code::FingerprintBlocked
        | Code::VmNotAllowed => StatusCode::FORBIDDEN,
        Code::NotFound | Code::ActivationNotFound | Code::RouteNotFound | Code::FingerprintNotFound => {
            StatusCode::NOT_FOUND
        }
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::Timeout => StatusCode::REQUEST_TIMEOUT,
        Code::MachineLimitExceeded | Code::FingerprintInUse | Code::FingerprintMismatch | Code::TrialUsed => {
            StatusCode::CONFLICT
        }
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::Internal | Code::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Db(e) = &self {
            tracing::error!(error = %e, "database error");
        } else if let ApiError::Pg(e) = &self {
            tracing::error!(error = %e, "database error");
        } else if let ApiError::Internal(e) = &self {
            tracing::error!(error = %e, "internal error");
        }
        let code = self.code();
        let mut response = (status_for(code), Json(self.body())).into_response();
        if code == Code::RateLimited {
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        }
        if code == Code::PayloadTooLarge {
            // The rest of the body is not read: tell the client this connection is done.
            response
                .headers_mut()
                .insert("connection", axum::http::HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_never_leak_details() {
        let err = ApiError::Db(rusqlite::Error::InvalidQuery);
        assert_eq!(err.body(), ErrorBody::new(Code::Internal, "internal server error"));
    }

    #[test]
    fn every_code_has_a_status() {
        assert_eq!(status_for(Code::MachineLimitExceeded), StatusCode::CONFLICT);
        assert_eq!(status_for(Code::RateLimited), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(status_for(Code::InvalidKeyFormat), StatusCode::BAD_REQUEST);
    }
}
