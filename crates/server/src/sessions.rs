//! Browser sessions for the console and the portal: a random id in an HttpOnly, SameSite=Strict
//! cookie, kept in memory (a restart signs everyone out), each with its own CSRF token that every
//! change must echo in `X-CSRF-Token`; a cross-site `Origin` is refused as well.

use crate::errors::ApiError;
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, Method};
use base64::Engine;
use keyturn_protocol::Code;
use rand::RngCore;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most this many live sessions; the oldest go first.
const MAX_SESSIONS: usize = 10_000;

struct Session<T> {
    csrf: String,
    expires: Instant,
    data: T,
}

pub struct Sessions<T> {
    cookie: &'static str,
    path: &'static str,
    ttl: Duration,
    map: Mutex<HashMap<String, Session<T>>>,
}

/// What a signed-in request carries: its CSRF token and the session's data.
#[derive(Clone)]
pub struct SignedIn<T> {
    pub csrf: String,
    pub data: T,
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl<T: Clone> Sessions<T> {
    pub fn new(cookie: &'static str, path: &'static str, ttl: Duration) -> Sessions<T> {
        Sessions {
            cookie,
            path,
            ttl,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a session; returns its `Set-Cookie` value and CSRF token.
    pub fn create(&self, data: T) -> (HeaderValue, String) {
        let id = random_token();
        let csrf = random_token();
        let now = Instant::now();
        let mut map = self.map.lock().expect("sessions");
        map.retain(|_, s| s.expires > now);
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map.iter().min_by_key(|(_, s)| s.expires).map(|(k, _)| k.clone()) {
                map.remove(&oldest);
            }
        }
        let session = Session {
            csrf: csrf.clone(),
            expires: now + self.ttl,
            data,
        };
        map.insert(id.clone(), session);
        let cookie = format!(
            "{}={id}; Path={}; HttpOnly; SameSite=Strict; Max-Age={}",
            self.cookie,
            self.path,
            self.ttl.as_secs()
        );
        (HeaderValue::from_str(&cookie).expect("cookie is ASCII"), csrf)
    }

    fn id<'h>(&self, headers: &'h HeaderMap) -> Option<&'h str> {
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.cookie)
            .map(|(_, value)| value)
    }

    /// The live session named by the request's cookie.
    pub fn get(&self, headers: &HeaderMap) -> Option<SignedIn<T>> {
        let id = self.id(headers)?;
        let mut map = self.map.lock().expect("sessions");
        let session = map.get(id)?;
        if session.expires <= Instant::now() {
            map.remove(id);
            return None;
        }
        Some(SignedIn {
            csrf: session.csrf.clone(),
            data: session.data.clone(),
        })
    }

    /// Ends the request's session; returns the `Set-Cookie` value that clears the cookie.
    pub fn end(&self, headers: &HeaderMap) -> HeaderValue {
        if let Some(id) = self.id(headers) {
            self.map.lock().expect("sessions").remove(id);
        }
        let cookie = format!(
            "{}=; Path={}; HttpOnly; SameSite=Strict; Max-Age=0",
            self.cookie, self.path
        );
        HeaderValue::from_str(&cookie).expect("cookie is ASCII")
    }

    /// Ends every session whose data matches (e.g. a portal license that was revoked).
    pub fn end_where(&self, matches: impl Fn(&T) -> bool) {
        self.map.lock().expect("sessions").retain(|_, s| !matches(&s.data));
    }
}

/// Refuses a cross-site request: an `Origin` that is not this host, and for a change (anything
/// but GET / HEAD) a missing or wrong `X-CSRF-Token`.
pub fn check_csrf(method: &Method, headers: &HeaderMap, csrf: &str) -> Result<(), ApiError> {
    check_origin(headers)?;
    if method == Method::GET || method == Method::HEAD {
        return Ok(());
    }
    let given = headers
        .get("x-csrf-token")
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    if crate::routes::admin::constant_time_eq(given, csrf.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            Code::Unauthorized,
            "this request did not come from the page (missing or wrong CSRF token); reload it",
        ))
    }
}

/// A request with an `Origin` header must come from this very host (`Origin: http://HOST`).
pub fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
    if !host.is_empty() && origin_host == host {
        Ok(())
    } else {
        Err(ApiError::new(Code::Unauthorized, "cross-site requests are refused"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_session_lives_until_it_ends() {
        let sessions: Sessions<u8> = Sessions::new("kt", "/console", Duration::from_secs(60));
        let (cookie, csrf) = sessions.create(7);
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let pair = cookie.split(';').next().unwrap();
        let headers = with_cookie(&format!("other=1; {pair}"));
        let got = sessions.get(&headers).unwrap();
        assert_eq!((got.data, got.csrf.as_str()), (7, csrf.as_str()));
        assert!(sessions.get(&with_cookie("kt=forged")).is_none());
        sessions.end(&headers);
        assert!(sessions.get(&headers).is_none());
    }

    #[test]
    fn changes_need_the_csrf_token_and_same_origin() {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(check_csrf(&Method::GET, &h, "t").is_ok());
        assert!(check_csrf(&Method::POST, &h, "t").is_err());
        h.insert("x-csrf-token", HeaderValue::from_static("t"));
        assert!(check_csrf(&Method::POST, &h, "t").is_ok());
        h.insert(ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(check_csrf(&Method::POST, &h, "t").is_err());
        assert!(check_csrf(&Method::GET, &h, "t").is_err());
        h.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(check_csrf(&Method::POST, &h, "t").is_ok());
    }
}
