//! The support console's and the customer portal's HTTP side: sessions (HttpOnly, SameSite=Strict
//! cookie + CSRF token), throttled sign-in, search, actions through the console, and the portal's
//! devices and offline activation codes. (The pages themselves are tested in a real browser in
//! tests/e2e/console.rs and portal.rs.)

mod portal;

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn sign_in<'a>(
    server: &'a Server,
    area: &'static str,
    body: Value,
) -> Result<WebSession<'a>, (StatusCode, Value)> {
    WebSession::sign_in(server, area, body, None).await
}

#[tokio::test]
async fn console_sessions_search_and_actions() {
    let server = Server::start();
    let page = server.http.get(format!("{}/console", server.url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));

    let (_, policy) = server.product_policy(2, &[]);
    let made: Value = serde_json::from_str(&server.cli(&[
        "license",
        "create",
        "--policy",
        &policy,
        "--owner-email",
        "Ann@Example.com",
        "--json",
    ]))
    .unwrap();
    let (license, key) = (made["id"].as_str().unwrap(), made["key"].as_str().unwrap());
    let (_, act) = server.activate(key, "dev-1").await;
    let activation = act["machine"]["id"].as_str().unwrap();

    let (status, v) = sign_in(&server, "console", json!({"token": "wrong"}))
        .await
        .err()
        .unwrap();
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, "UNAUTHORIZED"));
    let web = sign_in(&server, "console", json!({"token": ADMIN_TOKEN}))
        .await
        .unwrap();

    // Without the cookie nothing; with it, the admin routes and search.
    let (status, _) = server
        .send(Method::GET, &format!("/console/api/licenses/{license}"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, v) = web
        .call_with(Method::GET, &format!("/licenses/{license}"), None, false)
        .await;
    assert_eq!(
        (status, v["owner_email"].as_str()),
        (StatusCode::OK, Some("Ann@Example.com"))
    );
    for q in [
        "ann@example",
        &key[..5].to_lowercase(),
        key,
        &format!("report\nActivation: {activation}\n"),
    ] {
        let (status, v) = web
            .call_with(Method::GET, &format!("/search?q={}", urlencode(q)), None, false)
            .await;
        assert_eq!(status, StatusCode::OK, "{q}: {v}");
        let ids: Vec<&str> = v["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![license], "search {q:?}");
        assert!(!v.to_string().contains(key), "search answers never show a key");
    }
    let (status, v) = web.call_with(Method::GET, "/search?q=%20", None, false).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));

    // A change needs the CSRF token and the same origin.
    let (status, _) = web
        .call_with(Method::POST, &format!("/licenses/{license}/suspend"), None, false)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let cross = server
        .http
        .post(format!("{}/console/api/licenses/{license}/suspend", server.url))
        .header("cookie", &web.cookie)
        .header("x-csrf-token", &web.csrf)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::UNAUTHORIZED);
    let (_, v) = server.validate(key, "dev-1").await;
    assert_eq!(v["code"], "VALID", "refused requests changed nothing");
    let (status, v) = web
        .call_with(Method::POST, &format!("/licenses/{license}/suspend"), None, true)
        .await;
    assert_eq!((status, v["status"].as_str()), (StatusCode::OK, Some("SUSPENDED")));
    let (_, events) = web
        .call_with(
            Method::GET,
            &format!("/events?license_id={license}&limit=1"),
            None,
            false,
        )
        .await;
    assert_eq!(events["events"][0]["action"], "suspend");
    assert!(events["events"][0]["actor"]
        .as_str()
        .unwrap()
        .starts_with("console 127.0.0.1"));

    // Removing the machine: a freed activation still leads to its license (through the log).
    let (status, _) = web
        .call_with(
            Method::DELETE,
            &format!("/licenses/{license}/machines/{activation}"),
            None,
            true,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, v) = web
        .call_with(Method::GET, &format!("/search?q={activation}"), None, false)
        .await;
    assert_eq!(v["licenses"][0]["id"], license);

    let (status, _) = web.call_with(Method::POST, "/sign-out", None, true).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = web.call_with(Method::GET, "/session", None, false).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Guessing the token is throttled like the admin API (shared per address).
    for _ in 0..10 {
        let _ = sign_in(&server, "console", json!({"token": "guess"})).await;
    }
    let (status, v) = sign_in(&server, "console", json!({"token": ADMIN_TOKEN}))
        .await
        .err()
        .unwrap();
    assert_eq!((status, code(&v)), (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"));
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sessions live in the database: a console session made on one server works on another server
/// of the same database (a replica, or the same server restarted), and signing out there ends it
/// on both.
#[tokio::test]
async fn a_console_session_works_on_every_server_of_the_database() {
    let a = Server::start();
    let b = Server::start_on(&a.db, &[]);
    let on_a = sign_in(&a, "console", json!({"token": ADMIN_TOKEN})).await.unwrap();
    let on_b = on_a.on(&b);
    assert_eq!(
        on_b.call_with(Method::GET, "/session", None, false).await.0,
        StatusCode::OK
    );
    assert_eq!(
        on_b.call_with(Method::POST, "/sign-out", None, true).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        on_a.call_with(Method::GET, "/session", None, false).await.0,
        StatusCode::UNAUTHORIZED
    );
}

/// Behind TLS (`--public-url https://…`) the session cookies are Secure; over plain http (tests,
/// a local demo) they cannot be, or browsers would drop them. A malformed public URL is refused
/// at start with words.
#[tokio::test]
async fn session_cookies_are_secure_when_the_public_url_is_https() {
    let cookie_of = |server: &Server, area: &'static str, body: Value| {
        let (http, url) = (server.http.clone(), format!("{}/{area}/api/sign-in", server.url));
        async move {
            let resp = http.post(url).json(&body).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            resp.headers()["set-cookie"].to_str().unwrap().to_string()
        }
    };
    let tls = Server::start_with(&["--public-url", "https://license.example.com/"]);
    let key = tls.fresh_license(1);
    assert!(cookie_of(&tls, "portal", json!({"key": key}))
        .await
        .contains("; Secure"));
    let console = json!({"token": ADMIN_TOKEN});
    assert!(cookie_of(&tls, "console", console.clone()).await.contains("; Secure"));
    let plain = Server::start();
    assert!(!cookie_of(&plain, "console", console).await.contains("Secure"));
    let (ok, _, err) = cli_raw(
        &plain.db,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "license.example.com",
        ],
    );
    assert!(!ok && err.contains("https://license.example.com"), "{err}");
}
