//! Errors of talking to the license server. A network failure is never a license answer:
//! an offline user must never be told "invalid key".

use keyturn_protocol::wire::ErrorBody;
use keyturn_protocol::Code;

// The server's answer is kept whole, by value (see the crate's note on `result_large_err`).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a stable code (a license outcome or a request error).
    #[error("the license server answered {status} {}: {}", body.code, body.message)]
    Server { status: u16, body: ErrorBody },
    /// The server could not be reached: refused, unreachable, DNS, TLS, connection dropped.
    #[error("cannot reach the license server: {0}")]
    Network(String),
    /// The server (or the network) did not answer in time.
    #[error("the license server did not answer in time")]
    Timeout,
    /// An HTTP error without a Keyturn error body, e.g. a 502/503 from a proxy in front of the
    /// server. Treated as "server unavailable", never as a license answer.
    #[error("the license server is unavailable (HTTP {status})")]
    Unavailable { status: u16 },
    /// The server answered something this client does not understand.
    #[error("unexpected answer from the license server: {0}")]
    Protocol(String),
    /// The configured server URL cannot be used.
    #[error("invalid server URL: {0}")]
    InvalidUrl(String),
}

impl ClientError {
    /// The server's code, when the server answered with one.
    pub fn code(&self) -> Option<Code> {
        match self {
            ClientError::Server { body, .. } => Some(body.code),
            _ => None,
        }
    }

    /// True when the server could not be reached or did not answer usefully: the app keeps
    /// working offline on its token and retries later.
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            ClientError::Network(_) | ClientError::Timeout | ClientError::Unavailable { .. }
        )
    }

    /// True when trying again later may succeed (offline, rate limited, server-side failure).
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Server { status, body } => {
                *status >= 500 || matches!(body.code, Code::RateLimited | Code::Timeout | Code::Internal)
            }
            ClientError::Protocol(_) => true,
            ClientError::InvalidUrl(_) => false,
            other => other.is_offline(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_errors_carry_no_code() {
        for err in [
            ClientError::Network("refused".into()),
            ClientError::Timeout,
            ClientError::Unavailable { status: 503 },
        ] {
            assert!(err.is_offline());
            assert!(err.is_retryable());
            assert_eq!(err.code(), None);
        }
        let server = ClientError::Server {
            status: 404,
            body: ErrorBody::new(Code::NotFound, "no such key"),
        };
        assert!(!server.is_offline());
        assert!(!server.is_retryable());
        assert_eq!(server.code(), Some(Code::NotFound));
    }
}
