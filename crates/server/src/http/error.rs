//! Errors as HTTP answers: the status of each code and the JSON `{code, message}` body.
//!
//! | status | codes |
//! |---|---|
//! | 400 | INVALID_KEY_FORMAT, INVALID_FINGERPRINT, BAD_REQUEST, INVALID_DEVICE_NAME |
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

use crate::domain::errors::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use keyturn_protocol::Code;

/// The HTTP status of each code.
pub fn status_for(code: Code) -> StatusCode {
    match code {
        Code::Valid => StatusCode::OK,
        Code::InvalidKeyFormat
        | Code::InvalidFingerprint
        | Code::BadRequest
        | Code::InvalidDeviceName
        | Code::SignatureInvalid
        | Code::SignatureExpired => StatusCode::BAD_REQUEST,
        Code::Unauthorized => StatusCode::UNAUTHORIZED,
        Code::Suspended
        | Code::Revoked
        | Code::Expired
        | Code::Overdue
        | Code::FingerprintBlocked
        | Code::VmNotAllowed
        | Code::BorrowNotAllowed => StatusCode::FORBIDDEN,
        Code::NotFound
        | Code::ActivationNotFound
        | Code::RouteNotFound
        | Code::FingerprintNotFound
        | Code::LeaseNotFound
        | Code::AutoReleased => StatusCode::NOT_FOUND,
        Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Code::Timeout => StatusCode::REQUEST_TIMEOUT,
        Code::MachineLimitExceeded
        | Code::FingerprintInUse
        | Code::FingerprintMismatch
        | Code::TrialUsed
        | Code::SeatsInUse
        | Code::NotFloating
        | Code::FloatingLicense
        | Code::MailKeyGone => StatusCode::CONFLICT,
        Code::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Code::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        Code::Internal | Code::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
        Code::Forbidden => StatusCode::FORBIDDEN,
        Code::WeakPassword | Code::InvalidEmail | Code::UnknownRole => StatusCode::BAD_REQUEST,
        Code::AlreadyExists | Code::LastOwner => StatusCode::CONFLICT,
        Code::CannotChangeSelf => StatusCode::FORBIDDEN,
        Code::TotpRequired => StatusCode::UNAUTHORIZED,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Store(e) = &self {
            tracing::error!(error = %e, "database error");
        } else if let ApiError::Internal(e) = &self {
            tracing::error!(error = %e, "internal error");
        }
        let code = self.code();
        let mut response = (status_for(code), Json(self.body())).into_response();
        if code == Code::RateLimited {
            // The true wait when the refusal knows it; else a second.
            let secs = self.retry_after_secs().unwrap_or(1);
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from(secs));
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
    fn every_code_has_a_status() {
        assert_eq!(status_for(Code::MachineLimitExceeded), StatusCode::CONFLICT);
        assert_eq!(status_for(Code::RateLimited), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(status_for(Code::InvalidKeyFormat), StatusCode::BAD_REQUEST);
    }
}
