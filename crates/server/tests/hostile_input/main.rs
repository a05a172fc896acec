//! Hostile input on every route, as an outsider sends it: bodies that are not JSON, JSON of the
//! wrong shape, too large, NUL characters, wrong content types and methods, odd path segments
//! and query parameters. Every answer must be a JSON `{code, message}` refusal with a stable
//! code and its status (never a 5xx, a framework's plain text, an HTML page or a hang), and no
//! refused request may change anything: the admin API's view of every thing is the same after
//! the sweep as before. Runs on the store under test (`KEYTURN_TEST_STORE=postgres`).

mod probe;
mod races;
mod tokens;
mod values;

use keyturn_testkit::Server;
use probe::{Auth, Probe};
use reqwest::Method;
use serde_json::Value;

/// What a route takes as its body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Takes {
    /// A JSON object it must be able to read.
    Json,
    /// Nothing, or a JSON object of its fields (a reason; none for an action with no
    /// parameters): anything else is refused as a body.
    Optional,
    /// Nothing it reads (GET): only "refused properly" is checked.
    Other,
}

use Auth::*;
use Takes::*;

/// Every route (`{id}` and the numeric `{n}` stand for ids that do not exist) and how it is
/// reached.
const ROUTES: &[(&str, &str, Auth, Takes)] = &[
    ("POST", "/v1/validate", Nobody, Json),
    ("POST", "/v1/activations", Nobody, Json),
    ("PATCH", "/v1/activations/{id}", Nobody, Json),
    ("POST", "/v1/activations/{id}/deactivate", Nobody, Json),
    ("POST", "/v1/activations/{id}/name", Nobody, Json),
    ("POST", "/v1/machines", Nobody, Json),
    ("POST", "/v1/trials", Nobody, Json),
    ("POST", "/v1/leases", Nobody, Json),
    ("POST", "/v1/leases/{id}/heartbeat", Nobody, Json),
    ("POST", "/v1/leases/{id}/release", Nobody, Json),
    ("GET", "/admin/v1/public-key", Admin, Other),
    ("POST", "/admin/v1/products", Admin, Json),
    ("GET", "/admin/v1/products", Admin, Other),
    ("POST", "/admin/v1/policies", Admin, Json),
    ("GET", "/admin/v1/policies", Admin, Other),
    ("POST", "/admin/v1/licenses", Admin, Json),
    ("GET", "/admin/v1/licenses", Admin, Other),
    ("GET", "/admin/v1/licenses/{id}", Admin, Other),
    ("POST", "/admin/v1/licenses/{id}/suspend", Admin, Optional),
    ("POST", "/admin/v1/licenses/{id}/reinstate", Admin, Optional),
    ("POST", "/admin/v1/licenses/{id}/revoke", Admin, Optional),
    ("POST", "/admin/v1/licenses/{id}/extend", Admin, Json),
    ("POST", "/admin/v1/licenses/{id}/reset", Admin, Optional),
    ("GET", "/admin/v1/licenses/{id}/machines", Admin, Other),
    ("DELETE", "/admin/v1/licenses/{id}/machines/{id}", Admin, Optional),
    ("POST", "/admin/v1/fingerprints/block", Admin, Json),
    ("GET", "/admin/v1/events", Admin, Other),
    ("POST", "/admin/v1/test/clock", Admin, Json),
    ("GET", "/admin/v1/licenses/page", Admin, Other),
    ("GET", "/admin/v1/licenses/export.csv", Admin, Other),
    ("POST", "/admin/v1/licenses/bulk", Admin, Json),
    ("POST", "/admin/v1/licenses/{id}/edit", Admin, Json),
    ("POST", "/admin/v1/licenses/{id}/notes", Admin, Json),
    ("POST", "/admin/v1/webhooks", Admin, Json),
    ("GET", "/admin/v1/webhooks", Admin, Other),
    ("DELETE", "/admin/v1/webhooks/{id}", Admin, Optional),
    ("GET", "/admin/v1/webhooks/deliveries", Admin, Other),
    ("POST", "/admin/v1/webhooks/deliveries/{n}/redeliver", Admin, Optional),
    ("GET", "/admin/v1/mails", Admin, Other),
    ("POST", "/admin/v1/mails/{id}/resend", Admin, Optional),
    ("GET", "/admin/v1/payments/unmatched", Admin, Other),
    ("GET", "/admin/v1/licenses/{id}/leases", Admin, Other),
    ("DELETE", "/admin/v1/licenses/{id}/leases/{id}", Admin, Optional),
    ("GET", "/admin/v1/staff", Admin, Other),
    ("POST", "/admin/v1/staff", Admin, Json),
    ("POST", "/admin/v1/staff/{id}/disable", Admin, Optional),
    ("POST", "/admin/v1/staff/{id}/enable", Admin, Optional),
    ("POST", "/admin/v1/staff/{id}/role", Admin, Json),
    ("POST", "/admin/v1/staff/{id}/password", Admin, Json),
    ("POST", "/admin/v1/staff/{id}/totp/clear", Admin, Optional),
    ("GET", "/admin/v1/tokens", Admin, Other),
    ("POST", "/admin/v1/tokens", Admin, Json),
    ("POST", "/admin/v1/tokens/{id}/revoke", Admin, Optional),
    ("GET", "/admin/v1/settings", Admin, Other),
    ("POST", "/admin/v1/settings", Admin, Json),
    ("POST", "/console/api/sign-in", Nobody, Json),
    ("GET", "/console/api/session", Console, Other),
    ("GET", "/console/api/search", Console, Other),
    ("GET", "/console/api/me", Console, Other),
    ("POST", "/console/api/me/totp/begin", Console, Optional),
    ("POST", "/console/api/licenses/{id}/suspend", Console, Optional),
    ("POST", "/console/api/licenses/{id}/extend", Console, Json),
    ("POST", "/console/api/licenses/{id}/edit", Console, Json),
    ("POST", "/console/api/licenses/{id}/notes", Console, Json),
    ("POST", "/console/api/licenses/bulk", Console, Json),
    ("POST", "/console/api/staff", Console, Json),
    ("POST", "/console/api/tokens", Console, Json),
    ("POST", "/console/api/webhooks", Console, Json),
    ("POST", "/portal/api/sign-in", Nobody, Json),
    ("GET", "/portal/api/devices", Portal, Other),
    ("DELETE", "/portal/api/devices/{id}", Portal, Optional),
    ("POST", "/portal/api/offline/activate", Portal, Json),
    ("POST", "/portal/api/offline/deactivate", Portal, Json),
];

const JSON_CT: (&str, &str) = ("content-type", "application/json");

/// A case: what it is, the body, its headers, the code it must get.
type BodyCase = (
    &'static str,
    Vec<u8>,
    &'static [(&'static str, &'static str)],
    &'static str,
);

/// Bodies no route can read, each with the code it must get.
fn hostile_bodies() -> Vec<BodyCase> {
    let json: &'static [(&str, &str)] = &[JSON_CT];
    vec![
        ("empty body", Vec::new(), json, "BAD_REQUEST"),
        ("malformed JSON", b"{\"key\": ".to_vec(), json, "BAD_REQUEST"),
        ("JSON null", b"null".to_vec(), json, "BAD_REQUEST"),
        ("a JSON array, not an object", b"[]".to_vec(), json, "BAD_REQUEST"),
        ("a JSON string", b"\"text\"".to_vec(), json, "BAD_REQUEST"),
        (
            "bytes that are not UTF-8",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'],
            json,
            "BAD_REQUEST",
        ),
        (
            "an unknown field",
            br#"{"zz_unknown": 1}"#.to_vec(),
            json,
            "BAD_REQUEST",
        ),
        (
            "NUL in a field name",
            b"{\"a\\u0000\": 1}".to_vec(),
            json,
            "BAD_REQUEST",
        ),
        ("nesting 5000 deep", nested(5_000), json, "BAD_REQUEST"),
        (
            "just over the body limit",
            padded(16 * 1024 + 1),
            json,
            "PAYLOAD_TOO_LARGE",
        ),
        ("300 KiB", padded(300 * 1024), json, "PAYLOAD_TOO_LARGE"),
        ("no content type", b"{}".to_vec(), &[], "UNSUPPORTED_MEDIA_TYPE"),
        (
            "text/plain",
            b"{}".to_vec(),
            &[("content-type", "text/plain")],
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            "a form",
            b"a=1".to_vec(),
            &[("content-type", "application/x-www-form-urlencoded")],
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ]
}

fn nested(depth: usize) -> Vec<u8> {
    format!("{{\"a\":{}{}}}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
}

/// A JSON object of exactly `len` bytes.
fn padded(len: usize) -> Vec<u8> {
    let mut body = b"{\"pad\":\"".to_vec();
    body.resize(len - 2, b'x');
    body.extend_from_slice(b"\"}");
    body
}

/// Path segments that name nothing, or name it oddly.
const ODD_IDS: &[&str] = &[
    "%FF%FE",
    "%00",
    "..%2F..%2Fadmin",
    "%E2%82",
    "-1",
    "99999999999999999999999",
    "%20",
];

/// What the admin API shows of everything a refused request could have changed.
pub async fn snapshot(server: &Server) -> Value {
    let mut all = serde_json::Map::new();
    for path in [
        "/products",
        "/policies",
        "/licenses",
        "/webhooks",
        "/staff",
        "/tokens",
        "/settings",
        "/mails",
    ] {
        let (status, body) = server.admin(Method::GET, path, None).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        all.insert(path.to_string(), body);
    }
    let licenses = all["/licenses"].as_array().unwrap().clone();
    for license in licenses {
        let id = license["id"].as_str().unwrap();
        for what in ["machines", "leases"] {
            let path = format!("/licenses/{id}/{what}");
            let (_, body) = server.admin(Method::GET, &path, None).await;
            all.insert(path, body);
        }
    }
    Value::Object(all)
}

/// A server with payments on, a product, a node-locked and a floating license, one activation.
pub async fn fixture() -> (Server, String) {
    let server = Server::options()
        .product("app", "App")
        .args(&[
            "--stripe-webhook-secret",
            tokens::STRIPE_SECRET,
            "--paddle-webhook-secret",
            tokens::PADDLE_SECRET,
        ])
        .start();
    let key = server.new_license(2);
    server.new_license_with(2, &["--floating", "--lease-secs", "60"]);
    let (status, _) = server.activate(&key, "fp-of-the-fixture").await;
    assert_eq!(status.as_u16(), 201);
    (server, key)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_refuses_hostile_input_with_a_stable_code_and_changes_nothing() {
    let (server, key) = fixture().await;
    let probe = Probe::new(&server, &key).await;
    let before = snapshot(&server).await;
    for (method, template, auth, takes) in ROUTES {
        let path = template.replace("{id}", "x1").replace("{n}", "987654321");
        let route = format!("{method} {template}");
        if *takes != Other {
            for (what, body, headers, code) in hostile_bodies() {
                if *takes == Optional && what == "empty body" {
                    continue; // no reason given: allowed
                }
                let answer = probe.send(*auth, method, &path, headers, Some(body)).await;
                probe.assert_code(&format!("{route}, {what}"), &answer, code);
            }
        }
        if *takes != Other {
            // A declared gigabyte is refused at once, before a byte of it is awaited.
            for expect in ["", "expect: 100-continue\r\n"] {
                let headers = format!("content-type: application/json\r\ncontent-length: 1000000000\r\n{expect}");
                let body: &[u8] = if expect.is_empty() { b"{}" } else { b"" };
                let answer = probe.raw(*auth, method, &path, &headers, body).await;
                probe.assert_code(
                    &format!("{route}, a declared gigabyte {expect}"),
                    &answer,
                    "PAYLOAD_TOO_LARGE",
                );
            }
        }
        let answer = probe.send(*auth, "PUT", &path, &[JSON_CT], Some(b"{}".to_vec())).await;
        probe.assert_code(&format!("{route} as PUT"), &answer, "METHOD_NOT_ALLOWED");
        if template.contains("{id}") || template.contains("{n}") {
            for id in ODD_IDS.iter().map(|s| s.to_string()).chain(["a".repeat(8000)]) {
                let odd = template.replace("{id}", &id).replace("{n}", &id);
                let answer = probe.send(*auth, method, &odd, &[JSON_CT], Some(b"{}".to_vec())).await;
                probe.assert_refused(&format!("{route} with id {}", probe::clip(&id)), &answer);
            }
        }
        if *method == "GET" {
            for query in ["?limit=-1", "?limit=%FF", "?q=%00", "?before=99999999999999999999"] {
                let answer = probe.send(*auth, method, &format!("{path}{query}"), &[], None).await;
                if !answer.status.is_success() {
                    probe.assert_refused(&format!("{route}{query}"), &answer);
                }
            }
        }
    }
    let after = snapshot(&server).await;
    probe.check(
        after == before,
        format!("a refused request changed something: {before}\n->\n{after}"),
    );
    probe.finish();
}
