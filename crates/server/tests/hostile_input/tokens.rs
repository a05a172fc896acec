//! Tampered credentials and signatures: admin and API tokens with a flipped byte, a session
//! cookie or CSRF token changed, offline deactivation codes carrying a forged, re-headed,
//! foreign or other license's activation token, and payment events replayed, re-signed or
//! altered. Each refused with its code; nothing changes.

use crate::probe::{Auth, Probe};
use crate::{fixture, snapshot, JSON_CT};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use keyturn_protocol::offline::{OfflineCode, OfflineDeactivation};
use keyturn_testkit::shop::{paddle_header, stripe_header, unix_now};
use keyturn_testkit::{Server, ADMIN_TOKEN};
use reqwest::Method;
use serde_json::{json, Value};

pub const STRIPE_SECRET: &str = keyturn_testkit::shop::STRIPE_SECRET;
pub const PADDLE_SECRET: &str = keyturn_testkit::shop::PADDLE_SECRET;

/// `text` with the byte at `at` (from the end when negative) changed to another character of
/// the same alphabet.
fn flip(text: &str, at: isize) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let i = if at < 0 {
        bytes.len() - at.unsigned_abs()
    } else {
        at as usize
    };
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

/// A new activation's token on `key`.
async fn token_of(server: &Server, key: &str, fingerprint: &str) -> String {
    let (status, body) = server.activate(key, fingerprint).await;
    assert_eq!(status.as_u16(), 201, "{body}");
    body["token"].as_str().unwrap().to_string()
}

fn deactivation(token: &str) -> Vec<u8> {
    let code = OfflineDeactivation {
        token: token.to_string(),
        deactivated_at: unix_now(),
    };
    json!({"code": code.encode()}).to_string().into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn tampered_tokens_codes_and_signatures_are_refused_and_change_nothing() {
    let (server, key) = fixture().await;
    let token = token_of(&server, &key, "fp-offline-device").await;
    let other_key = server.new_license(2);
    let other_license_token = token_of(&server, &other_key, "fp-other-license").await;
    let foreign = Server::options().product("app", "App").start();
    let foreign_key = foreign.new_license(1);
    let foreign_token = token_of(&foreign, &foreign_key, "fp-offline-device").await;
    drop(foreign);
    let probe = Probe::new(&server, &key).await;
    let (status, created) = server
        .admin(Method::POST, "/tokens", Some(json!({"name": "shop", "role": "viewer"})))
        .await;
    assert!(status.is_success(), "{created}");
    let api_token = created["token"].as_str().unwrap().to_string();
    let before = snapshot(&server).await;

    // Bearer tokens.
    for (what, header) in [
        (
            "the admin token with a flipped byte",
            format!("Bearer {}", flip(ADMIN_TOKEN, 0)),
        ),
        (
            "the admin token cut short",
            format!("Bearer {}", &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1]),
        ),
        ("the admin token as Basic", format!("Basic {ADMIN_TOKEN}")),
        (
            "an API token with a flipped byte",
            format!("Bearer {}", flip(&api_token, -1)),
        ),
        ("an API token with a byte added", format!("Bearer {api_token}A")),
    ] {
        let answer = probe
            .send(
                Auth::Nobody,
                "GET",
                "/admin/v1/licenses",
                &[("authorization", &header)],
                None,
            )
            .await;
        probe.assert_code(what, &answer, "UNAUTHORIZED");
    }
    // Sessions: the CSRF token changed, the request from another site.
    let answer = probe
        .send(
            Auth::Console,
            "POST",
            "/console/api/licenses/x1/suspend",
            &[("x-csrf-token", "forged")],
            None,
        )
        .await;
    probe.assert_code("a forged CSRF token", &answer, "UNAUTHORIZED");
    let answer = probe
        .send(
            Auth::Portal,
            "DELETE",
            "/portal/api/devices/x1",
            &[("origin", "https://evil.example")],
            None,
        )
        .await;
    probe.assert_code("a cross-site portal request", &answer, "UNAUTHORIZED");
    let answer = probe
        .send(
            Auth::Nobody,
            "GET",
            "/portal/api/devices",
            &[("cookie", "keyturn_portal=forged")],
            None,
        )
        .await;
    probe.assert_code("a forged portal cookie", &answer, "UNAUTHORIZED");

    // Offline deactivation codes whose token was tampered with.
    let (header, rest) = token.split_once('.').unwrap();
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let hs_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let (claims, _signature) = rest.split_once('.').unwrap();
    let mut claims_json: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    claims_json["license_id"] = json!("lic_someone_else");
    let edited_claims = URL_SAFE_NO_PAD.encode(claims_json.to_string());
    for (what, forged) in [
        ("a flipped signature byte", flip(&token, -3)),
        ("alg none, no signature", format!("{none_header}.{claims}.")),
        ("alg HS256", format!("{hs_header}.{rest}")),
        (
            "edited claims",
            format!("{header}.{edited_claims}.{}", rest.split_once('.').unwrap().1),
        ),
        ("another server's key", foreign_token.clone()),
        ("another license's activation", other_license_token.clone()),
        ("not a token", "x.y.z".to_string()),
    ] {
        let answer = probe
            .send(
                Auth::Portal,
                "POST",
                "/portal/api/offline/deactivate",
                &[JSON_CT],
                Some(deactivation(&forged)),
            )
            .await;
        probe.assert_code(&format!("a deactivation code with {what}"), &answer, "BAD_REQUEST");
    }

    // Payment events: replayed, signed with another secret, altered after signing.
    let event = json!({"id": "evt_hostile", "type": "customer.created", "data": {"object": {}}}).to_string();
    let now = unix_now();
    let stripe = |secret: &str, t: i64, body: &str| stripe_header(&[secret], t, body);
    let paddle_body = json!({"event_id": "evt_p", "event_type": "customer.created", "data": {}}).to_string();
    // What, provider, signature header, content type, body, the code it must get.
    type PaymentCase<'a> = (&'a str, &'a str, (&'a str, String), &'a str, String, &'a str);
    let cases: Vec<PaymentCase> = vec![
        (
            "a replay an hour later",
            "stripe",
            ("stripe-signature", stripe(STRIPE_SECRET, now - 3600, &event)),
            "application/json",
            event.clone(),
            "SIGNATURE_EXPIRED",
        ),
        (
            "a signature from the future",
            "stripe",
            ("stripe-signature", stripe(STRIPE_SECRET, now + 3600, &event)),
            "application/json",
            event.clone(),
            "SIGNATURE_EXPIRED",
        ),
        (
            "another secret",
            "stripe",
            ("stripe-signature", stripe("whsec_other", now, &event)),
            "application/json",
            event.clone(),
            "SIGNATURE_INVALID",
        ),
        (
            "a body altered after signing",
            "stripe",
            ("stripe-signature", stripe(STRIPE_SECRET, now, &event)),
            "application/json",
            event.replace("hostile", "h0stile"),
            "SIGNATURE_INVALID",
        ),
        (
            "no signature",
            "stripe",
            ("x-nothing", String::new()),
            "application/json",
            event.clone(),
            "SIGNATURE_INVALID",
        ),
        (
            "a garbled header",
            "stripe",
            ("stripe-signature", "t=,v1=%%%".into()),
            "application/json",
            event.clone(),
            "SIGNATURE_INVALID",
        ),
        (
            "signed, not JSON",
            "stripe",
            ("stripe-signature", stripe(STRIPE_SECRET, now, "{\"id\": ")),
            "application/json",
            "{\"id\": ".into(),
            "BAD_REQUEST",
        ),
        (
            "signed, a JSON array",
            "stripe",
            ("stripe-signature", stripe(STRIPE_SECRET, now, "[]")),
            "application/json",
            "[]".into(),
            "BAD_REQUEST",
        ),
        (
            "text/plain",
            "stripe",
            ("stripe-signature", stripe(STRIPE_SECRET, now, &event)),
            "text/plain",
            event.clone(),
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "300 KiB",
            "stripe",
            ("stripe-signature", stripe(STRIPE_SECRET, now, &event)),
            "application/json",
            "x".repeat(300 * 1024),
            "PAYLOAD_TOO_LARGE",
        ),
        (
            "a Paddle replay",
            "paddle",
            (
                "paddle-signature",
                paddle_header(&[PADDLE_SECRET], now - 3600, &paddle_body),
            ),
            "application/json",
            paddle_body.clone(),
            "SIGNATURE_EXPIRED",
        ),
        (
            "a Paddle event signed as Stripe",
            "paddle",
            ("paddle-signature", stripe(PADDLE_SECRET, now, &paddle_body)),
            "application/json",
            paddle_body.clone(),
            "SIGNATURE_INVALID",
        ),
    ];
    for (what, provider, (name, value), content_type, body, code) in cases {
        let answer = probe
            .send(
                Auth::Nobody,
                "POST",
                &format!("/v1/payments/{provider}"),
                &[(name, &value), ("content-type", content_type)],
                Some(body.into_bytes()),
            )
            .await;
        probe.assert_code(&format!("a {provider} event: {what}"), &answer, code);
    }
    let answer = probe.send(Auth::Nobody, "GET", "/v1/payments/stripe", &[], None).await;
    probe.assert_refused("a payment route read with GET", &answer);
    let after = snapshot(&server).await;
    probe.check(
        after == before,
        format!("a refused request changed something: {before}\n->\n{after}"),
    );
    probe.finish();
}

/// An authentic event whose text holds a NUL (a buyer's name as the provider stored it): the
/// purchase still goes through, on both stores, with the NUL dropped — refusing it would make
/// the provider retry for days, and PostgreSQL cannot store it.
#[tokio::test(flavor = "multi_thread")]
async fn an_authentic_payment_event_with_a_nul_still_makes_the_license() {
    let shop = keyturn_testkit::shop::Shop::start(&[]);
    let mut event = keyturn_testkit::shop::invoice_paid("evt_nul", "in_nul");
    event["data"]["object"]["customer_name"] = json!("Ann\u{0}Buyer");
    let answer = shop.stripe(&event).await;
    let license = answer["license_id"].as_str().expect("a license for the purchase");
    let (status, view) = shop
        .server
        .admin(Method::GET, &format!("/licenses/{license}"), None)
        .await;
    assert!(status.is_success(), "{view}");
    assert_eq!(view["owner_name"], "AnnBuyer", "{view}");
}
