//! "Rename this computer" (`POST /v1/activations/{id}/name`): only the device holding the
//! activation (its license's key and its own fingerprint) renames it; names are trimmed and
//! checked; the new name is what every listing shows, a renewal with the activation's body keeps
//! it, and the event log says who renamed what. The same script runs on SQLite and PostgreSQL
//! and must give the same answers.

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn rename_body(key: &str, fp: &str, name: &str) -> Value {
    json!({"key": key, "fingerprint": fp, "name": name})
}

fn name_of<'a>(machines: &'a [Value], id: &str) -> &'a str {
    machines.iter().find(|m| m["id"] == id).expect("machine listed")["name"]
        .as_str()
        .unwrap()
}

/// Runs the script on `server`, asserting as it goes; answers the transcript (status and code
/// of every step) to compare across stores.
async fn script(server: &Server) -> Vec<String> {
    let mut lines = Vec::new();
    let key = server.fresh_license(3);
    let other_key = server.fresh_license(3);
    let (_, a) = server.activate(&key, "fp-a").await;
    let a = a["machine"]["id"].as_str().unwrap().to_string();
    let b = server.activate_other_device(&key, "fp-b", "laptop").await;
    let c = server.activate_other_device(&other_key, "fp-c", "elsewhere").await;
    let path = |id: &str| format!("/v1/activations/{id}/name");
    let mut step = |what: &str, (status, body): &(StatusCode, Value)| {
        lines.push(format!("{what}: {} {}", status.as_u16(), code(body)));
    };

    // This device renames itself: trimmed, answered as the machine it now is.
    let renamed = server.post(&path(&a), rename_body(&key, "fp-a", "  Studio PC  ")).await;
    step("rename", &renamed);
    assert_eq!(renamed.0, StatusCode::OK, "{}", renamed.1);
    assert_eq!(renamed.1["name"], "Studio PC");
    assert_eq!(renamed.1["id"], a.as_str());
    assert_eq!(renamed.1["is_this_device"], true);
    assert_eq!(renamed.1["tag"], keyturn_protocol::wire::device_tag(&a));
    let listed = server.machines(&key).await;
    assert_eq!(name_of(&listed, &a), "Studio PC");
    assert_eq!(name_of(&listed, &b), "laptop", "only the renamed device changed");

    // A renewal and a repeated activation send the old name (the hostname): the chosen one stays.
    let (status, _) = server
        .send(
            Method::PATCH,
            &format!("/v1/activations/{a}"),
            Some(activation_body(&key, "fp-a")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let again = server.activate(&key, "fp-a").await;
    assert_eq!(again.1["machine"]["name"], "Studio PC", "{}", again.1);
    assert_eq!(name_of(&server.machines(&key).await, &a), "Studio PC");

    // Another device of the same license may not rename this one, nor this one another's.
    let stolen = server.post(&path(&a), rename_body(&key, "fp-b", "Mine now")).await;
    step("other device's fingerprint", &stolen);
    assert_eq!(
        (stolen.0, code(&stolen.1)),
        (StatusCode::CONFLICT, "FINGERPRINT_MISMATCH")
    );
    let pushed = server.post(&path(&b), rename_body(&key, "fp-a", "Yours")).await;
    step("renaming another device", &pushed);
    assert_eq!(code(&pushed.1), "FINGERPRINT_MISMATCH");
    // Another license's activation does not exist for this key, whatever the fingerprint.
    let foreign = server.post(&path(&c), rename_body(&key, "fp-c", "Taken")).await;
    step("another license's activation", &foreign);
    assert_eq!(
        (foreign.0, code(&foreign.1)),
        (StatusCode::NOT_FOUND, "ACTIVATION_NOT_FOUND")
    );
    let gone = server
        .post(&path("act_00000000000000000000"), rename_body(&key, "fp-a", "X"))
        .await;
    step("no such activation", &gone);
    assert_eq!(code(&gone.1), "ACTIVATION_NOT_FOUND");

    // Names that cannot be used: nothing changes.
    for (what, bad) in [
        ("empty name", String::new()),
        ("blank name", "   ".to_string()),
        ("65 characters", "é".repeat(65)),
        ("line break", "two\nlines".to_string()),
        ("escape", "red\u{1b}[31m".to_string()),
    ] {
        let refused = server.post(&path(&a), rename_body(&key, "fp-a", &bad)).await;
        step(what, &refused);
        assert_eq!(
            (refused.0, code(&refused.1)),
            (StatusCode::BAD_REQUEST, "INVALID_DEVICE_NAME"),
            "{what}"
        );
    }
    let longest = server.post(&path(&a), rename_body(&key, "fp-a", &"é".repeat(64))).await;
    step("64 characters", &longest);
    assert_eq!(longest.0, StatusCode::OK);
    let unknown_field = server
        .post(
            &path(&a),
            json!({"key": key, "fingerprint": "fp-a", "name": "X", "admin": true}),
        )
        .await;
    step("unknown field", &unknown_field);
    assert_eq!(code(&unknown_field.1), "BAD_REQUEST");
    let typo = server.post(&path(&a), rename_body("nope", "fp-a", "X")).await;
    step("malformed key", &typo);
    assert_eq!(code(&typo.1), "INVALID_KEY_FORMAT");
    for c in [&c, &b] {
        assert_ne!(
            name_of(&server.machines(if *c == b { &key } else { &other_key }).await, c),
            "X"
        );
    }
    assert_eq!(name_of(&server.machines(&key).await, &a), "é".repeat(64));

    // A suspended license renames nothing.
    server.cli(&["license", "suspend", "--license", &key]);
    let suspended = server.post(&path(&a), rename_body(&key, "fp-a", "Later")).await;
    step("suspended license", &suspended);
    assert_eq!((suspended.0, code(&suspended.1)), (StatusCode::FORBIDDEN, "SUSPENDED"));

    // The event log: who renamed what, and every refusal with its code.
    let (_, page) = server.admin(Method::GET, "/events?action=rename&limit=50", None).await;
    let events = page["events"].as_array().unwrap();
    let ok = events.iter().filter(|e| e["outcome"] == "OK").collect::<Vec<_>>();
    assert_eq!(ok.len(), 2, "{page}");
    let first = ok.last().unwrap();
    assert_eq!(first["detail"], "\"host-fp-a\" -> \"Studio PC\"");
    assert_eq!(first["activation_id"], a.as_str());
    assert!(first["actor"].as_str().unwrap().starts_with("client "));
    assert!(first["license_id"].as_str().unwrap().starts_with("lic_"));
    let refused: Vec<&str> = events
        .iter()
        .filter_map(|e| e["outcome"].as_str())
        .filter(|o| *o != "OK")
        .collect();
    for expected in [
        "FINGERPRINT_MISMATCH",
        "ACTIVATION_NOT_FOUND",
        "INVALID_DEVICE_NAME",
        "SUSPENDED",
    ] {
        assert!(refused.contains(&expected), "no {expected} event in {page}");
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_device_itself_renames_it_the_same_on_sqlite_and_postgresql() {
    let on_sqlite = script(&Server::options().store(Store::Sqlite).start()).await;
    let on_postgres = script(&Server::options().store(Store::Postgres).start()).await;
    assert_eq!(on_sqlite, on_postgres, "SQLite left, PostgreSQL right");
}
