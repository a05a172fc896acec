//! A PostgreSQL database whose default isolation is stricter than READ COMMITTED (a DBA's
//! `ALTER DATABASE … SET default_transaction_isolation`) changes nothing: the server's
//! connections keep READ COMMITTED, so concurrent activations of one license end as the seat
//! limit says, without serialization failures answered as 500, and webhooks still go out.
//! Always PostgreSQL.

mod webhook_receiver;

use keyturn_testkit::*;
use reqwest::StatusCode;
use std::time::Duration;
use webhook_receiver::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stricter_default_isolation_changes_nothing() {
    let db = postgres::fresh_database();
    let name = db.rsplit('/').next().unwrap().to_string();
    let (ok, out) = postgres::cluster().psql(
        "postgres",
        &format!("ALTER DATABASE {name} SET default_transaction_isolation TO 'repeatable read'"),
    );
    assert!(ok, "{out}");
    let server = Server::start_on(&db, &[]);
    let (receiver, url) = Receiver::start(0).await;
    add_endpoint(&server, &url, &["activate"]).await;
    let key = server.fresh_license(5);
    let mut tries = tokio::task::JoinSet::new();
    for n in 0..16 {
        let (http, base, key) = (server.http.clone(), server.url.clone(), key.clone());
        tries.spawn(async move {
            let body = serde_json::json!({"key": key, "fingerprint": format!("iso-{n}"), "name": "d", "platform": "linux-x86_64"});
            let answer = http.post(format!("{base}/v1/activations")).json(&body).send().await.unwrap();
            answer.status()
        });
    }
    let statuses: Vec<StatusCode> = tries.join_all().await;
    let created = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert_eq!(created, 5, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || s.is_client_error()),
        "{statuses:?}"
    );
    eventually("the five activations delivered", Duration::from_secs(20), || async {
        receiver.delivered().len() == 5
    })
    .await;
}
