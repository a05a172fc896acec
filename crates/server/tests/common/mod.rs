//! Test harness: the real `keyturn-server` binary on 127.0.0.1:0 with a temp database: a SQLite
//! file, or with `KEYTURN_TEST_STORE=postgres` a fresh database on a private PostgreSQL cluster
//! ([`pg`]), so the whole suite runs against both stores.
#![allow(dead_code)]

pub mod load;
pub mod pg;

use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_keyturn-server");
pub const ADMIN_TOKEN: &str = "test-admin-token";

/// Which store this run tests: `KEYTURN_TEST_STORE=postgres`, or SQLite.
pub fn postgres_mode() -> bool {
    std::env::var("KEYTURN_TEST_STORE").is_ok_and(|s| s == "postgres")
}

/// A fresh, empty database of the store under test (`db` is its `--db` value), removed when dropped
/// (PostgreSQL: with the test process's cluster).
pub struct TestDb {
    pub db: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new() -> TestDb {
        if postgres_mode() {
            TestDb {
                db: pg::fresh_database(),
                _dir: None,
            }
        } else {
            Self::sqlite()
        }
    }

    /// A SQLite file whatever the store under test (for SQLite-only facts).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        TestDb {
            db: dir.path().join("k.db").to_str().unwrap().to_string(),
            _dir: Some(dir),
        }
    }
}

/// Runs an admin CLI command; returns trimmed stdout, panics on failure.
pub fn cli(db: &str, args: &[&str]) -> String {
    let (ok, out, err) = cli_raw(db, args);
    assert!(ok, "keyturn-server {args:?} failed: {err}");
    out.trim().to_string()
}

/// Runs an admin CLI command: (success, stdout, stderr).
pub fn cli_raw(db: &str, args: &[&str]) -> (bool, String, String) {
    let mut full: Vec<&str> = args.to_vec();
    full.extend(["--db", db]);
    let out = Command::new(BIN)
        .args(&full)
        .env_remove("KEYTURN_DB")
        .output()
        .expect("run keyturn-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

pub struct Server {
    pub child: Child,
    pub url: String,
    /// The `--db` value: a SQLite path or a PostgreSQL URL.
    pub db: String,
    pub http: reqwest::Client,
    /// Everything the server logged (stderr).
    pub logs: std::sync::Arc<std::sync::Mutex<String>>,
    _db: Option<TestDb>,
}

impl Server {
    /// A server on a fresh temp database, admin API on, no rate limit, movable clock.
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Server {
        let test_db = TestDb::new();
        let mut server = Self::start_on(&test_db.db, extra);
        server._db = Some(test_db);
        server
    }

    /// A server on an existing database (the caller owns it).
    pub fn start_on(db: &str, extra: &[&str]) -> Server {
        let mut args = vec![
            "serve",
            "--db",
            db,
            "--listen",
            "127.0.0.1:0",
            "--admin-token",
            ADMIN_TOKEN,
            "--test-clock",
        ];
        if !extra.contains(&"--rate-limit") {
            args.extend(["--rate-limit", "0"]);
        }
        args.extend(extra);
        let mut child = Command::new(BIN)
            .args(&args)
            .env("KEYTURN_LOG", "debug")
            .env_remove("KEYTURN_DB")
            .env_remove("KEYTURN_ADMIN_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start keyturn-server");
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        // Keep stderr drained (logs) so the server never blocks on a full pipe.
        let logs = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut logs = sink.lock().unwrap();
                logs.push_str(&line);
                logs.push('\n');
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server announced its address within 30 s");
        let url = line
            .strip_prefix("KEYTURN_SERVER_LISTENING ")
            .expect("LISTENING line")
            .trim()
            .to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        Server {
            child,
            url,
            db: db.to_owned(),
            http,
            logs,
            _db: None,
        }
    }

    /// Runs an admin CLI command on this server's database; on PostgreSQL it then waits until the
    /// server heard of the change (validate answers from memory, told of other processes'
    /// changes within milliseconds), so the next request sees it.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = cli(&self.db, args);
        if self.db.starts_with("postgres") {
            let hear = format!("{}/admin/v1/test/hear-changes", self.url);
            // Called from async tests: its own thread and runtime for the one request.
            let status = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let resp = reqwest::Client::new().post(hear).bearer_auth(ADMIN_TOKEN).send().await;
                    resp.unwrap().status().as_u16()
                })
            })
            .join()
            .unwrap();
            assert_eq!(status, 204, "hear-changes");
        }
        out
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.url, path));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/admin/v1{}", self.url, path))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap()
            },
        )
    }

    /// Moves the server clock `secs` ahead of real time.
    pub async fn set_clock_offset(&self, secs: i64) {
        let (status, _) = self
            .admin(reqwest::Method::POST, "/test/clock", Some(json!({"offset_secs": secs})))
            .await;
        assert_eq!(status, StatusCode::OK);
    }

    pub async fn validate(&self, key: &str, fp: &str) -> (StatusCode, Value) {
        self.post("/v1/validate", json!({"key": key, "fingerprint": fp})).await
    }

    pub async fn activate(&self, key: &str, fp: &str) -> (StatusCode, Value) {
        self.post("/v1/activations", activation_body(key, fp)).await
    }

    /// A product and a policy with the given extra CLI options; returns (product id, policy id).
    pub fn product_policy(&self, max: u32, policy_args: &[&str]) -> (String, String) {
        let product = self.cli(&["product", "create", "--name", "Test"]);
        let max = max.to_string();
        let mut args = vec![
            "policy",
            "create",
            "--product",
            &product,
            "--name",
            "P",
            "--max-machines",
            &max,
        ];
        args.extend(policy_args);
        let policy = self.cli(&args);
        (product, policy)
    }

    pub fn license(&self, policy: &str) -> String {
        self.cli(&["license", "create", "--policy", policy])
    }

    /// A fresh license with `max` seats on its own product and policy.
    pub fn fresh_license(&self, max: u32) -> String {
        let (_, policy) = self.product_policy(max, &[]);
        self.license(&policy)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn activation_body(key: &str, fp: &str) -> Value {
    json!({"key": key, "fingerprint": fp, "name": format!("host-{fp}"), "platform": "linux-x86_64"})
}

pub fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("<no code>")
}

/// Polls `f` until it is true or the deadline passes.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if f().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The store's write lock held from outside (failure injection): SQLite's `BEGIN IMMEDIATE`,
/// PostgreSQL's `LOCK TABLE licenses IN EXCLUSIVE MODE` (blocks `SELECT … FOR UPDATE`).
pub enum WriteLock {
    Sqlite(rusqlite::Connection),
    Pg(tokio_postgres::Client),
}

impl WriteLock {
    pub async fn hold(db: &str) -> WriteLock {
        if postgres_mode() {
            let (client, connection) = tokio_postgres::connect(db, tokio_postgres::NoTls).await.unwrap();
            tokio::spawn(connection);
            client
                .batch_execute("BEGIN; LOCK TABLE licenses IN EXCLUSIVE MODE")
                .await
                .unwrap();
            WriteLock::Pg(client)
        } else {
            let conn = rusqlite::Connection::open(db).unwrap();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            WriteLock::Sqlite(conn)
        }
    }

    pub async fn release(self) {
        match self {
            WriteLock::Sqlite(conn) => conn.execute_batch("ROLLBACK").unwrap(),
            WriteLock::Pg(client) => client.batch_execute("ROLLBACK").await.unwrap(),
        }
    }
}
