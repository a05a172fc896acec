//! A backlog larger than one claim takes from the log (`intake::TAKE`, 1024) and sends
//! (`webhooks::PER_ENDPOINT`, 256), and a server SIGKILLed between claiming a batch and
//! recording its results: the batch's lease holds the endpoint until it ends, then the batch is
//! sent again (by the restarted server, or by the other PostgreSQL replica): nothing lost, nothing
//! skipped, in sequence order, a repeat only of what the killed server was sending.

mod webhook_receiver;

use keyturn_testkit::*;
use serde_json::Value;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use webhook_receiver::*;

/// Events the CLI wrote while no server ran (more than a claim takes, several batches to send).
const BACKLOG: usize = 1300;

/// The CLI's events, written with SQL as it writes them (`reset`, by an admin, no license).
fn events_written_while_down(db: &str) {
    let rows = format!(
        "SELECT {}, 'reset', 'OK', 'cli', 'backlog ' || n FROM g",
        shop::unix_now()
    );
    if db.starts_with("postgres://") {
        run_sql(
            db,
            &format!(
                "WITH g(n) AS (SELECT generate_series(1, {BACKLOG})) \
                 INSERT INTO events (at, action, outcome, actor, detail) {rows}"
            ),
        );
    } else {
        run_sql(
            db,
            &format!(
                "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {BACKLOG}) \
                 INSERT INTO events (at, action, outcome, actor, detail) {rows}"
            ),
        );
    }
}

/// Every delivery arrived, in sequence order, with no gap and no number skipped; the only step
/// back is the one repeat after the kill; each event under one number only.
fn in_order_with_one_repeat(delivered: &[Value], total: usize) {
    let seqs = sequences(delivered);
    let mut firsts: Vec<i64> = Vec::new();
    for s in &seqs {
        if !firsts.contains(s) {
            firsts.push(*s);
        }
    }
    assert_eq!(firsts, (1..=total as i64).collect::<Vec<_>>(), "a delivery never came");
    assert!(
        seqs.windows(2).all(|w| w[1] <= w[0] + 1),
        "a sequence number was skipped"
    );
    let back = seqs.windows(2).filter(|w| w[1] <= w[0]).count();
    assert!(back <= 1, "{back} steps back: only the killed batch comes again");
    let mut numbered: HashMap<i64, i64> = HashMap::new();
    for d in delivered {
        let (event, seq) = (d["event"]["id"].as_i64().unwrap(), d["sequence"].as_i64().unwrap());
        assert_eq!(
            *numbered.entry(event).or_insert(seq),
            seq,
            "event {event} under two numbers"
        );
    }
    let ids: Vec<i64> = firsts
        .iter()
        .map(|s| {
            delivered.iter().find(|d| d["sequence"] == *s).unwrap()["event"]["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "not in the log's order");
}

/// The endpoint's deliveries in the log, and how many of them are DELIVERED (every page).
async fn logged(server: &Server, endpoint: &str) -> (usize, usize) {
    let (mut listed, mut delivered, mut before) = (0, 0, None);
    loop {
        let path = match before {
            None => format!("/webhooks/deliveries?limit=500&endpoint_id={endpoint}"),
            Some(b) => format!("/webhooks/deliveries?limit=500&endpoint_id={endpoint}&before={b}"),
        };
        let (_, page) = server.admin(reqwest::Method::GET, &path, None).await;
        let page = page["deliveries"].as_array().unwrap().clone();
        listed += page.len();
        delivered += page.iter().filter(|d| d["state"] == "DELIVERED").count();
        match page.last() {
            Some(last) if page.len() == 500 => before = last["id"].as_i64(),
            _ => return (listed, delivered),
        }
    }
}

/// Builds the backlog, starts sending it, SIGKILLs the sender mid-batch; `survivor` (a second
/// PostgreSQL replica) or a restarted server finishes.
async fn killed_mid_batch(two_replicas: bool) {
    let database = if two_replicas {
        Database::fresh(Store::Postgres)
    } else {
        Database::under_test()
    };
    let db = database.db.clone();
    let mut server = Server::start_on(&db, &[]);
    let (receiver, url) = Receiver::start(0).await;
    let endpoint = add_endpoint(&server, &url, &["*"]).await;
    eventually("the endpoint's own event", Duration::from_secs(20), || async {
        receiver.delivered().len() == 1
    })
    .await;
    server.stop();
    events_written_while_down(&db);
    let total = BACKLOG + 1;

    // A receiver with a little work per request: the kill lands inside a batch.
    receiver.work(Duration::from_millis(2));
    let mut sender = Server::start_on(&db, &[]);
    eventually("the first batch sent", Duration::from_secs(60), || async {
        receiver.got().len() > 300
    })
    .await;
    let other = two_replicas.then(|| Server::start_on(&db, &[]));
    eventually("more of the second batch", Duration::from_secs(60), || async {
        receiver.got().len() > 400
    })
    .await;
    sender.kill();
    let sent_before = receiver.got().len();
    assert!(sent_before < total, "the kill came too late to land mid-backlog");
    let finisher = other.unwrap_or_else(|| Server::start_on(&db, &[]));
    // The killed batch's lease holds the endpoint (its sender might still be sending): nothing
    // starts again from its head meanwhile (a request the killed server sent just before it
    // died may still be answered: it continues the order, it does not step back).
    let end = Instant::now() + Duration::from_secs(1);
    while Instant::now() < end {
        let seqs = sequences(&receiver.delivered());
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1),
            "sent again while the killed batch's lease held"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ... until it ends (2 minutes; the server's clock moved past it).
    finisher.set_clock_offset(600).await;
    eventually("the whole backlog", Duration::from_secs(60), || async {
        let seqs = sequences(&receiver.delivered());
        seqs.last() == Some(&(total as i64))
    })
    .await;
    let delivered = receiver.delivered();
    assert_eq!(delivered.len(), receiver.got().len(), "every answer was 2xx");
    in_order_with_one_repeat(&delivered, total);
    let repeated = delivered.len() - total;
    // (None when the kill fell between a batch's record and the next one's first send.)
    assert!(repeated <= 256, "{repeated} repeats: more than one batch");
    // The log records the last batch once its sends are done.
    eventually("every delivery recorded", Duration::from_secs(20), || async {
        logged(&finisher, &endpoint).await == (total, total)
    })
    .await;
    println!("{total} deliveries, {sent_before} sent before the kill, {repeated} sent again after the lease ended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_sigkilled_mid_batch_is_sent_again_after_the_lease_in_order() {
    killed_mid_batch(false).await;
}

/// Always PostgreSQL: the other replica takes over the endpoint once the killed one's lease ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_replica_finishes_a_batch_whose_sender_was_killed() {
    killed_mid_batch(true).await;
}
