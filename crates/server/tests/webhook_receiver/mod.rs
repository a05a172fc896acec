//! What the webhook tests share: a receiver (axum on 127.0.0.1, in the test) that records every
//! request in arrival order and can fail chosen attempts, and the admin calls for endpoints and
//! the delivery log.
#![allow(dead_code)]

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const SECRET: &str = "whsec_test_secret_0123456789";

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Got {
    pub signature: String,
    pub body: String,
    pub answered: u16,
}

impl Got {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
pub struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    /// Attempts still to fail with 500.
    pub failing: Arc<AtomicUsize>,
    /// Attempts still to fail with 500 for deliveries of this event type.
    failing_type: Arc<Mutex<Option<(String, usize)>>>,
    /// How long each answer takes (a receiver doing some work: widens any window in which two
    /// senders could overlap).
    work: Arc<Mutex<Duration>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
}

impl Receiver {
    /// Listens on 127.0.0.1 (a free port); answers 500 to its first `fail_first` requests.
    pub async fn start(fail_first: usize) -> (Receiver, String) {
        let receiver = Receiver::default();
        receiver.failing.store(fail_first, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hooks", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    /// Answers 500 to the first `attempts` deliveries of events of type `event_type`.
    pub fn fail_type(&self, event_type: &str, attempts: usize) {
        *self.failing_type.lock().unwrap() = Some((event_type.to_string(), attempts));
    }

    /// Takes `work` over each answer.
    pub fn work(&self, work: Duration) {
        *self.work.lock().unwrap() = work;
    }

    pub fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The bodies answered 2xx, in the order they came.
    pub fn delivered(&self) -> Vec<Value> {
        self.got().iter().filter(|g| g.answered == 200).map(Got::json).collect()
    }

    /// The requests it is answering now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// The most requests it was answering at one time.
    pub fn most_at_once(&self) -> usize {
        self.most_in_flight.load(Ordering::SeqCst)
    }
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> AxumStatus {
    let now = r.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    r.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let work = *r.work.lock().unwrap();
    if !work.is_zero() {
        tokio::time::sleep(work).await;
    }
    let event_type = serde_json::from_str::<Value>(&body).ok().map(|v| v["type"].clone());
    let fail_type = {
        let mut failing = r.failing_type.lock().unwrap();
        match failing.as_mut() {
            Some((t, n)) if *n > 0 && event_type.as_ref().and_then(Value::as_str) == Some(t.as_str()) => {
                *n -= 1;
                true
            }
            _ => false,
        }
    };
    let fail = fail_type
        || r.failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    let status = if fail {
        AxumStatus::INTERNAL_SERVER_ERROR
    } else {
        AxumStatus::OK
    };
    let signature = headers
        .get("keyturn-signature")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    r.got.lock().unwrap().push(Got {
        signature,
        body,
        answered: status.as_u16(),
    });
    r.in_flight.fetch_sub(1, Ordering::SeqCst);
    status
}

/// A server on `db` with a 5-seat license (its key) and an endpoint for `types` whose receiver
/// has got the `first` deliveries made up to the license's first activation (`dev-a`).
pub async fn activated_endpoint(db: &str, types: &[&str], first: usize) -> (Server, String, Receiver) {
    let server = Server::start_on(db, &[]);
    let key = server.fresh_license(5);
    let (receiver, url) = Receiver::start(0).await;
    add_endpoint(&server, &url, types).await;
    assert_eq!(server.activate(&key, "dev-a").await.0, StatusCode::CREATED);
    eventually("the first deliveries", Duration::from_secs(20), || async {
        receiver.delivered().len() == first
    })
    .await;
    (server, key, receiver)
}

pub async fn add_endpoint(server: &Server, url: &str, types: &[&str]) -> String {
    let (status, endpoint) = server
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": url, "event_types": types, "secret": SECRET})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{endpoint}");
    assert_eq!(endpoint["secret"], SECRET);
    endpoint["id"].as_str().unwrap().to_string()
}

/// The newest 500 deliveries (of one endpoint unless `endpoint` is empty), newest first.
pub async fn deliveries(server: &Server, endpoint: &str) -> Vec<Value> {
    let query = if endpoint.is_empty() {
        "?limit=500".to_string()
    } else {
        format!("?limit=500&endpoint_id={endpoint}")
    };
    let (status, page) = server
        .admin(Method::GET, &format!("/webhooks/deliveries{query}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["deliveries"].as_array().unwrap().clone()
}

pub async fn admin_ok(server: &Server, path: &str) {
    let (status, body) = server.admin(Method::POST, path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
}

pub fn types(list: &[Value]) -> Vec<String> {
    list.iter().map(|v| v["type"].as_str().unwrap().to_string()).collect()
}

/// The `sequence` numbers of these bodies, in their order.
pub fn sequences(list: &[Value]) -> Vec<i64> {
    list.iter()
        .map(|v| v["sequence"].as_i64().expect("a sequence number"))
        .collect()
}

/// Runs SQL statements on a database (a SQLite path or a PostgreSQL URL): for writing what
/// another process (an older release, the CLI) would have written.
/// A connection of its own to the PostgreSQL database `db` (another writer beside the server).
pub async fn connect(db: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(db, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Another writer's transaction on PostgreSQL that has drawn an event id (a `reset` event) and
/// stays open until the caller sends `COMMIT` on the connection; the connection and the id.
pub async fn hold_open_event(db: &str) -> (tokio_postgres::Client, i64) {
    let writer = connect(db).await;
    writer.batch_execute("BEGIN").await.unwrap();
    let held: i64 = writer
        .query_one(
            "INSERT INTO events (at, action, outcome, actor, detail) VALUES (0, 'reset', 'OK', 'test', 'held') \
             RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    (writer, held)
}

pub fn run_sql(db: &str, statements: &str) {
    if db.starts_with("postgres://") {
        let name = db.rsplit('/').next().unwrap();
        let (ok, out) = postgres::cluster().psql(name, statements);
        assert!(ok, "{statements}: {out}");
    } else {
        rusqlite::Connection::open(db)
            .unwrap()
            .execute_batch(statements)
            .unwrap();
    }
}
