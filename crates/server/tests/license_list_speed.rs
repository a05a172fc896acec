//! The license list stays fast on 100,000 licenses: each page (filters, orders, a deep page)
//! answers in under 100 ms over real HTTP, on the store under test (`KEYTURN_TEST_STORE`). The
//! licenses come from `keyturn-server-bench seed-licenses`; `/healthz` over the same connection
//! is the reference measured in the same run (its ratio is printed).

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

const LICENSES: u32 = 100_000;
const PAGE_LIMIT: Duration = Duration::from_millis(100);

/// The best of five answers of `GET path` (the first warms caches), and the last body.
async fn best_of_five(server: &Server, path: &str, admin: bool) -> (Duration, Value) {
    let mut best = Duration::MAX;
    let mut body = Value::Null;
    for _ in 0..5 {
        let started = Instant::now();
        let (status, answer) = if admin {
            server.admin(Method::GET, path, None).await
        } else {
            server.send(Method::GET, path, None).await
        };
        best = best.min(started.elapsed());
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        body = answer;
    }
    (best, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_the_license_list_answers_in_under_100_ms_over_100_000_licenses() {
    let database = Database::under_test();
    let bench = binaries::server().with_file_name("keyturn-server-bench");
    assert!(bench.is_file(), "build it first: cargo build -p keyturn-server-bench");
    let seeded = Command::new(&bench)
        .args(["seed-licenses", "--db", &database.db, "--count", &LICENSES.to_string()])
        .output()
        .expect("run keyturn-server-bench");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let server = Server::start_on(&database.db, &[]);

    let (reference, _) = best_of_five(&server, "/healthz", false).await;
    let now = server.set_clock_offset(0).await;
    let soon = now + 30 * 86_400;
    let (first, page) = best_of_five(&server, "/licenses/page?limit=50", true).await;
    assert_eq!(page["total"], LICENSES);
    // A page far down the newest-first order, through its cursor.
    let deep = format!("n.{}.lic_seed_100", now - i64::from(LICENSES - 100) * 60);
    let queries = [
        "/licenses/page?limit=50".to_string(),
        "/licenses/page?limit=50&status=EXPIRED".into(),
        "/licenses/page?limit=50&status=SUSPENDED".into(),
        format!("/licenses/page?limit=50&expires_before={soon}&sort=expiring"),
        "/licenses/page?limit=50&sort=owner".into(),
        "/licenses/page?limit=50&q=customer4242".into(),
        "/licenses/page?limit=50&q=example7.com&status=ACTIVE".into(),
        format!("/licenses/page?limit=50&after={deep}"),
    ];
    let mut report = Vec::new();
    for query in &queries {
        let (took, body) = best_of_five(&server, query, true).await;
        assert!(
            !body["licenses"].as_array().unwrap().is_empty(),
            "{query} found nothing"
        );
        report.push(format!(
            "{query}: {:.1} ms ({:.0}x /healthz), total {}",
            took.as_secs_f64() * 1000.0,
            took.as_secs_f64() / reference.as_secs_f64(),
            body["total"]
        ));
        assert!(took < PAGE_LIMIT, "{query} took {took:?}\n{}", report.join("\n"));
    }
    println!(
        "license list over {LICENSES} licenses ({:?}); /healthz {:.2} ms; first page {:.1} ms\n{}",
        database.store,
        reference.as_secs_f64() * 1000.0,
        first.as_secs_f64() * 1000.0,
        report.join("\n")
    );
}
