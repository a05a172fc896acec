//! What an attacker of the staff accounts tries, on the store under test (on PostgreSQL with
//! two replicas of one database, where replicas matter): sign-in attempts spread over replicas
//! or fired at once take one budget; TOTP secrets are never stored in plain (and an earlier
//! release's plain ones are sealed by the upgrade); nobody changes their own role or disables
//! themselves, and two owners demoting each other at once leave one owner.

mod staff_common;

use keyturn_server::domain::staff::totp;
use keyturn_testkit::store::sql;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use staff_common::*;

/// Two replicas on one PostgreSQL database; one server on SQLite (one writer: no replicas).
fn replicas() -> Vec<Server> {
    if Store::under_test().is_postgres() {
        let db = postgres::fresh_database();
        vec![
            Server::start_on(&db, &["--trust-proxy"]),
            Server::start_on(&db, &["--trust-proxy"]),
        ]
    } else {
        vec![Server::start_with(&["--trust-proxy"])]
    }
}

fn wrong(email: &str) -> Value {
    json!({"email": email, "password": "not the password at all"})
}

fn right(email: &str) -> Value {
    json!({"email": email, "password": PASSWORD})
}

async fn refused(server: &Server, body: Value, from: &str) -> (StatusCode, String) {
    let (status, body) = sign_in(server, body, Some(from))
        .await
        .err()
        .unwrap_or_else(|| panic!("signed in from {from}"));
    (status, code(&body).to_string())
}

const UNAUTHORIZED: (StatusCode, &str) = (StatusCode::UNAUTHORIZED, "UNAUTHORIZED");
const LIMITED: (StatusCode, &str) = (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");

fn is(answer: &(StatusCode, String), want: (StatusCode, &str)) -> bool {
    answer.0 == want.0 && answer.1 == want.1
}

/// The budgets are the database's: failures spread over the replicas are counted once, and the
/// wait ends on the server's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_attempts_spread_over_replicas_take_one_budget() {
    let servers = replicas();
    let on = |i: usize| &servers[i % servers.len()];
    add_staff(on(0), "ann@acme.com", "support");
    add_staff(on(0), "bob@acme.com", "support");
    // Five wrong passwords for ann, taking turns: the account's budget is spent on every replica.
    for i in 0..5 {
        assert!(is(
            &refused(on(i), wrong("ann@acme.com"), "10.0.0.1").await,
            UNAUTHORIZED
        ));
    }
    for i in 0..2 {
        let answer = refused(on(i), right("ann@acme.com"), "10.0.0.2").await;
        assert!(is(&answer, LIMITED), "replica {i}: {answer:?}");
    }
    // The address: five more failures (ten), then even bob's right password waits.
    for i in 0..5 {
        let guess = wrong(&format!("nobody{i}@acme.com"));
        assert!(is(&refused(on(i), guess, "10.0.0.1").await, UNAUTHORIZED));
    }
    for i in 0..2 {
        let answer = refused(on(i), right("bob@acme.com"), "10.0.0.1").await;
        assert!(is(&answer, LIMITED), "replica {i}: {answer:?}");
    }
    // One step later on the server's clock (6 s for an account, 10 s for an address) each may
    // try once more.
    let other = on(1);
    other.set_clock_offset(6).await;
    sign_in(other, right("ann@acme.com"), Some("10.0.0.2"))
        .await
        .expect("ann after one step");
    other.set_clock_offset(10).await;
    sign_in(other, right("bob@acme.com"), Some("10.0.0.1"))
        .await
        .expect("the address after one step");
}

/// Sixteen wrong passwords for one account at once, from sixteen addresses over the replicas:
/// exactly the account's five are checked, the rest wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_at_once_take_exactly_the_budget() {
    let servers = replicas();
    add_staff(&servers[0], "carl@acme.com", "support");
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let server = &servers[i % servers.len()];
            let (http, url) = (server.http.clone(), format!("{}/console/api/sign-in", server.url));
            tokio::spawn(async move {
                let resp = http
                    .post(url)
                    .header("x-forwarded-for", format!("10.0.1.{i}"))
                    .json(&wrong("carl@acme.com"))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status();
                let body: Value = resp.json().await.unwrap();
                (status, code(&body).to_string())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let checked = answers.iter().filter(|a| is(a, UNAUTHORIZED)).count();
    let limited = answers.iter().filter(|a| is(a, LIMITED)).count();
    assert_eq!((checked, limited), (5, 11), "{answers:?}");
}

/// Everything the database holds, as text: the SQLite file and its WAL, or a PostgreSQL dump.
fn database_bytes(db: &str) -> String {
    if db.starts_with("postgres://") {
        return String::from_utf8_lossy(&postgres::dump(db)).into_owned();
    }
    let mut bytes = std::fs::read(db).unwrap();
    bytes.extend(std::fs::read(format!("{db}-wal")).unwrap_or_default());
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The server's clock 10 s into a 30-second step (so "this step's code" is the one meant).
async fn mid_step(server: &Server, base: i64) -> i64 {
    let first = server.set_clock_offset(base).await;
    server
        .set_clock_offset(base + 10 - first.rem_euclid(totp::STEP_SECS))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn totp_secrets_are_sealed_at_rest_and_an_upgrade_seals_plain_ones() {
    let mut server = Server::start();
    add_staff(&server, "ann@acme.com", "support");
    let now = mid_step(&server, 3600).await;
    let ann = sign_in_staff(&server, "ann@acme.com").await;
    let (_, begun) = ann.call(Method::POST, "/me/totp/begin", None).await;
    let base32 = begun["secret"].as_str().unwrap().to_string();
    let secret = totp::from_base32(&base32).unwrap();
    let at = |steps: i64| totp::code_at(&secret, now + steps * totp::STEP_SECS);
    let confirm = json!({"secret": base32, "code": at(0)});
    assert_eq!(
        ann.call(Method::POST, "/me/totp", Some(confirm)).await.0,
        StatusCode::NO_CONTENT
    );
    let stored = sql(&server.db, "SELECT totp_secret FROM staff");
    assert!(stored.starts_with("v1.") && !stored.contains(&base32), "{stored}");
    assert!(
        !database_bytes(&server.db).contains(&base32),
        "the plain secret is in the database"
    );
    let creds = |code: String| json!({"email": "ann@acme.com", "password": PASSWORD, "totp": code});
    sign_in(&server, creds(at(1)), None)
        .await
        .expect("the sealed secret opens");
    let wrong_code = format!("{:06}", (at(1).parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(
        sign_in(&server, creds(wrong_code), None).await.err().unwrap().0,
        StatusCode::UNAUTHORIZED
    );

    // A database of the release before: the secret in plain base32, schema version 2.
    server.stop();
    sql(
        &server.db,
        &format!("UPDATE staff SET totp_secret = '{base32}' RETURNING 'ok'"),
    );
    let version = if server.db.starts_with("postgres://") {
        "UPDATE meta SET v = convert_to('2', 'UTF8') WHERE k = 'schema_version' RETURNING 'ok'"
    } else {
        "UPDATE meta SET v = CAST('2' AS BLOB) WHERE k = 'schema_version' RETURNING 'ok'"
    };
    sql(&server.db, version);
    assert!(
        database_bytes(&server.db).contains(&base32),
        "the test wrote the plain secret"
    );
    let upgraded = Server::start_on(&server.db, &[]);
    let stored = sql(&upgraded.db, "SELECT totp_secret FROM staff");
    assert!(stored.starts_with("v1.") && !stored.contains(&base32), "{stored}");
    assert!(
        !database_bytes(&upgraded.db).contains(&base32),
        "the upgrade left the plain secret"
    );
    let now = mid_step(&upgraded, 7200).await;
    let code = totp::code_at(&secret, now);
    let creds = json!({"email": "ann@acme.com", "password": PASSWORD, "totp": code});
    sign_in(&upgraded, creds, None)
        .await
        .expect("sign-in after the upgrade");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_changes_their_own_role_and_the_last_owner_stays() {
    let server = Server::start();
    let ann_id = add_staff(&server, "ann@acme.com", "owner");
    let bob_id = add_staff(&server, "bob@acme.com", "owner");
    let ann = sign_in_staff(&server, "ann@acme.com").await;
    for (path, body) in [
        (format!("/staff/{ann_id}/disable"), None),
        (format!("/staff/{ann_id}/role"), Some(json!({"role": "admin"}))),
    ] {
        let (status, answer) = ann.call(Method::POST, &path, body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::FORBIDDEN, "CANNOT_CHANGE_SELF"),
            "{path}: {answer}"
        );
    }
    // Another owner may; then ann is the last owner, and nobody can take that away.
    let (status, answer) = ann
        .call(
            Method::POST,
            &format!("/staff/{bob_id}/role"),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, answer) = server
        .admin(Method::POST, &format!("/staff/{ann_id}/disable"), None)
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::CONFLICT, "LAST_OWNER"),
        "{answer}"
    );
    let run = cli_run(
        &server.db,
        &["staff", "role", "--email", "ann@acme.com", "--role", "viewer"],
    );
    assert!(!run.success() && run.stderr.contains("LAST_OWNER"), "{}", run.stderr);
    assert_eq!(owners(&server).await, 1);
}

async fn owners(server: &Server) -> usize {
    let (status, all) = server.admin(Method::GET, "/staff", None).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    all.as_array()
        .unwrap()
        .iter()
        .filter(|a| a["role"] == "owner" && a["disabled"] == false)
        .count()
}

/// Two owners demote each other at the same moment (on two replicas): one wins, one owner stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let servers = replicas();
    let on = |i: usize| &servers[i % servers.len()];
    let ann_id = add_staff(on(0), "ann@acme.com", "owner");
    let bob_id = add_staff(on(0), "bob@acme.com", "owner");
    let ann = sign_in_staff(on(0), "ann@acme.com").await;
    let bob = sign_in_staff(on(1), "bob@acme.com").await;
    let demote = json!({"role": "admin"});
    for round in 0..12 {
        for id in [&ann_id, &bob_id] {
            let (status, _) = on(0)
                .admin(
                    Method::POST,
                    &format!("/staff/{id}/role"),
                    Some(json!({"role": "owner"})),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
        }
        let (bob_path, ann_path) = (format!("/staff/{bob_id}/role"), format!("/staff/{ann_id}/role"));
        let (a, b) = tokio::join!(
            ann.call(Method::POST, &bob_path, Some(demote.clone())),
            bob.call(Method::POST, &ann_path, Some(demote.clone())),
        );
        let won = [&a, &b].iter().filter(|(s, _)| *s == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {a:?} {b:?}");
        for (status, answer) in [&a, &b] {
            assert!(
                *status == StatusCode::OK || ["LAST_OWNER", "FORBIDDEN"].contains(&code(answer)),
                "round {round}: {answer}"
            );
        }
        assert_eq!(owners(on(1)).await, 1, "round {round}");
    }
}
