//! Per-request cost independent of the license's size: paged machine listings (client API,
//! admin API, CLI), a bounded MACHINE_LIMIT_EXCEEDED list (the longest unseen first) with the
//! total, and the seat counter kept through every way a seat is taken or freed.

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["machines"]
        .as_array()
        .unwrap_or_else(|| panic!("no machines in {page}"))
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// Activates `fps` in order; returns their activation ids.
async fn activate_all(server: &Server, key: &str, fps: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for fp in fps {
        let (status, v) = server.activate(key, fp).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        out.push(v["machine"]["id"].as_str().unwrap().to_string());
    }
    out
}

fn fps(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("device-{i:02}")).collect()
}

#[tokio::test]
async fn client_listing_pages_in_activation_order() {
    let server = Server::start();
    let key = server.fresh_license(7);
    let expected = activate_all(&server, &key, &fps(7)).await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut sizes = Vec::new();
    loop {
        let mut body = json!({"key": key, "fingerprint": "device-04", "limit": 3});
        if let Some(a) = &after {
            body["after"] = json!(a);
        }
        let (status, page) = server.post("/v1/machines", body).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["license"]["seats_used"], 7);
        sizes.push(ids(&page).len());
        for m in page["machines"].as_array().unwrap() {
            assert_eq!(m["is_this_device"], m["name"] == "host-device-04");
        }
        seen.extend(ids(&page));
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(seen, expected);
    // Without paging fields (older clients): the first page of the default size, all 7 here.
    let (_, all) = server.post("/v1/machines", json!({"key": key})).await;
    assert_eq!(ids(&all), expected);
    assert!(all.get("next").is_none(), "{all}");
}

#[tokio::test]
async fn an_exact_last_page_has_no_next_and_a_freed_seat_keeps_the_cursor_valid() {
    let server = Server::start();
    let key = server.fresh_license(4);
    let acts = activate_all(&server, &key, &fps(4)).await;
    let (_, first) = server.post("/v1/machines", json!({"key": key, "limit": 2})).await;
    assert_eq!(ids(&first), acts[..2]);
    let next = first["next"].as_str().unwrap().to_string();
    // The last machine of the first page goes away: the next page still starts after it.
    let (status, _) = server
        .post(&format!("/v1/activations/{}/deactivate", acts[1]), json!({"key": key}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, second) = server
        .post("/v1/machines", json!({"key": key, "limit": 2, "after": next}))
        .await;
    assert_eq!(ids(&second), acts[2..]);
    assert!(second.get("next").is_none(), "{second}");
    assert_eq!(second["license"]["seats_used"], 3);
}

#[tokio::test]
async fn bad_pages_are_refused_with_a_code() {
    let server = Server::start();
    let key = server.fresh_license(1);
    for body in [
        json!({"key": key, "limit": 0}),
        json!({"key": key, "limit": 501}),
        json!({"key": key, "after": "act_123"}),
        json!({"key": key, "after": "-5"}),
        json!({"key": key, "limit": "ten"}),
    ] {
        let (status, v) = server.post("/v1/machines", body.clone()).await;
        assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"), "{body}");
    }
    let id = server.cli(&["license", "show", "--license", &key]);
    let id: Value = serde_json::from_str(&id).unwrap();
    let id = id["id"].as_str().unwrap();
    for query in ["limit=0", "after=x", "limit=abc", "colour=red"] {
        let (status, v) = server
            .admin(Method::GET, &format!("/licenses/{id}/machines?{query}"), None)
            .await;
        assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"), "{query}");
    }
    let (ok, _, err) = cli_raw(&server.db, &["license", "machines", "--license", &key, "--limit", "0"]);
    assert!(!ok && err.contains("BAD_REQUEST"), "{err}");
}

#[tokio::test]
async fn admin_api_and_cli_page_the_same_way() {
    let server = Server::start();
    let key = server.fresh_license(5);
    let acts = activate_all(&server, &key, &fps(5)).await;
    let (status, page) = server
        .admin(Method::GET, &format!("/licenses/{key}/machines?limit=4"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((ids(&page), page["total"].clone()), (acts[..4].to_vec(), json!(5)));
    let next = page["next"].as_str().unwrap();
    let cli: Value = serde_json::from_str(&server.cli(&[
        "license",
        "machines",
        "--license",
        &key,
        "--limit",
        "4",
        "--after",
        next,
    ]))
    .unwrap();
    assert_eq!(
        (ids(&cli), cli["total"].clone(), cli["next"].clone()),
        (acts[4..].to_vec(), json!(5), Value::Null)
    );
    assert!(cli["machines"][0]["valid_until"].is_i64());
}

#[tokio::test]
async fn the_limit_answer_lists_at_most_twenty_longest_unseen_first_with_the_total() {
    let server = Server::start();
    let key = server.fresh_license(25);
    let devices = fps(25);
    let acts = activate_all(&server, &key, &devices).await;
    // Later, the first ten devices check in again: they are the freshest now.
    server.set_clock_offset(100).await;
    activate_all(&server, &key, &devices[..10]).await;
    let (status, v) = server.activate(&key, "one-too-many").await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"));
    assert_eq!(v["machines_total"], 25);
    assert_eq!(v["license"]["seats_used"], 25);
    let listed = ids(&v);
    let mut expected: Vec<String> = acts[10..].to_vec();
    expected.extend(acts[..5].iter().cloned());
    assert_eq!(listed, expected);
    let seen: Vec<i64> = v["machines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["last_seen_at"].as_i64().unwrap())
        .collect();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
}

#[tokio::test]
async fn the_seat_count_follows_every_way_a_seat_is_taken_or_freed() {
    let server = Server::start();
    let key = server.fresh_license(10);
    let acts = activate_all(&server, &key, &fps(6)).await;
    let seats = |v: &Value| v["license"]["seats_used"].as_u64().unwrap();
    // Activating a bound device again takes no seat.
    let (_, again) = server.activate(&key, "device-00").await;
    assert_eq!(seats(&again), 6);
    // Client deactivation, admin removal (API and CLI), then reset.
    server
        .post(&format!("/v1/activations/{}/deactivate", acts[0]), json!({"key": key}))
        .await;
    let (status, _) = server
        .admin(Method::DELETE, &format!("/licenses/{key}/machines/{}", acts[1]), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    server.cli(&["license", "remove-machine", "--license", &key, "--machine", &acts[2]]);
    let (_, v) = server.validate(&key, "device-05").await;
    assert_eq!((code(&v), seats(&v)), ("VALID", 3));
    let shown: Value = serde_json::from_str(&server.cli(&["license", "show", "--license", &key])).unwrap();
    assert_eq!(shown["seats_used"], 3);
    assert_eq!(server.cli(&["license", "reset", "--license", &key]), "3");
    let (_, v) = server.validate(&key, "device-05").await;
    assert_eq!((code(&v), seats(&v)), ("FINGERPRINT_NOT_FOUND", 0));
    let (_, v) = server.activate(&key, "device-05").await;
    assert_eq!(seats(&v), 1);
}
