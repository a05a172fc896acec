//! `keyturn-server keys …` on the store under test: the states a key goes through, the changes
//! refused with their reasons, the event log, and a restarted server signing with the promoted
//! key while tokens of the previous one still verify against the pinned list.

use keyturn_protocol::token;
use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn states(server: &Server) -> Vec<(String, String)> {
    let listed = json(&server.cli(&["keys", "list"]));
    listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kid"].as_str().unwrap().into(), k["state"].as_str().unwrap().into()))
        .collect()
}

/// The refusal's stderr.
fn refused(server: &Server, args: &[&str]) -> String {
    let (ok, _, err) = cli_raw(&server.db, args);
    assert!(!ok, "{args:?} was accepted");
    err
}

#[tokio::test]
async fn keys_move_from_next_to_active_to_previous_to_retired() {
    let mut server = Server::options().product("rot", "Rotated").start();
    let key = server.new_license(3);
    let (_, before) = server.activate(&key, "before").await;
    let first = states(&server);
    assert_eq!(first.len(), 1);
    let old_kid = first[0].0.clone();
    assert_eq!(first[0].1, "ACTIVE");

    // Nothing to promote, and the active key cannot be retired.
    assert!(refused(&server, &["keys", "promote"]).contains("no next key"));
    assert!(refused(&server, &["keys", "retire", "--kid", &old_kid]).contains("signs every new token"));
    assert!(refused(&server, &["keys", "retire", "--kid", "nope"]).contains("no key nope"));

    let next = json(&server.cli(&["keys", "add-next"]));
    let next_kid = next["kid"].as_str().unwrap().to_string();
    assert_eq!(next["state"], "NEXT");
    assert!(refused(&server, &["keys", "add-next"]).contains("next key already"));
    json(&server.cli(&["keys", "promote"]));
    assert_eq!(
        states(&server),
        [
            (old_kid.clone(), "PREVIOUS".to_string()),
            (next_kid.clone(), "ACTIVE".to_string())
        ]
    );
    let pinned: Vec<token::TokenVerifyingKey> = json(&server.cli(&["keys", "list"]))["public_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| token::parse_public_key(k.as_str().unwrap()).unwrap())
        .collect();

    // A restarted server signs with the new key; the old token still verifies against the list.
    server.stop();
    let restarted = Server::start_on(&server.db, &[]);
    let (status, after) = restarted.activate(&key, "after").await;
    assert_eq!(status, StatusCode::CREATED, "{after}");
    let after_token = after["token"].as_str().unwrap();
    assert_eq!(token::token_key_id(after_token).unwrap(), Some(next_kid.clone()));
    let before_token = before["token"].as_str().unwrap();
    assert_eq!(token::token_key_id(before_token).unwrap(), Some(old_kid.clone()));
    token::verify_any(after_token, &pinned).unwrap();
    token::verify_any(before_token, &pinned).unwrap();

    restarted.cli(&["keys", "retire", "--kid", &old_kid]);
    assert_eq!(states(&restarted)[0], (old_kid.clone(), "RETIRED".to_string()));
    let listed = json(&restarted.cli(&["keys", "list"]));
    assert_eq!(listed["public_keys"].as_array().unwrap().len(), 1);
    // Every change is in the event log, naming the key.
    let events = json(&restarted.cli(&["events", "--action", "signing_key_retire"]));
    assert_eq!(events["events"][0]["detail"], format!("kid {old_kid}"));
    assert_eq!(events["events"][0]["actor"], "cli");
}

/// The keys a running server signs with and accepts now (`GET /admin/v1/public-key`).
async fn served_keys(server: &Server) -> (String, usize) {
    let (status, body) = server.admin(reqwest::Method::GET, "/public-key", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let public_keys = body["public_keys"].as_array().map(Vec::len).unwrap_or(0);
    (body["public_key"].as_str().unwrap().to_string(), public_keys)
}

/// Two servers on one database (SQLite: two processes on the file; PostgreSQL: two replicas)
/// take in `keys promote` and `keys retire` by themselves, without a restart, within seconds.
#[tokio::test]
async fn running_servers_take_in_a_promoted_and_a_retired_key_without_a_restart() {
    let first = Server::options().product("rot", "Rotated").start();
    let second = Server::start_on(&first.db, &[]);
    let key = first.new_license(4);
    let old_kid = states(&first)[0].0.clone();
    let next = json(&first.cli(&["keys", "add-next"]));
    let (next_kid, next_public) = (
        next["kid"].as_str().unwrap().to_string(),
        next["public_key"].as_str().unwrap().to_string(),
    );
    for server in [&first, &second] {
        let (status, body) = server.activate(&key, &format!("before-{}", server.pid())).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let signed = body["token"].as_str().unwrap();
        assert_eq!(
            token::token_key_id(signed).unwrap(),
            Some(old_kid.clone()),
            "a NEXT key signs nothing"
        );
    }

    first.cli(&["keys", "promote"]);
    for server in [&first, &second] {
        eventually("the promoted key in use", std::time::Duration::from_secs(10), || {
            let expected = (next_public.clone(), 2);
            async move { served_keys(server).await == expected }
        })
        .await;
        let (status, body) = server.activate(&key, &format!("after-{}", server.pid())).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let signed = body["token"].as_str().unwrap();
        assert_eq!(token::token_key_id(signed).unwrap(), Some(next_kid.clone()));
    }

    first.cli(&["keys", "retire", "--kid", &old_kid]);
    for server in [&first, &second] {
        eventually("the retired key dropped", std::time::Duration::from_secs(10), || {
            let expected = (next_public.clone(), 1);
            async move { served_keys(server).await == expected }
        })
        .await;
    }
    assert!(
        first.logs().contains("signing keys changed in the database"),
        "{}",
        first.logs()
    );
}
