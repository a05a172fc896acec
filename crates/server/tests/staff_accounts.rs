//! Staff accounts themselves, on the store under test: bad input refused with a stable code over
//! the API and the CLI, the last owner kept, and a new password (own change or an owner's reset)
//! ending the account's console sessions.

mod staff_common;

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use staff_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_password_ends_the_accounts_sessions() {
    let server = Server::start();
    let ann_id = add_staff(&server, "ann@acme.com", "support");
    let ann = sign_in_staff(&server, "ann@acme.com").await;
    let bob = {
        add_staff(&server, "bob@acme.com", "support");
        sign_in_staff(&server, "bob@acme.com").await
    };
    // An owner sets a new password: ann's session ends, bob's does not.
    let reset = json!({"password": "a fresh owner-set passphrase"});
    let (status, _) = server
        .admin(Method::POST, &format!("/staff/{ann_id}/password"), Some(reset))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ann.call(Method::GET, "/licenses", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(bob.call(Method::GET, "/licenses", None).await.0, StatusCode::OK);
    assert!(sign_in_staff_with(&server, "ann@acme.com", PASSWORD).await.is_err());
    let ann = sign_in_staff_with(&server, "ann@acme.com", "a fresh owner-set passphrase")
        .await
        .unwrap();
    // She changes it herself: the wrong current password changes nothing; the right one ends
    // this session too.
    let change = |current: &str| json!({"current": current, "new": "her very own passphrase"});
    let (status, _) = ann
        .call(Method::POST, "/me/password", Some(change("a wrong guess here")))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(ann.call(Method::GET, "/licenses", None).await.0, StatusCode::OK);
    let (status, body) = ann
        .call(
            Method::POST,
            "/me/password",
            Some(change("a fresh owner-set passphrase")),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        ann.call(Method::GET, "/licenses", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    sign_in_staff_with(&server, "ann@acme.com", "her very own passphrase")
        .await
        .unwrap();
}

async fn sign_in_staff_with<'a>(
    server: &'a Server,
    email: &str,
    password: &str,
) -> Result<Console<'a>, (StatusCode, Value)> {
    sign_in(server, json!({"email": email, "password": password}), None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_staff_input_gets_a_stable_code() {
    let server = Server::start();
    let owner_id = add_staff(&server, "owner@acme.com", "owner");
    let cases = [
        (
            json!({"email": "ann@acme.com", "role": "support", "password": "short"}),
            "WEAK_PASSWORD",
        ),
        (
            json!({"email": "ann@acme.com", "role": "support", "password": "long1".repeat(30)}),
            "WEAK_PASSWORD",
        ),
        (
            json!({"email": "ann@acme.com", "role": "support", "password": "aaaaaaaaaaaaaaaa"}),
            "WEAK_PASSWORD",
        ),
        (
            json!({"email": "ann.acme.com", "role": "support", "password": PASSWORD}),
            "INVALID_EMAIL",
        ),
        (
            json!({"email": "ann@acme.com", "role": "root", "password": PASSWORD}),
            "UNKNOWN_ROLE",
        ),
        (
            json!({"email": "Owner@ACME.com", "role": "viewer", "password": PASSWORD}),
            "ALREADY_EXISTS",
        ),
    ];
    for (body, want) in cases {
        let (status, answer) = server.admin(Method::POST, "/staff", Some(body.clone())).await;
        assert_eq!(code(&answer), want, "{body}: {status} {answer}");
        assert!(status.is_client_error());
    }
    let (_, list) = server.admin(Method::GET, "/staff", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    // The CLI says the same codes.
    let mut weak = std::process::Command::new(binaries::server());
    weak.args([
        "staff",
        "add",
        "--email",
        "bob@acme.com",
        "--role",
        "viewer",
        "--db",
        &server.db,
    ]);
    let run = process::run(weak, "short\n");
    assert!(!run.success() && run.stderr.contains("WEAK_PASSWORD"), "{}", run.stderr);
    let run = cli_run(
        &server.db,
        &["staff", "role", "--email", "owner@acme.com", "--role", "boss"],
    );
    assert!(!run.success() && run.stderr.contains("UNKNOWN_ROLE"), "{}", run.stderr);
    // The last owner stays.
    for path in [format!("/staff/{owner_id}/disable")] {
        let (status, answer) = server.admin(Method::POST, &path, None).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::CONFLICT, "LAST_OWNER"),
            "{answer}"
        );
    }
    let (status, answer) = server
        .admin(
            Method::POST,
            &format!("/staff/{owner_id}/role"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "LAST_OWNER"),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_disables_enables_and_sets_passwords() {
    let server = Server::start();
    add_staff(&server, "ann@acme.com", "support");
    let ann = sign_in_staff(&server, "ann@acme.com").await;
    server.cli(&["staff", "disable", "--email", "ann@acme.com"]);
    assert_eq!(
        ann.call(Method::GET, "/licenses", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(sign_in_staff_with(&server, "ann@acme.com", PASSWORD).await.is_err());
    server.cli(&["staff", "enable", "--email", "ann@acme.com"]);
    sign_in_staff_with(&server, "ann@acme.com", PASSWORD).await.unwrap();
    // A new password from standard input; the old one no longer works.
    let mut passwd = std::process::Command::new(binaries::server());
    passwd.args(["staff", "passwd", "--email", "ann@acme.com", "--db", &server.db]);
    let run = process::run(passwd, "a brand new passphrase\n");
    assert!(run.success(), "{}", run.stderr);
    assert!(sign_in_staff_with(&server, "ann@acme.com", PASSWORD).await.is_err());
    sign_in_staff_with(&server, "ann@acme.com", "a brand new passphrase")
        .await
        .unwrap();
    server.cli(&["staff", "role", "--email", "ann@acme.com", "--role", "viewer"]);
    let list: Value = serde_json::from_str(&server.cli(&["staff", "list"])).unwrap();
    assert_eq!(list[0]["role"], "viewer", "{list}");
    let run = cli_run(&server.db, &["staff", "disable", "--email", "nobody@acme.com"]);
    assert!(!run.success() && run.stderr.contains("NOT_FOUND"), "{}", run.stderr);
}
