//! Webhooks out on PostgreSQL at the edges of the cursor design (`crate::domain::webhooks::intake`):
//! a rolling upgrade, where a replica of the previous release still writes a delivery row with
//! each event and registers endpoints without a cursor, and a database restored from a dump made
//! on another cluster, whose noted range names transaction ids this cluster has not reached.
//! Always PostgreSQL (both concern replicas and PostgreSQL's transaction ids).

mod webhook_receiver;

use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};
use webhook_receiver::*;

fn event_ids(delivered: &[Value]) -> Vec<i64> {
    delivered.iter().map(|d| d["event"]["id"].as_i64().unwrap()).collect()
}

/// For `window`, the receiver gets nothing more than it has (a negative check: nothing may come).
async fn nothing_more(receiver: &Receiver, window: Duration, why: &str) {
    let had = receiver.got().len();
    let end = Instant::now() + window;
    while Instant::now() < end {
        assert_eq!(receiver.got().len(), had, "{why}: {:?}", types(&receiver.delivered()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What a server of the previous release does in a change's transaction (its SQL, verbatim from
/// the release before the cursors): notes the last event id when endpoints exist, appends the
/// event, then writes a pending delivery (no sequence yet) for each subscribed endpoint of each
/// event after the noted id.
async fn old_replica_change(old: &mut tokio_postgres::Client, action: &str, now: i64) -> i64 {
    let tx = old.transaction().await.unwrap();
    let from: Option<i64> = tx
        .query_one(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints) \
             THEN (SELECT COALESCE(MAX(id), 0) FROM events) END",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let id: i64 = tx
        .query_one(
            "INSERT INTO events (at, action, outcome, actor, detail) VALUES ($1, $2, 'OK', 'old-replica', '') \
             RETURNING id",
            &[&now, &action],
        )
        .await
        .unwrap()
        .get(0);
    if let Some(from) = from {
        tx.execute(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, next_at, created_at) \
             SELECT s.endpoint_id, e.id, 'PENDING', $2, $2 FROM events e JOIN webhook_subscriptions s \
             ON s.event_type = '*' OR s.event_type = \
             CASE WHEN e.outcome = 'OK' THEN e.action ELSE e.action || '.refused' END \
             WHERE e.id > $1 ORDER BY e.id ON CONFLICT DO NOTHING",
            &[&from, &now],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    id
}

/// A rolling upgrade: replicas of this release and of the previous one share the database for a
/// while. An endpoint the old replica registers gets no event from before it; an event the old
/// replica commits (with its own delivery rows) neither overtakes an event committed before it
/// began nor comes twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_replica_beside_this_release_neither_floods_new_endpoints_nor_reorders() {
    let db = postgres::fresh_database();
    let (server, key, first) = activated_endpoint(&db, &["*"], 2).await;
    let mut old = connect(&db).await;
    let now = shop::unix_now();

    // The old replica registers an endpoint (its SQL: no cursor column) and notes it in the log.
    let (second, second_url) = Receiver::start(0).await;
    old.batch_execute(&format!(
        "INSERT INTO webhook_endpoints (id, url, secret, created_at) VALUES ('whk_old', '{second_url}', '{SECRET}', {now}); \
         INSERT INTO webhook_subscriptions (endpoint_id, event_type) VALUES ('whk_old', '*')"
    ))
    .await
    .unwrap();
    let registered = old_replica_change(&mut old, "add_webhook", now).await;
    eventually("the registration", Duration::from_secs(20), || async {
        first.delivered().len() == 3
    })
    .await;

    // Another writer draws an id and stays open: nothing after it is settled meanwhile.
    let (held_writer, held) = hold_open_event(&db).await;
    // A change on this release commits; then one on the old replica, begun after it.
    assert_eq!(server.activate(&key, "dev-b").await.0, StatusCode::CREATED);
    let late = old_replica_change(&mut old, "suspend", now).await;
    nothing_more(
        &first,
        Duration::from_secs(1),
        "the old replica's event overtook events committed before it began",
    )
    .await;
    held_writer.batch_execute("COMMIT").await.unwrap();

    eventually("every event at both endpoints", Duration::from_secs(20), || async {
        first.delivered().len() >= 6 && second.delivered().len() >= 4
    })
    .await;
    let delivered = first.delivered();
    assert_eq!(
        types(&delivered),
        ["add_webhook", "activate", "add_webhook", "reset", "activate", "suspend"]
    );
    let ids = event_ids(&delivered);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "not in commit order: {ids:?}");
    assert_eq!((ids[2], ids[3], ids[5]), (registered, held, late));
    assert_eq!(sequences(&delivered), [1, 2, 3, 4, 5, 6]);
    // The old replica's endpoint: from its own registration on, nothing before, each once.
    let delivered = second.delivered();
    assert_eq!(
        event_ids(&delivered),
        [registered, held, ids[4], late],
        "{:?}",
        types(&delivered)
    );
    assert_eq!(sequences(&delivered), [1, 2, 3, 4]);
    nothing_more(&first, Duration::from_millis(300), "an event came twice").await;
    assert_eq!(first.got().len() + second.got().len(), 10);
}

/// `pg_dump` of a running system restored onto another cluster (a new machine, a managed
/// database): the endpoint's noted range names a transaction id of the old cluster. This cluster
/// is not that far along; webhooks must still flow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_restored_on_another_cluster_keeps_delivering() {
    let db = postgres::fresh_database();
    let (mut server, key, receiver) = activated_endpoint(&db, &["activate"], 1).await;
    // Every claim notes the next range: the dump holds one.
    eventually("a noted range", Duration::from_secs(20), || async {
        !store::sql(&db, "SELECT COALESCE(MAX(settle_xmax), 0) FROM webhook_endpoints").starts_with('0')
    })
    .await;
    server.stop();
    let dump = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(dump.path(), postgres::dump(&db)).unwrap();
    let restored = postgres::fresh_database();
    postgres::load(&restored, dump.path());
    // The test has one cluster: the dump's transaction ids are moved to where another, busier
    // cluster's would be (this one has not assigned that many: the restored range is ahead).
    store::sql(
        &restored,
        "UPDATE webhook_endpoints SET settle_xmax = settle_xmax + 1000000000 RETURNING 'x'",
    );

    let server = Server::start_on(&restored, &[]);
    assert_eq!(server.activate(&key, "dev-b").await.0, StatusCode::CREATED);
    eventually("the activation after the restore", Duration::from_secs(20), || async {
        receiver.delivered().len() == 2
    })
    .await;
    let delivered = receiver.delivered();
    assert_eq!(types(&delivered), ["activate", "activate"]);
    assert_eq!(sequences(&delivered), [1, 2]);
}

/// An endpoint removed while a claim is taking events into its queue (a replica's claim holds
/// the endpoint's row while it writes deliveries): the removal waits for the claim and removes
/// what it wrote too, instead of failing on the rows written meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_removed_during_a_claim_is_removed_with_what_the_claim_queued() {
    let db = postgres::fresh_database();
    let server = Server::start_on(&db, &[]);
    let (receiver, url) = Receiver::start(0).await;
    let endpoint = add_endpoint(&server, &url, &["*"]).await;
    eventually("the endpoint's own event", Duration::from_secs(20), || async {
        receiver.delivered().len() == 1
    })
    .await;
    // A claim in progress (the test runs its statements, to hold it open): the endpoint's row
    // locked as `claim_endpoints` locks it, a new delivery queued as `queue_events` writes one.
    let mut claim = connect(&db).await;
    let claim = claim.transaction().await.unwrap();
    claim
        .execute(
            "SELECT id FROM webhook_endpoints WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED",
            &[&endpoint],
        )
        .await
        .unwrap();
    let event: i64 = claim
        .query_one(
            "INSERT INTO events (at, action, outcome, actor, detail) VALUES (0, 'reset', 'OK', 'test', '') RETURNING id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    claim
        .execute(
            "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, next_at, created_at, seq) \
             VALUES ($1, $2, 'PENDING', 0, 0, 2)",
            &[&endpoint, &event],
        )
        .await
        .unwrap();
    let removal = {
        let server_url = server.url.clone();
        let path = format!("{server_url}/admin/v1/webhooks/{endpoint}");
        tokio::spawn(async move {
            reqwest::Client::new()
                .delete(path)
                .bearer_auth(ADMIN_TOKEN)
                .send()
                .await
                .unwrap()
        })
    };
    // The removal waits for the claim's lock.
    eventually("the removal waiting", Duration::from_secs(20), || async {
        store::sql(
            &db,
            "SELECT CAST(COUNT(*) AS TEXT) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
             AND query LIKE '%webhook%' AND pid <> pg_backend_pid()",
        ) == "1"
    })
    .await;
    claim.commit().await.unwrap();
    let answer = removal.await.unwrap();
    let status = answer.status();
    assert_eq!(status, StatusCode::NO_CONTENT, "{}", answer.text().await.unwrap());
    assert_eq!(
        store::sql(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM webhook_deliveries"),
        "0"
    );
    let (status, list) = server.admin(reqwest::Method::GET, "/webhooks", None).await;
    assert_eq!((status, list), (StatusCode::OK, serde_json::json!([])));
}
