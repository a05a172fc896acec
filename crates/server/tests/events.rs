//! The event log: client outcomes (refusals with their code), admin actions from the API and
//! the CLI, read back page by page over the admin API and the CLI; admin token guessing throttled.

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn events(server: &Server, query: &str) -> Value {
    let (status, page) = server.admin(Method::GET, &format!("/events?{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, o)| (a.to_string(), o.to_string())).collect()
}

fn summary(page: &Value) -> Vec<(String, String)> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_outcome_is_logged_with_actor_and_paged_newest_first() {
    let server = Server::start();
    let key = server.fresh_license(1);
    let (status, act) = server.activate(&key, "dev-a").await;
    assert_eq!(status, StatusCode::CREATED);
    let activation = act["machine"]["id"].as_str().unwrap().to_string();
    let license = act["license"]["id"].as_str().unwrap().to_string();
    let (status, _) = server.activate(&key, "dev-b").await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = server
        .send(
            Method::PATCH,
            &format!("/v1/activations/{activation}"),
            Some(activation_body(&key, "dev-a")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .admin(Method::POST, &format!("/licenses/{license}/suspend"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server.activate(&key, "dev-a").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The server writes its events in the background; reading the log waits for them, so the
    // CLI's own event (written straight to the file) comes after them.
    events(&server, "limit=1").await;
    server.cli(&["license", "reinstate", "--license", &license]);
    let (status, _) = server
        .post(&format!("/v1/activations/{activation}/deactivate"), json!({"key": key}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let page = events(&server, &format!("license_id={license}")).await;
    assert_eq!(
        summary(&page),
        pairs(&[
            ("deactivate", "OK"),
            ("reinstate", "OK"),
            ("activate", "SUSPENDED"),
            ("suspend", "OK"),
            ("renew", "OK"),
            ("activate", "MACHINE_LIMIT_EXCEEDED"),
            ("activate", "OK"),
            ("create_license", "OK"),
        ])
    );
    let all = page["events"].as_array().unwrap();
    assert!(all.iter().all(|e| e["license_id"] == license.as_str()));
    assert_eq!(all[0]["activation_id"], activation.as_str());
    assert_eq!(all[6]["activation_id"], activation.as_str());
    assert!(all[6]["actor"].as_str().unwrap().starts_with("client 127.0.0.1"));
    assert!(all[3]["actor"].as_str().unwrap().starts_with("admin-api 127.0.0.1"));
    assert_eq!(all[1]["actor"], "cli");
    assert_eq!(all[7]["actor"], "cli");
    assert!(all.windows(2).all(|w| w[0]["id"].as_i64() > w[1]["id"].as_i64()));
    let text = page.to_string();
    assert!(
        !text.contains(&key) && !text.contains(&key.replace('-', "")),
        "a key leaked into the log"
    );

    // Page by page (also by key), the same events in the same order, then the end.
    let mut walked = Vec::new();
    let mut before = String::new();
    loop {
        let page = events(&server, &format!("license_id={key}&limit=3{before}")).await;
        walked.extend(summary(&page));
        match page["next_before"].as_i64() {
            Some(id) => before = format!("&before={id}"),
            None => break,
        }
    }
    assert_eq!(walked, summary(&page));

    // The CLI reads the same log.
    let cli: Value = serde_json::from_str(&server.cli(&["events", "--license", &key, "--limit", "2"])).unwrap();
    assert_eq!(summary(&cli), summary(&page)[..2].to_vec());
    let older: Value = serde_json::from_str(&server.cli(&[
        "events",
        "--license",
        &license,
        "--before",
        &cli["next_before"].to_string(),
        "--action",
        "activate",
    ]))
    .unwrap();
    assert_eq!(summary(&older).len(), 3);
}

#[tokio::test]
async fn trials_unknown_keys_and_admin_changes_are_logged() {
    let server = Server::start();
    server.cli(&["demo"]);
    let (status, trial) = server
        .post(
            "/v1/trials",
            json!({"product_id": "demo", "fingerprint": "t-1", "name": "Laptop"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{trial}");
    let (status, _) = server
        .post("/v1/trials", json!({"product_id": "demo", "fingerprint": "t-1"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let page = events(&server, "action=trial").await;
    assert_eq!(summary(&page), pairs(&[("trial", "TRIAL_USED"), ("trial", "OK")]));
    assert_eq!(page["events"][1]["license_id"], trial["license"]["id"]);
    assert!(page["events"][1]["detail"].as_str().unwrap().contains("Laptop"));

    let (_, policy) = server.product_policy(2, &[]);
    let (status, created) = server
        .admin(Method::POST, "/licenses", Some(json!({"policy_id": policy})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["license"]["id"].as_str().unwrap();
    let (status, _) = server
        .admin(
            Method::POST,
            &format!("/licenses/{id}/extend"),
            Some(json!({"expires_at": 2000000000})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = events(&server, &format!("license_id={id}")).await;
    assert_eq!(summary(&page), pairs(&[("extend", "OK"), ("create_license", "OK")]));
    assert_eq!(page["events"][0]["detail"], "expires at 2000000000");

    // A well-formed key that matches no license: refused, logged without a license.
    let unknown = keyturn_protocol::LicenseKey::from_random_bytes([7; 18]).to_string();
    let (status, v) = server.activate(&unknown, "x").await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let page = events(&server, "action=activate").await;
    assert_eq!(page["events"][0]["outcome"], "NOT_FOUND");
    assert_eq!(page["events"][0]["license_id"], Value::Null);
}

#[tokio::test]
async fn bad_event_queries_get_a_clear_error() {
    let server = Server::start();
    for (query, status, code_) in [
        ("limit=0", StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        ("limit=501", StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        ("limit=abc", StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        ("colour=red", StatusCode::BAD_REQUEST, "BAD_REQUEST"),
        ("license_id=lic_nope", StatusCode::NOT_FOUND, "NOT_FOUND"),
    ] {
        let (got, v) = server.admin(Method::GET, &format!("/events?{query}"), None).await;
        assert_eq!((got, code(&v)), (status, code_), "{query}: {v}");
    }
    let (ok, _, err) = cli_raw(&server.db, &["events", "--limit", "0"]);
    assert!(!ok && err.contains("BAD_REQUEST"), "{err}");
}

#[tokio::test]
async fn admin_token_guessing_is_throttled_per_address() {
    let server = Server::start();
    let url = format!("{}/admin/v1/products", server.url);
    for i in 0..10 {
        let resp = server
            .http
            .get(&url)
            .bearer_auth(format!("guess-{i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let resp = server.http.get(&url).bearer_auth("guess-10").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], "RATE_LIMITED");
    // While throttled even the right token waits: guessing gains nothing.
    let (status, v) = server.admin(Method::GET, "/products", None).await;
    assert_eq!((status, code(&v)), (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED"));
}

/// Old events go: `prune-events` from the CLI, and `serve --keep-events-days` when it starts.
#[tokio::test]
async fn old_events_are_pruned_by_the_cli_and_by_a_server_that_keeps_some_days() {
    let server = Server::start();
    let key = server.fresh_license(10);
    let day = 86_400;
    // Activations dated 10 days ago (two), 3 days ago and now: the test clock dates the events.
    for (offset, device) in [(-10 * day, "d1"), (-10 * day, "d2"), (-3 * day, "d3"), (0, "d4")] {
        server.set_clock_offset(offset).await;
        assert_eq!(server.activate(&key, device).await.0, StatusCode::CREATED);
    }
    let ages = |page: &Value| -> Vec<i64> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let mut ages: Vec<i64> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "activate")
            .map(|e| (now - e["at"].as_i64().unwrap() + day / 2) / day)
            .collect();
        ages.sort();
        ages
    };
    assert_eq!(ages(&events(&server, "limit=500").await), [0, 3, 10, 10]);

    assert_eq!(server.cli(&["prune-events", "--older-than-days", "5"]), "2");
    assert_eq!(ages(&events(&server, "limit=500").await), [0, 3]);
    assert_eq!(
        server.cli(&["prune-events", "--older-than-days", "5"]),
        "0",
        "nothing left to prune"
    );

    // A server that keeps 2 days removes the 3-day-old event when it starts.
    let keeper = Server::start_on(&server.db, &["--keep-events-days", "2"]);
    eventually(
        "the 3-day-old event is gone",
        std::time::Duration::from_secs(10),
        || async { ages(&events(&keeper, "limit=500").await) == [0] },
    )
    .await;
    eventually(
        "the server says so in its log",
        std::time::Duration::from_secs(10),
        || async { keeper.logs().contains("old events removed") },
    )
    .await;
}
