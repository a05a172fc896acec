//! Every failure as a stable code and an [`ErrorBody`] (the HTTP status of each code is
//! `crate::http::error`).

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
        /// When to try again (RATE_LIMITED: the true wait, whole seconds, at least 1).
        retry_after_secs: Option<u64>,
        /// SEATS_IN_USE: when the soonest lease ends.
        next_free_at: Option<i64>,
    },
    /// A database failure (its text is for the server's log only, never for the caller).
    #[error("database error: {0}")]
    Store(String),
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
            retry_after_secs: None,
            next_free_at: None,
        }
    }

    /// SEATS_IN_USE: when the soonest lease ends.
    pub fn with_next_free_at(mut self, at: i64) -> Self {
        if let ApiError::Coded { next_free_at, .. } = &mut self {
            *next_free_at = Some(at);
        }
        self
    }

    /// Too many requests from one client: `wait` is how long until it may try again.
    pub fn rate_limited(message: impl Into<String>, wait: std::time::Duration) -> Self {
        let mut e = ApiError::new(Code::RateLimited, message);
        if let ApiError::Coded { retry_after_secs, .. } = &mut e {
            *retry_after_secs = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        }
        e
    }

    /// How long a refused client should wait before it tries again, when that is known.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::Coded { retry_after_secs, .. } => *retry_after_secs,
            _ => None,
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
            ApiError::Store(_) | ApiError::Internal(_) => Code::Internal,
        }
    }

    pub fn body(&self) -> ErrorBody {
        match self {
            ApiError::Coded {
                code,
                message,
                license,
                machines,
                next_free_at,
                ..
            } => ErrorBody {
                code: *code,
                message: message.clone(),
                machines: machines.as_ref().map(|(list, _)| list.clone()),
                machines_total: machines.as_ref().map(|(_, total)| *total),
                license: license.as_deref().cloned(),
                next_free_at: *next_free_at,
            },
            ApiError::Store(_) | ApiError::Internal(_) => ErrorBody::new(Code::Internal, "internal server error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_never_leak_details() {
        let err = ApiError::Store("disk I/O error at /var/lib/x".into());
        assert_eq!(err.body(), ErrorBody::new(Code::Internal, "internal server error"));
    }
}
