//! The REAL keyturn-server on 127.0.0.1:0 with a temporary SQLite file, administered through its
//! CLI. The binary is found through `KEYTURN_SERVER_BIN`, else next to this test's own target
//! directory (`<target>/debug/keyturn-server`); build it with `cargo build -p keyturn-server`.
//! A missing binary fails the test with that instruction: never a silent skip.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const ADMIN_TOKEN: &str = "client-tests-admin-token";

pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("KEYTURN_SERVER_BIN") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "KEYTURN_SERVER_BIN={} is not a file", path.display());
        return path;
    }
    // This test runs as <target>/<profile>/deps/<name>-<hash>.
    let exe = std::env::current_exe().expect("test executable path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("<target>/<profile>");
    let mut candidates = vec![profile_dir.join("keyturn-server")];
    if let Some(target) = profile_dir.parent() {
        candidates.push(target.join("debug").join("keyturn-server"));
    }
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!(
            "keyturn-server not found next to {}: build it first with `cargo build -p keyturn-server` \
             (same CARGO_TARGET_DIR), or set KEYTURN_SERVER_BIN",
            exe.display()
        )
    })
}

pub struct RealServer {
    pub url: String,
    pub public_key: String,
    pub dir: tempfile::TempDir,
    child: Child,
}

impl Drop for RealServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RealServer {
    /// Starts a server and creates the product `product_id`.
    pub fn start(product_id: &str) -> RealServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("keyturn.db");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("server log");
        let mut child = Command::new(binary())
            .arg("serve")
            .arg("--db")
            .arg(&db)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--rate-limit",
                "0",
                "--test-clock",
                "--admin-token",
                ADMIN_TOKEN,
            ])
            .env_remove("KEYTURN_DB")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start keyturn-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(url) = line.strip_prefix("KEYTURN_SERVER_LISTENING ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                panic!("keyturn-server did not print KEYTURN_SERVER_LISTENING within 20 s; its log:\n{log}");
            }
        };
        let mut server = RealServer {
            url,
            public_key: String::new(),
            dir,
            child,
        };
        server.public_key = server.cli(&["public-key"]);
        server.cli(&["product", "create", "--name", "Client Tests", "--id", product_id]);
        server
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("keyturn.db")
    }

    /// Runs `keyturn-server <group> [<verb>] --db <db> <rest>`; returns trimmed stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let split = if args[0] == "public-key" { 1 } else { 2 };
        let output = Command::new(binary())
            .args(&args[..split])
            .arg("--db")
            .arg(self.db())
            .args(&args[split..])
            .env_remove("KEYTURN_DB")
            .stdin(Stdio::null())
            .output()
            .expect("run keyturn-server CLI");
        assert!(
            output.status.success(),
            "keyturn-server {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
    }

    /// A policy with `max_machines` seats (plus extra `policy create` flags) and one license; the key.
    pub fn license(&self, product_id: &str, max_machines: u32, extra: &[&str]) -> String {
        let seats = max_machines.to_string();
        let mut args = vec![
            "policy",
            "create",
            "--product",
            product_id,
            "--name",
            "Tests",
            "--max-machines",
            &seats,
        ];
        args.extend(extra);
        let policy = self.cli(&args);
        self.cli(&["license", "create", "--policy", &policy])
    }

    /// Moves the server's clock (its `--test-clock` admin route); returns the server's new now.
    pub async fn set_clock_offset(&self, offset_secs: i64) -> i64 {
        let response = reqwest::Client::new()
            .post(format!("{}/admin/v1/test/clock", self.url))
            .bearer_auth(ADMIN_TOKEN)
            .json(&serde_json::json!({ "offset_secs": offset_secs }))
            .send()
            .await
            .expect("test clock request");
        assert!(response.status().is_success(), "test clock: HTTP {}", response.status());
        let body: serde_json::Value = response.json().await.expect("test clock json");
        body["now"].as_i64().expect("now")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}
