//! The webhook benchmark's receiver, in a process of its own as a vendor's receiver is (its work
//! is not mixed into the server's process): `keyturn-server-bench webhook-receiver` answers
//! `POST /hooks` with 204 and counts, `GET /count` tells the count; it prints
//! `KEYTURN_SERVER_LISTENING http://ADDR` first.

use axum::routing::{get, post};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Serves until killed, on one worker thread.
pub async fn run() -> Result<(), String> {
    let count = Arc::new(AtomicUsize::new(0));
    let (counted, told) = (count.clone(), count);
    let app = axum::Router::new()
        .route(
            "/hooks",
            post(move |_body: String| {
                counted.fetch_add(1, Ordering::Relaxed);
                async { axum::http::StatusCode::NO_CONTENT }
            }),
        )
        .route(
            "/count",
            get(move || async move { told.load(Ordering::Relaxed).to_string() }),
        );
    let listener = crate::bare::listen_and_announce(([127, 0, 0, 1], 0).into()).await?;
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

/// The receiver process, killed when dropped.
pub struct Receiver {
    child: Child,
    base: String,
}

impl Receiver {
    pub fn start() -> Result<Receiver, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .arg("webhook-receiver")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start the receiver: {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("the receiver has no stdout")?;
        BufReader::new(stdout).read_line(&mut line).map_err(|e| e.to_string())?;
        let mut receiver = Receiver {
            child,
            base: String::new(),
        };
        receiver.base = line
            .trim()
            .strip_prefix("KEYTURN_SERVER_LISTENING ")
            .ok_or_else(|| format!("the receiver did not start: {line:?}"))?
            .to_string();
        Ok(receiver)
    }

    /// The CPU time the receiver process used so far (every thread's, from /proc), if known.
    pub fn cpu_time(&self) -> Option<std::time::Duration> {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id())).ok()?;
        let mut ns = 0u64;
        for task in tasks.flatten() {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
        }
        Some(std::time::Duration::from_nanos(ns))
    }

    /// Where deliveries go.
    pub fn url(&self) -> String {
        format!("{}/hooks", self.base)
    }

    /// How many deliveries it got so far.
    pub async fn count(&self, http: &reqwest::Client) -> Result<usize, String> {
        let text = http
            .get(format!("{}/count", self.base))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        text.parse().map_err(|_| format!("the receiver answered {text:?}"))
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
