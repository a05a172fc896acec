//! A database of the previous webhook design (a delivery row written with each event; pending
//! rows numbered and not yet numbered) opened by this release, on the store under test: its
//! pending deliveries go out in order, exactly once, the events before its endpoint never, and
//! new events follow with the next sequence numbers.
//!
//! The previous release's database is made from a fresh one of this release: the webhook tables
//! are put back as the release before the cursors had them (its schema version recorded, the
//! cursor columns, the event id default and the queue index as they were) and its rows written
//! with its SQL.

mod webhook_receiver;

use keyturn_server::store::sqlite::schema::STEPS;
use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;
use webhook_receiver::*;

/// The schema version of the release before the cursors (the base and the steps before it).
fn previous_version() -> usize {
    1 + STEPS
        .iter()
        .position(|(name, _)| *name == "webhook cursors")
        .expect("the cursors' step")
}

/// Puts the webhook tables back as the previous release had them.
fn back_to_the_previous_design(db: &str) {
    let version = previous_version();
    let pending_index = "CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, event_id) \
                         WHERE state = 'PENDING'";
    if db.starts_with("postgres://") {
        run_sql(
            db,
            &format!(
                "ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq'); \
                 DROP FUNCTION keyturn_event_id(); \
                 DROP TRIGGER IF EXISTS webhook_deliveries_older_replica ON webhook_deliveries; \
                 DROP FUNCTION IF EXISTS keyturn_older_replica_delivery(); \
                 ALTER TABLE webhook_endpoints DROP COLUMN after_event, DROP COLUMN settle_upto, \
                 DROP COLUMN settle_xmax, DROP COLUMN last_seq; \
                 DROP FUNCTION IF EXISTS keyturn_last_event_id(); \
                 DROP INDEX webhook_deliveries_queue; {pending_index}; \
                 UPDATE meta SET v = convert_to('{version}', 'UTF8') WHERE k = 'schema_version'"
            ),
        );
    } else {
        run_sql(
            db,
            &format!(
                "DROP INDEX webhook_deliveries_queue; {pending_index}; \
                 ALTER TABLE webhook_endpoints DROP COLUMN after_event; \
                 ALTER TABLE webhook_endpoints DROP COLUMN last_seq; \
                 UPDATE meta SET v = CAST('{version}' AS BLOB) WHERE k = 'schema_version';"
            ),
        );
    }
}

fn number(db: &str, query: &str) -> i64 {
    store::sql(db, query).parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_deliveries_of_the_previous_design_go_out_in_order_once_then_new_events_follow() {
    let database = Database::under_test();
    let db = database.db.clone();
    let mut server = Server::start_on(&db, &[]);
    let key = server.fresh_license(5);
    server.stop();
    back_to_the_previous_design(&db);
    let log_before = number(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM events");
    assert!(log_before > 0, "the license's events are in the log");

    // The previous release's rows: an endpoint, five events after it, the first delivered, the
    // second failing (the head, retried), the third numbered, the last two not numbered yet (a
    // redeliver on either store; on PostgreSQL also a change committed since the last claim).
    let (receiver, url) = Receiver::start(0).await;
    let now = shop::unix_now();
    run_sql(
        &db,
        &format!(
            "INSERT INTO webhook_endpoints (id, url, secret, created_at) VALUES ('whk_prev', '{url}', '{SECRET}', {now}); \
             INSERT INTO webhook_subscriptions (endpoint_id, event_type) VALUES ('whk_prev', '*');"
        ),
    );
    let mut events = Vec::new();
    for (n, action) in ["suspend", "reinstate", "suspend", "reinstate", "suspend"]
        .iter()
        .enumerate()
    {
        let id = number(
            &db,
            &format!(
                "INSERT INTO events (at, action, outcome, actor, detail) VALUES ({now}, '{action}', 'OK', \
                 'previous-release', 'event {n}') RETURNING CAST(id AS TEXT)"
            ),
        );
        events.push(id);
    }
    let delivery = |event: i64, state: &str, attempts: u32, status: &str, seq: &str| {
        format!(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, attempts, next_at, last_status, created_at, seq) \
             VALUES ('whk_prev', {event}, '{state}', {attempts}, {now}, {status}, {now}, {seq});"
        )
    };
    run_sql(
        &db,
        &[
            delivery(events[0], "DELIVERED", 1, "200", "1"),
            delivery(events[1], "PENDING", 1, "500", "2"),
            delivery(events[2], "PENDING", 0, "NULL", "3"),
            delivery(events[4], "PENDING", 0, "NULL", "NULL"),
            delivery(events[3], "PENDING", 0, "NULL", "NULL"),
        ]
        .concat(),
    );

    let server = Server::start_on(&db, &[]);
    eventually("the pending deliveries", Duration::from_secs(20), || async {
        receiver.delivered().len() >= 4
    })
    .await;
    assert_eq!(server.activate(&key, "dev-new").await.0, StatusCode::CREATED);
    eventually("the new event", Duration::from_secs(20), || async {
        receiver.delivered().len() >= 5
    })
    .await;
    let delivered = receiver.delivered();
    let ids: Vec<i64> = delivered.iter().map(|d| d["event"]["id"].as_i64().unwrap()).collect();
    assert_eq!(&ids[..4], &events[1..], "{:?}", types(&delivered));
    assert_eq!(types(&delivered)[4], "activate");
    assert!(ids[4] > events[4]);
    assert_eq!(sequences(&delivered), [2, 3, 4, 5, 6]);
    // Exactly once: no request beyond these, and the log agrees.
    let log = deliveries(&server, "whk_prev").await;
    assert_eq!(log.len(), 6, "{log:?}");
    assert!(log.iter().all(|d| d["state"] == "DELIVERED"), "{log:?}");
    let mut logged: Vec<i64> = log.iter().map(|d| d["sequence"].as_i64().unwrap()).collect();
    logged.sort();
    assert_eq!(logged, [1, 2, 3, 4, 5, 6]);
    assert_eq!(receiver.got().len(), 5);
    let first: &Value = &delivered[0];
    assert_eq!(first["delivery_id"], log[4]["id"], "the failing head went first");
}
