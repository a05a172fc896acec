//! A JSON body extractor whose every refusal is an [`ApiError`] with a stable code:
//! wrong content type → 415, too large → 413, malformed / unknown fields / wrong types / not
//! an object / a NUL character → 400.

use crate::domain::errors::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use keyturn_protocol::Code;
use serde::de::DeserializeOwned;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 16 * 1024;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !is_json {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "send the body as application/json",
            ));
        }
        let bytes = body_bytes(req, state).await?;
        check_shape(&bytes)?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {}", describe(&e))))
    }
}

/// For a route that takes no body: nothing, or an empty JSON object `{}`. Anything else is
/// refused as any body is (400 for a field, 415, 413): a client sending fields the route does
/// not read (`{"reason": …}` to reinstate) learns so, instead of the action being done anyway.
pub struct NoBody;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Nothing {}

impl<S: Send + Sync> FromRequest<S> for NoBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = body_bytes(Request::from_parts(parts.clone(), body), state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(NoBody);
        }
        ApiJson::<Nothing>::from_request(Request::from_parts(parts, bytes.into()), state).await?;
        Ok(NoBody)
    }
}

/// The whole body, within [`MAX_BODY`] (else 413 `PAYLOAD_TOO_LARGE`), for every extractor
/// that reads one.
pub async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if declared_length(req.headers()).is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large(MAX_BODY));
    }
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large(MAX_BODY)
        } else {
            ApiError::bad_request("the body could not be read")
        }
    })
}

/// The body's declared `Content-Length`. A declared size over the limit is refused before any
/// of the body is read: reading first sent `100 Continue` and then waited for bytes that a
/// client declaring a gigabyte never sends, until the request's time limit (408, not 413).
pub fn declared_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(Code::PayloadTooLarge, format!("the body is larger than {limit} bytes"))
}

/// What serde would let through but no route means: a body that is not a JSON object (serde
/// reads a struct from an array of its fields in order, so `[]` or `["x"]` passed as a body
/// with defaults), and a NUL character anywhere (PostgreSQL cannot store one, so the same body
/// answered 500 there and was stored on SQLite).
fn check_shape(body: &[u8]) -> Result<(), ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(ApiError::bad_request("invalid JSON body: send a JSON object"));
    }
    if has_escaped_nul(body) {
        return Err(ApiError::bad_request(
            "invalid JSON body: text may not contain the NUL character (\\u0000)",
        ));
    }
    Ok(())
}

/// Whether the JSON text holds `\u0000` as an escape (not as `\\u0000`, an escaped backslash
/// followed by the letters). Raw NUL bytes are not valid JSON: serde refuses those itself.
fn has_escaped_nul(body: &[u8]) -> bool {
    body.windows(6).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(b"\\u0000") && body[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    })
}

/// serde's message, which names the field or type but never echoes values of the body.
fn describe(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            format!("malformed JSON at line {} column {}", e.line(), e.column())
        }
        Category::Data => {
            let text = e.to_string();
            // Keep "unknown field `x`", "missing field `x`", "invalid type: ..., expected ...".
            text.split(" at line ")
                .next()
                .unwrap_or("wrong shape")
                .chars()
                .take(200)
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_escape_is_a_nul() {
        assert!(has_escaped_nul(br#"{"a":"x\u0000"}"#));
        assert!(has_escaped_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a":"\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"a":"u0000"}"#));
    }

    #[test]
    fn a_body_is_an_object() {
        assert!(check_shape(b" {}").is_ok());
        assert!(check_shape(b"").is_ok());
        assert!(check_shape(b"[]").is_err());
        assert!(check_shape(b"\"x\"").is_err());
        assert!(check_shape(b"null").is_err());
    }
}
