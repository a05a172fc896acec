//! Keyturn's test kit, shared by the server, client, app and end-to-end suites (a dev-dependency
//! only; no product binary links it).
//!
//! - [`Server`]: the real `keyturn-server` binary on `127.0.0.1:0`, on a fresh database of the
//!   store under test ([`Store::under_test`]: `KEYTURN_TEST_STORE=postgres` selects a private
//!   PostgreSQL cluster, anything else a temporary SQLite file), administered through its CLI
//!   ([`cli`]); killed with its process group on drop, its log kept for failure messages.
//! - [`process`]: process groups killed on drop, free ports, polling with a deadline, running a
//!   command to the end.
//! - [`stub`]: a scripted HTTP server that injects faults a real server never gives.
//! - [`smtp`]: a real SMTP server (aiosmtpd) whose messages a test reads back.
//! - [`staff`]: staff accounts added with the CLI, as an operator does.

pub mod binaries;
pub mod http;
pub mod load;
pub mod postgres;
pub mod process;
pub mod server;
pub mod shop;
pub mod smtp;
pub mod staff;
pub mod store;
pub mod stub;
pub mod web;

pub use http::{activation_body, code};
pub use process::{free_port, wait_until, GroupGuard, Run};
pub use server::{cli, cli_raw, cli_run, machine_ids, Server, ServerOptions, ADMIN_TOKEN};
pub use store::{Database, Store, WriteLock};
pub use web::WebSession;

use std::time::{Duration, Instant};

/// Polls `ready` (async) until it is true; panics naming `what` once `timeout` has passed.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if ready().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
