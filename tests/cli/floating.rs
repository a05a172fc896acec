//! `keyturn run -- PROGRAM` on a floating license, against a real keyturn-server: the program's
//! exit code comes back and its seat is released; a full license exits 8 after saying when a seat
//! frees up; SIGTERM reaches the program and the seat is released; a holder killed with SIGKILL
//! keeps its seat only until the lease ends (moved with the server's test clock), and the next
//! checkout gets it. `keyturn status --json` reports the seat while it is held.

use keyturn_e2e::cli::Computer;
use keyturn_e2e::process::GroupGuard;
use keyturn_e2e::{server, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

/// A floating license with `seats` seats and a 60-second lease.
fn floating(server: &Server, seats: u32) -> String {
    server.license(&server.new_policy(seats, &["--floating", "--lease-secs", "60"]))
}

async fn leases(server: &Server, key: &str) -> Vec<Value> {
    let (status, list) = server
        .admin(Method::GET, &format!("/licenses/{key}/leases"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["leases"].as_array().unwrap().clone()
}

async fn checkout(server: &Server, key: &str, fp: &str) -> (StatusCode, Value) {
    server.post("/v1/leases", json!({"key": key, "fingerprint": fp})).await
}

/// `keyturn run --key KEY -- ARGS` started in its own process group (killed on drop).
fn start_run(pc: &Computer, key: &str, program: &[&str]) -> GroupGuard {
    let mut command = pc.command(&pc.binary);
    command.args(["run", "--key", key, "--"]).args(program);
    GroupGuard::spawn("keyturn run", command).expect("start keyturn run")
}

async fn wait_for_leases(server: &Server, key: &str, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while leases(server, key).await.len() != n {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {n} leases");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_programs_exit_code_comes_back_and_its_seat_is_released() {
    let server = server::start();
    let key = floating(&server, 1);
    let pc = Computer::new(&server, "cli-floating-1");
    let run = pc.run(&["run", "--key", &key, "--", "sh", "-c", "exit 7"]);
    assert_eq!(run.code, 7, "{run:?}");
    assert!(leases(&server, &key).await.is_empty(), "released on exit");
    // The seat is free for the next one at once.
    assert_eq!(checkout(&server, &key, "someone-else").await.0, StatusCode::CREATED);

    // Now full: no program runs; it says when a seat frees up and exits SEAT_LIMIT.
    let run = pc.run(&["run", "--key", &key, "--", "sh", "-c", "echo ran"]);
    assert_eq!(run.code, 8, "{run:?}");
    assert!(!run.stdout.contains("ran"), "{run:?}");
    assert!(
        run.stderr
            .contains("The only seat is in use right now; the next one frees up in 1 minute"),
        "{}",
        run.stderr
    );
    // A program that cannot start: the table's NOT_STARTED, and the seat goes back.
    let other = floating(&server, 1);
    let run = pc.run(&["run", "--key", &other, "--", "/nonexistent/program"]);
    assert_eq!(run.code, 12, "{run:?}");
    assert!(leases(&server, &other).await.is_empty());

    // `keyturn activate` keeps a floating key (nothing to bind); `run` then needs no --key.
    let activated = pc.run(&["activate", "--key", &other, "--json"]);
    assert_eq!(
        (activated.code, &activated.json()["floating"]),
        (0, &json!(true)),
        "{activated:?}"
    );
    let run = pc.run(&["run", "--", "sh", "-c", "exit 0"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test]
async fn sigterm_reaches_the_program_and_the_seat_is_released() {
    let server = server::start();
    let key = floating(&server, 1);
    let pc = Computer::new(&server, "cli-floating-term");
    let mut holder = start_run(&pc, &key, &["sleep", "600"]);
    wait_for_leases(&server, &key, 1).await;
    // While it runs, status reports the seat.
    let status = pc.run(&["status", "--json"]);
    let seat = &status.json()["seat"];
    assert_eq!(seat["seats"], 1, "{}", status.stdout);
    assert_eq!(seat["lease"]["id"], leases(&server, &key).await[0]["id"]);
    assert_eq!(seat["lease"]["borrowed"], false);
    // SIGTERM to keyturn only: it passes it on to sleep, which ends with 128 + 15.
    // SAFETY: kill(2) on the pid of a child this test started.
    unsafe { libc::kill(holder.id() as i32, libc::SIGTERM) };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = holder.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "keyturn run did not exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(128 + 15));
    assert!(leases(&server, &key).await.is_empty(), "released after SIGTERM");
    assert!(pc.run(&["status", "--json"]).json().get("seat").is_none());
}

#[tokio::test]
async fn a_holder_killed_with_sigkill_frees_its_seat_after_the_lease() {
    let server = server::start();
    server.set_clock_offset(0).await;
    let key = floating(&server, 1);
    let pc = Computer::new(&server, "cli-floating-kill");
    let mut holder = start_run(&pc, &key, &["sleep", "600"]);
    wait_for_leases(&server, &key, 1).await;
    holder.kill(); // SIGKILL to keyturn and its program: nothing is released
    assert_eq!(leases(&server, &key).await.len(), 1);
    let (status, full) = checkout(&server, &key, "next-one").await;
    assert_eq!(
        (status, full["code"].as_str()),
        (StatusCode::CONFLICT, Some("SEATS_IN_USE"))
    );
    // The lease ends without heartbeats: the next checkout gets the seat.
    server.set_clock_offset(61).await;
    let (status, got) = checkout(&server, &key, "next-one").await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
}
