//! Seat limits and uniqueness under concurrency, and durability across SIGKILL.

use keyturn_testkit::*;
use reqwest::StatusCode;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_distinct_activations_admit_exactly_the_limit() {
    let server = Arc::new(Server::start());
    let key = server.fresh_license(5);
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (server, key) = (server.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            server.activate(&key, &format!("device-{i}")).await
        }));
    }
    let mut created = HashSet::new();
    let mut limited = 0;
    for t in tasks {
        let (status, v) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                created.insert(v["machine"]["id"].as_str().unwrap().to_string());
            }
            StatusCode::CONFLICT => {
                assert_eq!(code(&v), "MACHINE_LIMIT_EXCEEDED");
                limited += 1;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    println!(
        "race (a): 200 concurrent distinct activations on a limit-5 license: {} admitted, {limited} refused",
        created.len()
    );
    assert_eq!(created.len(), 5);
    assert_eq!(limited, 195);
    assert_eq!(machine_ids(&server.db, &key), created);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_same_fingerprint_activations_make_one_activation() {
    let server = Arc::new(Server::start());
    let key = server.fresh_license(5);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (server, key) = (server.clone(), key.clone());
        tasks.push(tokio::spawn(
            async move { server.activate(&key, "the-one-device").await },
        ));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        let (status, v) = t.await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{v}");
        ids.insert(v["machine"]["id"].as_str().unwrap().to_string());
    }
    println!(
        "race (b): 50 concurrent activations of one fingerprint: {} distinct activation(s)",
        ids.len()
    );
    assert_eq!(ids.len(), 1);
    assert_eq!(machine_ids(&server.db, &key), ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_answered_activation() {
    let test_db = Database::under_test();
    let db = test_db.db.as_str();
    let mut server = Server::start_on(db, &[]);
    let key = server.fresh_license(1_000_000);
    let load = load::ActivationLoad::start(std::slice::from_ref(&server.url), &key, 16);
    // Kill once a good number of activations were answered (or after 20 s at most).
    load.wait_for(400, Duration::from_secs(20)).await;
    server.kill(); // SIGKILL
    let answered = load.finish().await;
    assert!(
        answered.len() >= 100,
        "only {} activations before the kill",
        answered.len()
    );
    drop(server);

    let restarted = Server::start_on(db, &[]);
    let stored = machine_ids(&restarted.db, &key);
    let lost: Vec<_> = answered.difference(&stored).collect();
    println!(
        "race (c): SIGKILL under load: {} activations answered 201 before the kill, {} stored after restart, {} lost",
        answered.len(),
        stored.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "lost {} answered activations", lost.len());
    // The restarted server serves them.
    let (status, v) = restarted.validate(&key, "w0-0").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "VALID"));
}
