//! The support console's and the customer portal's HTTP side: sessions (HttpOnly, SameSite=Strict
//! cookie + CSRF token), throttled sign-in, search, actions through the console, and the portal's
//! devices and offline activation codes. (The pages themselves are tested in a real browser in
//! tests/e2e/console.rs and portal.rs.)

use keyturn_protocol::offline::{OfflineCode, OfflineDeactivation, OfflineRequest, OfflineResponse};
use keyturn_protocol::token;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

struct Web<'a> {
    server: &'a Server,
    area: &'static str,
    cookie: String,
    csrf: String,
}

impl Web<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>, csrf: bool) -> (StatusCode, Value) {
        let mut req = self
            .server
            .http
            .request(method, format!("{}/{}/api{path}", self.server.url, self.area))
            .header("cookie", &self.cookie);
        if csrf {
            req = req.header("x-csrf-token", &self.csrf);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn sign_in<'a>(server: &'a Server, area: &'static str, body: Value) -> Result<Web<'a>, (StatusCode, Value)> {
    let resp = server
        .http
        .post(format!("{}/{area}/api/sign-in", server.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string());
    let value: Value = resp.json().await.unwrap();
    if status != StatusCode::OK {
        return Err((status, value));
    }
    let cookie = cookie.expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(cookie.contains(&format!("Path=/{area}")), "{cookie}");
    Ok(Web {
        server,
        area,
        cookie: cookie.split(';').next().unwrap().to_string(),
        csrf: value["csrf"].as_str().unwrap().to_string(),
    })
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
        .call(Method::GET, &format!("/licenses/{license}"), None, false)
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
            .call(Method::GET, &format!("/search?q={}", urlencode(q)), None, false)
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
    let (status, v) = web.call(Method::GET, "/search?q=%20", None, false).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));

    // A change needs the CSRF token and the same origin.
    let (status, _) = web
        .call(Method::POST, &format!("/licenses/{license}/suspend"), None, false)
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
        .call(Method::POST, &format!("/licenses/{license}/suspend"), None, true)
        .await;
    assert_eq!((status, v["status"].as_str()), (StatusCode::OK, Some("SUSPENDED")));
    let (_, events) = web
        .call(
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
        .call(
            Method::DELETE,
            &format!("/licenses/{license}/machines/{activation}"),
            None,
            true,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, v) = web
        .call(Method::GET, &format!("/search?q={activation}"), None, false)
        .await;
    assert_eq!(v["licenses"][0]["id"], license);

    let (status, _) = web.call(Method::POST, "/sign-out", None, true).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = web.call(Method::GET, "/session", None, false).await;
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

fn offline_request(product: &str, fp: &str) -> String {
    OfflineRequest {
        product_id: product.into(),
        fingerprint: fp.into(),
        components: Default::default(),
        name: format!("offline {fp}"),
        platform: "linux-x86_64".into(),
        virt: Default::default(),
        created_at: 1,
    }
    .encode()
}

#[tokio::test]
async fn an_offline_activation_needs_no_renewal_for_the_policy_lease() {
    let server = Server::start();
    let policy_args = ["--renew-interval", "100", "--grace", "50", "--offline-lease", "1000"];
    let (product, policy) = server.product_policy(2, &policy_args);
    let key = server.license(&policy);
    server.activate(&key, "online-dev").await;
    let web = sign_in(&server, "portal", json!({"key": key})).await.unwrap();
    let public_key = token::parse_public_key(&server.cli(&["public-key"])).unwrap();
    let activate_offline = || async {
        let request = json!({"request": offline_request(&product, "air-gapped")});
        let (status, v) = web.call(Method::POST, "/offline/activate", Some(request), true).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let response = OfflineResponse::decode(v["response"].as_str().unwrap()).unwrap();
        let claims = token::verify(&response.activation.token, &public_key).unwrap();
        // The portal tells the holder when to come back.
        assert_eq!(
            (v["renew_by"].as_i64(), v["valid_until"].as_i64()),
            (Some(claims.renew_by), Some(claims.exp))
        );
        claims
    };

    // The token of the air-gapped device asks for no renewal before the lease ends.
    let claims = activate_offline().await;
    assert_eq!(claims.renew_by - claims.iat, 1000);
    assert_eq!(claims.exp - claims.renew_by, 50);
    server.set_clock_offset(500).await;
    assert_eq!(code(&server.validate(&key, "air-gapped").await.1), "VALID");
    assert_eq!(
        code(&server.validate(&key, "online-dev").await.1),
        "OVERDUE",
        "online: interval + grace"
    );
    // The vendor sees when it is due.
    let license_id = claims.license_id.clone();
    let (status, v) = server
        .admin(Method::GET, &format!("/licenses/{license_id}/machines"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let air_gapped = v["machines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["fingerprint"] == "air-gapped")
        .unwrap();
    assert_eq!(air_gapped["renew_by"], claims.renew_by, "{air_gapped}");
    assert_eq!(air_gapped["offline_until"], claims.renew_by, "{air_gapped}");

    server.set_clock_offset(1051).await;
    assert_eq!(
        code(&server.validate(&key, "air-gapped").await.1),
        "OVERDUE",
        "lease + grace ran out"
    );
    // Repeating the exchange starts a new lease.
    let again = activate_offline().await;
    assert_eq!(again.sub, claims.sub, "the same seat");
    assert_eq!(again.renew_by - again.iat, 1000);
    assert_eq!(code(&server.validate(&key, "air-gapped").await.1), "VALID");
}

#[tokio::test]
async fn portal_devices_and_offline_codes() {
    let server = Server::start();
    let (product, policy) = server.product_policy(2, &[]);
    let key = server.license(&policy);
    let other_key = server.license(&policy);
    let (_, other) = server.activate(&other_key, "other-dev").await;
    let other_activation = other["machine"]["id"].as_str().unwrap();
    let (_, mine) = server.activate(&key, "online-dev").await;
    let online_activation = mine["machine"]["id"].as_str().unwrap();

    let (status, v) = sign_in(&server, "portal", json!({"key": "not a key"}))
        .await
        .err()
        .unwrap();
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "INVALID_KEY_FORMAT"));
    let unknown = keyturn_protocol::LicenseKey::from_random_bytes([9; 18]).to_string();
    let (status, v) = sign_in(&server, "portal", json!({"key": unknown})).await.err().unwrap();
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let web = sign_in(&server, "portal", json!({"key": key.to_lowercase()}))
        .await
        .unwrap();

    let (status, v) = web.call(Method::GET, "/devices", None, false).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["machines"].as_array().unwrap().len(), 1);
    // Another license's device: not found from here, and untouched.
    let (status, v) = web
        .call(Method::DELETE, &format!("/devices/{other_activation}"), None, true)
        .await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "ACTIVATION_NOT_FOUND"));
    let (_, v) = server.validate(&other_key, "other-dev").await;
    assert_eq!(v["code"], "VALID");

    // A request code with any one character changed (a typo, a misread letter) is refused
    // before anything changes: no phantom device takes a seat.
    let valid = offline_request(&product, "typo");
    for i in 0..valid.len() {
        let mut changed: Vec<char> = valid.chars().collect();
        changed[i] = if changed[i] == 'A' { 'B' } else { 'A' };
        let changed: String = changed.into_iter().collect();
        let (status, v) = web
            .call(
                Method::POST,
                "/offline/activate",
                Some(json!({"request": changed})),
                true,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "character {i} changed: {v}");
        assert!(v["message"].as_str().unwrap().contains("copy it again"), "{v}");
    }
    let (_, v) = web.call(Method::GET, "/devices", None, false).await;
    assert_eq!(
        v["machines"].as_array().unwrap().len(),
        1,
        "no device bound by a damaged code"
    );
    let outdated = format!("KT-REQ1.{}", valid.split('.').nth(1).unwrap());
    let (status, v) = web
        .call(
            Method::POST,
            "/offline/activate",
            Some(json!({"request": outdated})),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("older version"), "{v}");

    // Offline activation: a signed response bound to the device, verified with the public key.
    let (status, v) = web
        .call(
            Method::POST,
            "/offline/activate",
            Some(json!({"request": offline_request(&product, "air-gapped")})),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let response = OfflineResponse::decode(v["response"].as_str().unwrap()).unwrap();
    let public_key = token::parse_public_key(&server.cli(&["public-key"])).unwrap();
    let claims = token::verify(&response.activation.token, &public_key).unwrap();
    assert_eq!(claims.fingerprint, "air-gapped");
    assert_eq!(claims.sub, response.activation.machine.id);
    // The seats are full now: a third device is refused with the usual code.
    let (status, v) = web
        .call(
            Method::POST,
            "/offline/activate",
            Some(json!({"request": offline_request(&product, "third")})),
            true,
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"));
    for (request, what) in [
        (offline_request("another-product", "x"), "another product"),
        ("KT-REQ2.garbage!".to_string(), "damaged"),
        (response.activation.token.clone(), "not a request"),
    ] {
        let (status, v) = web
            .call(
                Method::POST,
                "/offline/activate",
                Some(json!({"request": request})),
                true,
            )
            .await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            "{what}: {v}"
        );
    }

    // Offline deactivation: the device's token names the seat; another license's is refused.
    let code_for = |token: &str| {
        OfflineDeactivation {
            token: token.into(),
            deactivated_at: 2,
        }
        .encode()
    };
    let (status, v) = web
        .call(
            Method::POST,
            "/offline/deactivate",
            Some(json!({"code": code_for(other["token"].as_str().unwrap())})),
            true,
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    let (status, v) = web
        .call(
            Method::POST,
            "/offline/deactivate",
            Some(json!({"code": code_for(&response.activation.token)})),
            true,
        )
        .await;
    assert_eq!(
        (status, v["activation_id"].as_str()),
        (StatusCode::OK, Some(claims.sub.as_str()))
    );
    let (_, v) = web.call(Method::GET, "/devices", None, false).await;
    assert_eq!(v["machines"].as_array().unwrap().len(), 1);

    // Removing a device frees its seat.
    let (status, _) = web
        .call(Method::DELETE, &format!("/devices/{online_activation}"), None, true)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, v) = server.validate(&key, "online-dev").await;
    assert_eq!(v["code"], "FINGERPRINT_NOT_FOUND");
    let (status, _) = web
        .call(Method::DELETE, &format!("/devices/{online_activation}"), None, false)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a change without the CSRF token");
}

/// Sessions live in the database: a console session made on one server works on another server
/// of the same database (a replica, or the same server restarted), and signing out there ends it
/// on both.
#[tokio::test]
async fn a_console_session_works_on_every_server_of_the_database() {
    let a = Server::start();
    let b = Server::start_on(&a.db, &[]);
    let on_a = sign_in(&a, "console", json!({"token": ADMIN_TOKEN})).await.unwrap();
    let on_b = Web {
        server: &b,
        area: "console",
        cookie: on_a.cookie.clone(),
        csrf: on_a.csrf.clone(),
    };
    assert_eq!(on_b.call(Method::GET, "/session", None, false).await.0, StatusCode::OK);
    assert_eq!(
        on_b.call(Method::POST, "/sign-out", None, true).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        on_a.call(Method::GET, "/session", None, false).await.0,
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
