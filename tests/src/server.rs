//! A real keyturn-server on a free port with a temporary SQLite file, administered through its CLI.

use crate::{binaries, process::GroupGuard};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const PRODUCT_ID: &str = "e2e-product";
pub const PRODUCT_NAME: &str = "E2E Product";
/// The admin token of every E2E server (support console, admin API).
pub const ADMIN_TOKEN: &str = "e2e-admin-token";

pub struct Server {
    pub url: String,
    pub public_key: String,
    pub dir: tempfile::TempDir,
    process: Option<GroupGuard>,
}

impl Server {
    /// Starts the server and creates the test product.
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    /// Same, with more `serve` options (e.g. `["--rate-limit", "0.001"]`).
    pub fn start_with(serve_options: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("keyturn.db");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("server log");
        let mut command = Command::new(binaries::server());
        command
            .arg("serve")
            .arg("--db")
            .arg(&db)
            .args(["--listen", "127.0.0.1:0", "--admin-token", ADMIN_TOKEN])
            .args(serve_options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        let mut process = GroupGuard::spawn("keyturn-server", command).expect("start keyturn-server");
        let url = read_listening_line(&mut process);
        let public_key = cli(&db, &["public-key"]);
        cli(&db, &["product", "create", "--name", PRODUCT_NAME, "--id", PRODUCT_ID]);
        Server {
            url,
            public_key,
            dir,
            process: Some(process),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("keyturn.db")
    }

    /// Runs an admin CLI command on this server's database; returns its stdout, trimmed.
    pub fn admin(&self, args: &[&str]) -> String {
        cli(&self.db(), args)
    }

    /// Creates a policy with `max_machines` seats and one license under it; returns the key.
    pub fn new_license(&self, max_machines: u32) -> String {
        self.new_license_with(max_machines, &[])
    }

    /// Same, with more `policy create` options (e.g. `["--renew-interval", "2"]`).
    pub fn new_license_with(&self, max_machines: u32, policy_options: &[&str]) -> String {
        let seats = max_machines.to_string();
        let mut args = vec![
            "policy",
            "create",
            "--product",
            PRODUCT_ID,
            "--name",
            "E2E",
            "--max-machines",
            &seats,
        ];
        args.extend_from_slice(policy_options);
        let policy = self.admin(&args);
        self.admin(&["license", "create", "--policy", &policy])
    }

    /// How many machines the server has bound to `key`, asked over HTTP like any client.
    pub async fn machine_count(&self, key: &str) -> usize {
        self.machines(key).await.len()
    }

    /// The machines the server has bound to `key` (JSON objects with id, name, ...).
    pub async fn machines(&self, key: &str) -> Vec<serde_json::Value> {
        let response: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/v1/machines", self.url))
            .json(&serde_json::json!({ "key": key }))
            .send()
            .await
            .expect("machines request")
            .json()
            .await
            .expect("machines json");
        response["machines"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no machines in {response}"))
    }

    /// Stops the server (the app then finds it unreachable).
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Binds another device to `key` over HTTP, as that device's own app would.
    pub async fn activate_other_device(&self, key: &str, fingerprint: &str, name: &str) -> String {
        let response = reqwest::Client::new()
            .post(format!("{}/v1/activations", self.url))
            .json(&serde_json::json!({ "key": key, "fingerprint": fingerprint, "name": name, "platform": "windows-x86_64" }))
            .send()
            .await
            .expect("activation request");
        assert_eq!(response.status(), 201, "activating {name}");
        let body: serde_json::Value = response.json().await.expect("activation json");
        body["machine"]["id"].as_str().expect("machine id").to_string()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

fn read_listening_line(process: &mut GroupGuard) -> String {
    let stdout = process.child_mut().stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Some(url) = line.strip_prefix("KEYTURN_SERVER_LISTENING ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("keyturn-server did not print KEYTURN_SERVER_LISTENING within 20 s")
}

fn cli(db: &Path, args: &[&str]) -> String {
    let (group, rest) = args.split_at(if matches!(args[0], "public-key" | "events") {
        1
    } else {
        2
    });
    let output = Command::new(binaries::server())
        .args(group)
        .arg("--db")
        .arg(db)
        .args(rest)
        .stdin(Stdio::null())
        .output()
        .expect("run keyturn-server CLI");
    assert!(
        output.status.success(),
        "keyturn-server {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8 stdout")
        .trim()
        .to_string()
}
