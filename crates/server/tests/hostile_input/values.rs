//! Well-formed JSON with hostile values: NUL characters (PostgreSQL cannot store them),
//! duplicated keys, numbers far outside any sane range, misspelled query parameters. Each
//! refused with its code, nothing changed.

use crate::probe::{Auth, Probe};
use crate::{fixture, snapshot, JSON_CT};
use reqwest::Method;
use serde_json::json;

/// i64::MAX seconds: added to now, it overflows.
const HUGE: i64 = i64::MAX;

#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_are_refused_with_a_code_and_change_nothing() {
    let (server, key) = fixture().await;
    let probe = Probe::new(&server, &key).await;
    let (_, licenses) = server.admin(Method::GET, "/licenses", None).await;
    let license = licenses[0]["id"].as_str().unwrap().to_string();
    let policy = licenses[0]["policy_id"].as_str().unwrap().to_string();
    let before = snapshot(&server).await;
    let admin = |path: &str| format!("/admin/v1{path}");
    let cases: Vec<(&str, String, String, &str)> = vec![
        // NUL characters, in a body and in a path or query.
        (
            "NUL in a product name",
            admin("/products"),
            r#"{"name": "A\u0000B"}"#.into(),
            "BAD_REQUEST",
        ),
        (
            "NUL in a note",
            admin(&format!("/licenses/{license}/notes")),
            r#"{"text": "a\u0000b"}"#.into(),
            "BAD_REQUEST",
        ),
        (
            "NUL in an owner name",
            admin(&format!("/licenses/{license}/edit")),
            r#"{"owner_name": "a\u0000"}"#.into(),
            "BAD_REQUEST",
        ),
        (
            "NUL in a fingerprint",
            "/v1/validate".into(),
            format!(r#"{{"key": "{key}", "fingerprint": "ab\u0000"}}"#),
            "BAD_REQUEST",
        ),
        (
            "NUL in a key",
            "/v1/validate".into(),
            r#"{"key": "\u0000", "fingerprint": "ab"}"#.into(),
            "BAD_REQUEST",
        ),
        (
            "NUL in a staff email",
            admin("/staff"),
            r#"{"email": "a\u0000@b.example", "role": "viewer", "password": "correct horse battery"}"#.into(),
            "BAD_REQUEST",
        ),
        // Duplicated keys: which one counts is not the client's guess to make.
        (
            "a duplicated key",
            admin("/products"),
            r#"{"name": "A", "name": "B"}"#.into(),
            "BAD_REQUEST",
        ),
        (
            "a duplicated key in a client call",
            "/v1/validate".into(),
            format!(r#"{{"key": "{key}", "key": "{key}", "fingerprint": "ab"}}"#),
            "BAD_REQUEST",
        ),
        // Numbers: out of their type, or times no calendar has.
        (
            "negative seats",
            admin("/policies"),
            json!({"product_id": "app", "name": "n", "max_machines": -1}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "2^40 seats",
            admin("/policies"),
            json!({"product_id": "app", "name": "n", "max_machines": 1u64 << 40}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "a duration that overflows",
            admin("/policies"),
            json!({"product_id": "app", "name": "n", "max_machines": 1, "duration_secs": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "a grace that overflows",
            admin("/policies"),
            json!({"product_id": "app", "name": "n", "max_machines": 1, "grace_secs": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "a renew interval that overflows",
            admin("/policies"),
            json!({"product_id": "app", "name": "n", "max_machines": 1, "renew_interval_secs": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "an expiry at i64::MAX",
            admin("/licenses"),
            json!({"policy_id": policy, "expires_at": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "an expiry before 1970",
            admin("/licenses"),
            json!({"policy_id": policy, "expires_at": -5}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "an extension to i64::MAX",
            admin(&format!("/licenses/{license}/extend")),
            json!({"expires_at": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "an extension by i64::MAX seconds",
            admin(&format!("/licenses/{license}/extend")),
            json!({"secs": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "an extension to before 1970",
            admin(&format!("/licenses/{license}/extend")),
            json!({"expires_at": i64::MIN}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "a token expiring at i64::MAX",
            admin("/tokens"),
            json!({"name": "t", "role": "viewer", "expires_at": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "a test clock moved by i64::MAX",
            admin("/test/clock"),
            json!({"offset_secs": HUGE}).to_string(),
            "BAD_REQUEST",
        ),
        (
            "a float for an integer",
            admin("/policies"),
            r#"{"product_id": "app", "name": "n", "max_machines": 1.5}"#.into(),
            "BAD_REQUEST",
        ),
        (
            "1e400",
            admin(&format!("/licenses/{license}/extend")),
            r#"{"secs": 1e400}"#.into(),
            "BAD_REQUEST",
        ),
    ];
    for (what, path, body, code) in &cases {
        let auth = if path.starts_with("/admin") {
            Auth::Admin
        } else {
            Auth::Nobody
        };
        let answer = probe
            .send(auth, "POST", path, &[JSON_CT], Some(body.clone().into_bytes()))
            .await;
        probe.assert_code(what, &answer, code);
    }
    for (what, path, code) in [
        ("a misspelled filter", "/admin/v1/licenses?prodcut=app", "BAD_REQUEST"),
        (
            "a misspelled policy filter",
            "/admin/v1/policies?prodcut=app",
            "BAD_REQUEST",
        ),
        (
            "an unknown parameter of unmatched refunds",
            "/admin/v1/payments/unmatched?zz=1",
            "BAD_REQUEST",
        ),
        ("an unknown parameter of events", "/admin/v1/events?zz=1", "BAD_REQUEST"),
        ("NUL as a license id", "/admin/v1/licenses/%00", "BAD_REQUEST"),
        ("NUL in a search", "/admin/v1/licenses/page?q=a%00b", "BAD_REQUEST"),
        ("NUL in a console search", "/console/api/search?q=a%00", "BAD_REQUEST"),
        (
            "NUL in a product filter",
            "/admin/v1/licenses?product=%00",
            "BAD_REQUEST",
        ),
    ] {
        let auth = if path.starts_with("/admin") {
            Auth::Admin
        } else {
            Auth::Console
        };
        let answer = probe.send(auth, "GET", path, &[], None).await;
        probe.assert_code(what, &answer, code);
    }
    // A query the server cannot read says which parameter and why, not just "Bad Request".
    let answer = probe
        .send(Auth::Admin, "GET", "/admin/v1/events?limit=-5", &[], None)
        .await;
    probe.assert_refused("a negative limit", &answer);
    let message = answer.json()["message"].as_str().unwrap_or_default().to_string();
    probe.check(
        message.contains("limit"),
        format!("a negative limit: the message names no parameter: {message}"),
    );
    let after = snapshot(&server).await;
    probe.check(
        after == before,
        format!("a refused request changed something: {before}\n->\n{after}"),
    );
    probe.finish();
}
