//! Browser sessions for the console and the portal: a random id in an HttpOnly, SameSite=Strict
//! cookie, each with its own CSRF token that every change must echo in `X-CSRF-Token`; a
//! cross-site `Origin` is refused as well. Sessions live in the store (the SHA-256 of the id,
//! never the id), so a restart keeps people signed in and every replica on one PostgreSQL
//! database knows every session.

use crate::clock::system_now;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::model::StoredSession;
use crate::store::Store;
use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, Method};
use base64::Engine;
use keyturn_protocol::Code;
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

pub struct Sessions<T> {
    store: Arc<dyn Store>,
    /// The cookie's name, also the sessions' kind in the store.
    cookie: &'static str,
    path: &'static str,
    ttl: Duration,
    /// Extra cookie attributes (`; Secure` behind https).
    attributes: &'static str,
    data: PhantomData<fn() -> T>,
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

fn id_hash(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl<T: Serialize + DeserializeOwned> Sessions<T> {
    /// `secure`: the cookies carry `Secure` (the server is reached over https).
    pub fn new(
        store: Arc<dyn Store>,
        cookie: &'static str,
        path: &'static str,
        ttl: Duration,
        secure: bool,
    ) -> Sessions<T> {
        Sessions {
            store,
            cookie,
            path,
            ttl,
            attributes: if secure { "; Secure" } else { "" },
            data: PhantomData,
        }
    }

    /// Starts a session; returns its `Set-Cookie` value and CSRF token.
    pub async fn create(&self, data: &T) -> ApiResult<(HeaderValue, String)> {
        let id = random_token();
        let csrf = random_token();
        let now = system_now();
        let data = serde_json::to_string(data).map_err(|e| ApiError::Internal(e.to_string()))?;
        let session = StoredSession {
            kind: self.cookie.to_owned(),
            id_hash: id_hash(&id),
            csrf: csrf.clone(),
            data,
            expires_at: now + self.ttl.as_secs() as i64,
        };
        self.store.put_session(session, now).await?;
        let cookie = format!(
            "{}={id}; Path={}; HttpOnly; SameSite=Strict; Max-Age={}{}",
            self.cookie,
            self.path,
            self.ttl.as_secs(),
            self.attributes
        );
        Ok((HeaderValue::from_str(&cookie).expect("cookie is ASCII"), csrf))
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

    /// The live session named by the request's cookie (None also when the store cannot answer).
    pub async fn get(&self, headers: &HeaderMap) -> Option<SignedIn<T>> {
        let hash = id_hash(self.id(headers)?);
        let found = self.store.session(self.cookie.to_owned(), hash, system_now()).await;
        let session = found
            .inspect_err(|e| tracing::warn!(error = %e, "could not look up a session"))
            .ok()??;
        let data = serde_json::from_str(&session.data).ok()?;
        Some(SignedIn {
            csrf: session.csrf,
            data,
        })
    }

    /// Ends the request's session; returns the `Set-Cookie` value that clears the cookie.
    pub async fn end(&self, headers: &HeaderMap) -> ApiResult<HeaderValue> {
        if let Some(id) = self.id(headers) {
            self.store.end_session(self.cookie.to_owned(), id_hash(id)).await?;
        }
        let cookie = format!(
            "{}=; Path={}; HttpOnly; SameSite=Strict; Max-Age=0{}",
            self.cookie, self.path, self.attributes
        );
        Ok(HeaderValue::from_str(&cookie).expect("cookie is ASCII"))
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
    if crate::http::admin::constant_time_eq(given, csrf.as_bytes()) {
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

    #[tokio::test(flavor = "multi_thread")]
    async fn a_session_lives_in_the_store_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(crate::store::Db::open(&dir.path().join("s.db"), crate::store::Sync::Normal).unwrap());
        let sessions: Sessions<u8> = Sessions::new(store.clone(), "kt", "/console", Duration::from_secs(60), false);
        let (cookie, csrf) = sessions.create(&7).await.unwrap();
        let cookie = cookie.to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        let pair = cookie.split(';').next().unwrap();
        let headers = with_cookie(&format!("other=1; {pair}"));
        let got = sessions.get(&headers).await.unwrap();
        assert_eq!((got.data, got.csrf.as_str()), (7, csrf.as_str()));
        assert!(sessions.get(&with_cookie("kt=forged")).await.is_none());
        // Another server on the same database (a second `Sessions`) knows it; another kind does not.
        let again: Sessions<u8> = Sessions::new(store.clone(), "kt", "/console", Duration::from_secs(60), false);
        assert!(again.get(&headers).await.is_some());
        let portal: Sessions<u8> = Sessions::new(store, "kp", "/portal", Duration::from_secs(60), false);
        assert!(portal
            .get(&with_cookie(&pair.replacen("kt=", "kp=", 1)))
            .await
            .is_none());
        sessions.end(&headers).await.unwrap();
        assert!(again.get(&headers).await.is_none());
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_expired_session_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> =
            Arc::new(crate::store::Db::open(&dir.path().join("s.db"), crate::store::Sync::Normal).unwrap());
        let sessions: Sessions<()> = Sessions::new(store, "kt", "/console", Duration::ZERO, false);
        let (cookie, _) = sessions.create(&()).await.unwrap();
        let pair = cookie.to_str().unwrap().split(';').next().unwrap().to_string();
        assert!(sessions.get(&with_cookie(&pair)).await.is_none());
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
