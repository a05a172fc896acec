//! The kit's own promises: a server on either store answers and is gone (waited for, no zombie)
//! once its guard drops; a server that cannot start fails at once with its log; a process group
//! goes whole; the test clock moves. Needs the keyturn-server binary (`cargo build -p
//! keyturn-server`; scripts/test.sh builds the workspace first).

use keyturn_testkit::{eventually, process, wait_until, GroupGuard, Server, Store};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Whether a process with this id exists (a zombie counts: it still has to be waited for).
fn exists(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

async fn serves_and_goes(store: Store, db_prefix: &str) {
    let server = Server::options().store(store).product("kit-product", "Kit").start();
    assert!(server.db.starts_with(db_prefix), "{store:?} database {}", server.db);
    let key = server.new_license(1);
    assert_eq!(server.activate(&key, "fp-1").await.0, 201);
    let (status, answer) = server.activate(&key, "fp-2").await;
    assert_eq!(
        (status.as_u16(), keyturn_testkit::code(&answer)),
        (409, "MACHINE_LIMIT_EXCEEDED")
    );
    assert_eq!(server.machine_count(&key).await, 1);
    // The access log is written in batches.
    eventually("the log line of the activation", Duration::from_secs(10), || async {
        server.logs().contains(r#"route="/v1/activations" status=201"#)
    })
    .await;
    let pid = server.pid();
    drop(server);
    assert!(
        !exists(pid),
        "keyturn-server {pid} is still there after its guard dropped"
    );
}

#[tokio::test]
async fn a_server_on_sqlite_answers_and_is_gone_after_drop() {
    serves_and_goes(Store::Sqlite, "/").await;
}

#[tokio::test]
async fn a_server_on_postgres_answers_and_is_gone_after_drop() {
    serves_and_goes(Store::Postgres, "postgres://").await;
}

#[test]
fn a_server_that_cannot_start_fails_at_once_with_its_log() {
    let started = std::time::Instant::now();
    let failure = std::panic::catch_unwind(|| Server::start_with(&["--no-such-option"]))
        .err()
        .expect("the start fails");
    let message = failure.downcast_ref::<String>().expect("a message");
    assert!(
        message.contains("did not announce its address before it exited"),
        "{message}"
    );
    assert!(
        message.contains("--no-such-option"),
        "the server's own words: {message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no wait for the start deadline"
    );
}

#[test]
fn a_process_group_is_killed_whole() {
    let mut command = Command::new("sh");
    command.args(["-c", "sleep 300 & echo $!; wait"]).stdout(Stdio::piped());
    let mut group = GroupGuard::spawn("sh", command).unwrap();
    let mut line = String::new();
    BufReader::new(group.child_mut().stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let (leader, member) = (group.id(), line.trim().parse::<u32>().unwrap());
    assert!(exists(member));
    drop(group);
    assert!(!exists(leader), "the leader was waited for");
    // The member was killed with its group; init reaps it.
    wait_until("the group's other member to go", Duration::from_secs(5), || {
        !exists(member)
    })
    .unwrap();
}

#[tokio::test]
async fn the_test_clock_moves_the_servers_now() {
    let server = Server::options().store(Store::Sqlite).start();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let moved = server.set_clock_offset(3600).await;
    assert!((now + 3590..now + 3660).contains(&moved), "now {now}, moved {moved}");
}

#[test]
fn free_ports_are_free() {
    let port = process::free_port();
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
}
