//! Exact under load: 1,000 concurrent checkouts on 7 seats, one server and two PostgreSQL replicas.

use super::helpers::*;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

/// 1,000 checkouts at once from 1,000 devices on a 7-seat license, against `urls` in turn.
async fn thousand_checkouts(urls: &[String], key: &str) -> (usize, usize) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let start = Arc::new(tokio::sync::Barrier::new(1000));
    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (http, url, key, start) = (
            http.clone(),
            urls[i % urls.len()].clone(),
            key.to_string(),
            start.clone(),
        );
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let resp = http
                .post(format!("{url}/v1/leases"))
                .json(&json!({"key": key, "fingerprint": format!("device-{i}")}))
                .send()
                .await
                .expect("request");
            let status = resp.status();
            (status, resp.json::<Value>().await.expect("JSON answer"))
        }));
    }
    let (mut admitted, mut full) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            (StatusCode::CREATED, _) => admitted += 1,
            (StatusCode::CONFLICT, body) if code(&body) == "SEATS_IN_USE" => full += 1,
            (status, body) => panic!("unexpected answer {status}: {body}"),
        }
    }
    (admitted, full)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_checkouts_on_seven_seats_admit_exactly_seven() {
    let server = Server::start();
    let key = floating(&server, 7);
    let (admitted, full) = thousand_checkouts(std::slice::from_ref(&server.url), &key).await;
    println!("1000 concurrent checkouts on a 7-seat floating license: {admitted} admitted, {full} refused");
    assert_eq!((admitted, full), (7, 993));
    let (_, list) = server
        .admin(Method::GET, &format!("/licenses/{key}/leases"), None)
        .await;
    assert_eq!(list["leases"].as_array().unwrap().len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_checkouts_over_two_postgres_replicas_admit_exactly_seven() {
    let db = postgres::fresh_database();
    let replicas = [Server::start_on(&db, &[]), Server::start_on(&db, &[])];
    let key = floating(&replicas[0], 7);
    let urls: Vec<String> = replicas.iter().map(|r| r.url.clone()).collect();
    let (admitted, full) = thousand_checkouts(&urls, &key).await;
    println!(
        "two replicas: 1000 concurrent checkouts on a 7-seat floating license: {admitted} admitted, {full} refused"
    );
    assert_eq!((admitted, full), (7, 993));
}
