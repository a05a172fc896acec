//! Several server replicas on one PostgreSQL database (always PostgreSQL, whatever store the rest
//! of the suite runs on): the seat limit holds across replicas, and SIGKILL of one replica loses
//! no activation it answered 201.

use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_activations_over_two_replicas_admit_exactly_seven() {
    let db = postgres::fresh_database();
    let replicas = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let key = replicas[0].fresh_license(7);
    let urls: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(1000));
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (http, url, key, start) = (http.clone(), urls[i % 2].clone(), key.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let resp = http
                .post(format!("{url}/v1/activations"))
                .json(&activation_body(&key, &format!("device-{i}")))
                .send()
                .await
                .expect("request");
            let status = resp.status();
            let body: Value = resp.json().await.expect("JSON answer");
            (i % 2, status, body)
        }));
    }
    let mut created = HashSet::new();
    let mut per_replica = [0usize; 2];
    let mut limited = 0;
    for t in tasks {
        let (replica, status, body) = t.await.unwrap();
        match status {
            StatusCode::CREATED => {
                created.insert(body["machine"]["id"].as_str().unwrap().to_string());
                per_replica[replica] += 1;
            }
            StatusCode::CONFLICT => {
                assert_eq!(code(&body), "MACHINE_LIMIT_EXCEEDED");
                limited += 1;
            }
            other => panic!("unexpected answer {other}: {body}"),
        }
    }
    println!("two replicas: 1000 concurrent activations on a limit-7 license: {} admitted ({:?} per replica), {limited} refused", created.len(), per_replica);
    assert_eq!((created.len(), limited), (7, 993));
    assert_eq!(machine_ids(&db, &key), created);
    for r in &replicas {
        let (_, v) = r.validate(&key, "nobody").await;
        assert_eq!(v["license"]["seats_used"], 7);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_one_replica_loses_no_answered_activation() {
    let db = postgres::fresh_database();
    let mut killed = Server::start_on(&db, &[]);
    let survivor = Server::start_on(&db, &[]);
    let key = survivor.fresh_license(1_000_000);
    let load = load::ActivationLoad::start(&[killed.url.clone(), survivor.url.clone()], &key, 16);
    load.wait_for(400, Duration::from_secs(20)).await;
    killed.kill(); // SIGKILL
                   // The survivor keeps serving while its peer is gone.
    let before = load.answered();
    eventually(
        "activations on the survivor after the kill",
        Duration::from_secs(20),
        || async { load.answered() >= before + 50 },
    )
    .await;
    let answered = load.finish().await;
    let stored = machine_ids(&db, &key);
    let lost: Vec<_> = answered.difference(&stored).collect();
    println!(
        "two replicas, one SIGKILLed under load: {} answered 201, {} stored, {} lost",
        answered.len(),
        stored.len(),
        lost.len()
    );
    assert!(answered.len() >= 100, "only {} activations answered", answered.len());
    assert!(lost.is_empty(), "lost {} answered activations", lost.len());
    let (_, v) = survivor.validate(&key, "nobody").await;
    assert_eq!(v["license"]["seats_used"].as_u64().unwrap() as usize, stored.len());
}

/// Validate answers from memory on each replica while nothing changed; a change committed on one
/// replica (an admin suspending the license, the CLI changing the database) reaches the other's
/// answers within a second, and the other keeps up with many changes in a row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_one_replica_is_seen_by_validate_on_the_other_within_a_second() {
    let db = postgres::fresh_database();
    let (a, b) = (Server::start_on(&db, &[]), Server::start_on(&db, &[]));
    let key = a.fresh_license(3);
    assert_eq!(a.activate(&key, "fp-1").await.0, StatusCode::CREATED);
    // B reads and keeps the answer.
    for _ in 0..3 {
        assert_eq!(code(&b.validate(&key, "fp-1").await.1), "VALID");
    }
    let within_a_second = |what: &'static str, want: &'static str| {
        let (b, key) = (&b, key.clone());
        async move {
            let started = std::time::Instant::now();
            eventually(what, Duration::from_secs(1), || async {
                code(&b.validate(&key, "fp-1").await.1) == want
            })
            .await;
            started.elapsed()
        }
    };
    let (status, _) = a
        .admin(reqwest::Method::POST, &format!("/licenses/{key}/suspend"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let took = within_a_second("B to see the suspension", "SUSPENDED").await;
    println!("replica B saw the suspension after {took:?}");
    // A change by the admin CLI (no server involved in the write) reaches both.
    cli(&db, &["license", "reinstate", "--license", &key]);
    within_a_second("B to see the reinstatement", "VALID").await;
    assert_eq!(code(&a.validate(&key, "fp-1").await.1), "VALID");
    // Many changes in a row: B's last answer is the last change's.
    for i in 0..20 {
        let action = if i % 2 == 0 { "suspend" } else { "reinstate" };
        a.admin(reqwest::Method::POST, &format!("/licenses/{key}/{action}"), None)
            .await;
    }
    within_a_second("B to see the last of 20 changes", "VALID").await;
    a.admin(reqwest::Method::POST, &format!("/licenses/{key}/revoke"), None)
        .await;
    within_a_second("B to see the revocation", "REVOKED").await;
}

/// A replica or CLI command opening a database of this release leaves the tables alone: while
/// another connection reads `policies` in a long transaction (as a busy replica's requests do),
/// opening the store must not wait for that table's exclusive lock (`ALTER TABLE` takes it even
/// when there is nothing to add).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_current_database_takes_no_table_lock() {
    let db = postgres::fresh_database();
    let server = Server::start_on(&db, &[]);
    server.fresh_license(1);
    let (client, connection) = tokio_postgres::connect(&db, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("BEGIN; SELECT count(*) FROM policies; SELECT count(*) FROM activations;")
        .await
        .unwrap();
    let (done, opened) = std::sync::mpsc::channel();
    let cli_db = db.clone();
    std::thread::spawn(move || done.send(cli_run(&cli_db, &["product", "list"])));
    let run = opened.recv_timeout(Duration::from_secs(20));
    client.batch_execute("COMMIT").await.unwrap();
    let run = run.expect("the CLI waited for a table lock held by another connection's transaction");
    assert!(run.success(), "{}", run.stderr);
}
