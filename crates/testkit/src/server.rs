//! The real keyturn-server binary on `127.0.0.1:0` (the address it announces on stdout as
//! `KEYTURN_SERVER_LISTENING <url>`), on a fresh database of the store under test, with the admin
//! API on, no rate limit unless asked and a movable clock (`--test-clock`). Administered through
//! its CLI, killed with its process group on drop; its log (stderr, at debug level) is kept and
//! its tail printed when the test fails.

use crate::binaries;
use crate::process::{self, GroupGuard, Run};
use crate::store::{Database, Store};
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

/// The admin token of every test server (admin API, support console).
pub const ADMIN_TOKEN: &str = "test-admin-token";
/// How long a server may take to announce its address (a debug build on a busy machine,
/// PostgreSQL migrations included).
const START_DEADLINE: Duration = Duration::from_secs(30);
/// Log lines shown when a test fails while its server runs.
const TAIL_ON_FAILURE: usize = 60;

/// How to start a [`Server`]: `Server::options().args(&[...]).product(id, name).start()`.
#[must_use]
pub struct ServerOptions {
    store: Store,
    db: Option<String>,
    args: Vec<String>,
    product: Option<(String, String)>,
    admin_token: bool,
}

impl ServerOptions {
    /// With the admin API off (no `--admin-token`).
    pub fn without_admin_token(mut self) -> Self {
        self.admin_token = false;
        self
    }

    /// On a fresh database of `store` instead of the store under test.
    pub fn store(mut self, store: Store) -> Self {
        self.store = store;
        self
    }

    /// On an existing database (a `--db` value the caller owns, e.g. shared by two servers).
    pub fn on(mut self, db: &str) -> Self {
        self.db = Some(db.to_owned());
        self
    }

    /// More `serve` options (e.g. `["--rate-limit", "0.001"]`).
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// Creates this product at start; [`Server::new_license`] puts licenses under it.
    pub fn product(mut self, id: &str, name: &str) -> Self {
        self.product = Some((id.to_owned(), name.to_owned()));
        self
    }

    pub fn start(self) -> Server {
        let (db, database) = match self.db {
            Some(db) => (db, None),
            None => {
                let database = Database::fresh(self.store);
                (database.db.clone(), Some(database))
            }
        };
        let mut command = Command::new(binaries::server());
        command.args(["serve", "--db", &db, "--listen", "127.0.0.1:0", "--test-clock"]);
        if self.admin_token {
            command.args(["--admin-token", ADMIN_TOKEN]);
        }
        if !self.args.iter().any(|a| a == "--rate-limit") {
            command.args(["--rate-limit", "0"]);
        }
        command
            .args(&self.args)
            .env("KEYTURN_LOG", "debug")
            .env_remove("KEYTURN_DB")
            .env_remove("KEYTURN_ADMIN_TOKEN")
            // No config file, even where a package installed /etc/keyturn/server.toml.
            .env("KEYTURN_SERVER_CONFIG", "")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut process = GroupGuard::spawn("keyturn-server", command).expect("start keyturn-server");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = process.child_mut().stderr.take().expect("piped stderr");
        let log_reader = keep_log(stderr, log.clone());
        let stdout = process.child_mut().stdout.take().expect("piped stdout");
        let url = match announced_url(stdout).recv_timeout(START_DEADLINE) {
            Ok(Some(url)) => url,
            answer => {
                let status = process.kill();
                let _ = log_reader.join();
                let why = if answer.is_err() { "in time" } else { "before it exited" };
                panic!(
                    "keyturn-server on {db} did not announce its address {why} ({status}); its log:\n{}",
                    log.lock().unwrap()
                );
            }
        };
        assert!(url.starts_with("http://127.0.0.1:"), "announced {url}");
        let server = Server {
            url,
            db,
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(64)
                .build()
                .expect("HTTP client"),
            product: self.product.as_ref().map(|(id, _)| id.clone()),
            public_key: OnceLock::new(),
            log,
            admin_token: self.admin_token,
            running: true,
            process,
            _database: database,
        };
        if let Some((id, name)) = &self.product {
            server.cli(&["product", "create", "--name", name, "--id", id]);
        }
        server
    }
}

/// Reads stdout until the server announces its URL (sent once; `None` if stdout ends first),
/// then keeps draining it so the server never blocks on a full pipe.
fn announced_url(stdout: std::process::ChildStdout) -> mpsc::Receiver<Option<String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut announced = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let (false, Some(url)) = (announced, line.strip_prefix("KEYTURN_SERVER_LISTENING ")) {
                announced = true;
                let _ = tx.send(Some(url.trim().to_owned()));
            }
        }
        if !announced {
            let _ = tx.send(None);
        }
    });
    rx
}

/// Appends every stderr line to `log` until the server's stderr closes.
fn keep_log(stderr: std::process::ChildStderr, log: Arc<Mutex<String>>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut log = log.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    })
}

pub struct Server {
    pub url: String,
    /// The `--db` value: a SQLite path or a PostgreSQL URL.
    pub db: String,
    pub http: reqwest::Client,
    product: Option<String>,
    public_key: OnceLock<String>,
    log: Arc<Mutex<String>>,
    admin_token: bool,
    /// Until [`Server::stop`] or [`Server::kill`].
    running: bool,
    process: GroupGuard,
    _database: Option<Database>,
}

impl Server {
    /// A server on a fresh database of the store under test.
    pub fn start() -> Server {
        Server::options().start()
    }

    /// Same, with more `serve` options.
    pub fn start_with(args: &[&str]) -> Server {
        Server::options().args(args).start()
    }

    /// A server on an existing database (the caller owns it).
    pub fn start_on(db: &str, args: &[&str]) -> Server {
        Server::options().on(db).args(args).start()
    }

    pub fn options() -> ServerOptions {
        ServerOptions {
            store: Store::under_test(),
            db: None,
            args: Vec::new(),
            product: None,
            admin_token: true,
        }
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// The server's exit status if it has exited, without waiting.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.process.try_wait().expect("wait for keyturn-server")
    }

    /// Stops the server as an operator would (SIGTERM; SIGKILL if it lingers); the app then finds
    /// it unreachable.
    pub fn stop(&mut self) -> ExitStatus {
        self.running = false;
        self.process.stop()
    }

    /// SIGKILL: the server dies at once, mid-request (a crash).
    pub fn kill(&mut self) -> ExitStatus {
        self.running = false;
        self.process.kill()
    }

    /// Everything the server logged so far.
    pub fn logs(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Runs an admin CLI command on this server's database; returns its stdout, trimmed. On
    /// PostgreSQL it then waits until the server heard of the change (validate answers from
    /// memory, told of other processes' changes within milliseconds), so the next request sees it.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = cli(&self.db, args);
        if self.running && self.admin_token && self.db.starts_with("postgres://") {
            self.hear_changes();
        }
        out
    }

    /// `POST /admin/v1/test/hear-changes`: answered once every change committed elsewhere is
    /// seen. On a thread and runtime of its own: `cli` is called from sync and async tests alike.
    fn hear_changes(&self) {
        let url = format!("{}/admin/v1/test/hear-changes", self.url);
        let status = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for one request");
            runtime.block_on(async {
                let answer = reqwest::Client::new().post(url).bearer_auth(ADMIN_TOKEN).send().await;
                answer.map(|a| a.status().as_u16())
            })
        })
        .join()
        .expect("hear-changes thread");
        assert!(matches!(status, Ok(204)), "hear-changes on {}: {status:?}", self.url);
    }

    /// The public key tokens are checked against (`keyturn-server public-key`).
    pub fn public_key(&self) -> &str {
        self.public_key.get_or_init(|| self.cli(&["public-key"]))
    }

    /// The product created at start ([`ServerOptions::product`]).
    pub fn product(&self) -> &str {
        self.product
            .as_deref()
            .expect("start the server with ServerOptions::product to have a product")
    }

    /// A policy with `max_machines` seats under [`Server::product`] and one license; its key.
    pub fn new_license(&self, max_machines: u32) -> String {
        self.new_license_with(max_machines, &[])
    }

    /// Same, with more `policy create` options (e.g. `["--renew-interval", "2"]`).
    pub fn new_license_with(&self, max_machines: u32, policy_options: &[&str]) -> String {
        self.license(&self.new_policy(max_machines, policy_options))
    }

    /// A policy with `max_machines` seats and more `policy create` options (e.g. `["--trial"]`)
    /// under [`Server::product`]; its id.
    pub fn new_policy(&self, max_machines: u32, policy_options: &[&str]) -> String {
        self.policy(self.product(), max_machines, policy_options)
    }

    /// A product of its own and a policy with `max` seats and more `policy create` options;
    /// (product id, policy id).
    pub fn product_policy(&self, max: u32, policy_options: &[&str]) -> (String, String) {
        let product = self.cli(&["product", "create", "--name", "Test"]);
        let policy = self.policy(&product, max, policy_options);
        (product, policy)
    }

    fn policy(&self, product: &str, max: u32, policy_options: &[&str]) -> String {
        let max = max.to_string();
        let mut args = vec!["policy", "create", "--product", product, "--name", "P"];
        args.extend(["--max-machines", &max]);
        args.extend(policy_options);
        self.cli(&args)
    }

    /// A license under `policy`; its key.
    pub fn license(&self, policy: &str) -> String {
        self.license_with(policy, &[])
    }

    /// Same, with more `license create` options (e.g. `["--entitlement", "pro"]`); its output
    /// (the key, or JSON with `--json`).
    pub fn license_with(&self, policy: &str, license_options: &[&str]) -> String {
        let mut args = vec!["license", "create", "--policy", policy];
        args.extend(license_options);
        self.cli(&args)
    }

    /// A fresh license with `max` seats on its own product and policy.
    pub fn fresh_license(&self, max: u32) -> String {
        let (_, policy) = self.product_policy(max, &[]);
        self.license(&policy)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // No grace period: the test is over, and a killed server has nothing left to tell.
        self.process.kill();
        if std::thread::panicking() {
            let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(TAIL_ON_FAILURE)..];
            eprintln!(
                "--- keyturn-server {} ({}), the last {} log lines ---\n{}",
                self.url,
                self.db,
                tail.len(),
                tail.join("\n")
            );
        }
    }
}

/// Runs an admin CLI command (`keyturn-server ARGS --db DB`); returns trimmed stdout, panics
/// with its stderr on failure.
pub fn cli(db: &str, args: &[&str]) -> String {
    let (ok, out, err) = cli_raw(db, args);
    assert!(ok, "keyturn-server {args:?} failed: {err}");
    out.trim().to_string()
}

/// Runs an admin CLI command: (success, stdout, stderr).
pub fn cli_raw(db: &str, args: &[&str]) -> (bool, String, String) {
    let run = cli_run(db, args);
    (run.success(), run.stdout, run.stderr)
}

/// Runs an admin CLI command to the end: its exit code and output.
pub fn cli_run(db: &str, args: &[&str]) -> Run {
    let mut command = Command::new(binaries::server());
    command.args(args).args(["--db", db]).env_remove("KEYTURN_DB");
    process::run(command, "")
}

/// Every activation id of the license with `key`, page by page through the admin CLI (which
/// reads the database itself, so any server of it may be running, or none). The last page's
/// `total` must equal the number of ids read.
pub fn machine_ids(db: &str, key: &str) -> std::collections::HashSet<String> {
    let mut ids = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let mut args = vec!["license", "machines", "--license", key, "--limit", "500"];
        if let Some(cursor) = &after {
            args.extend(["--after", cursor.as_str()]);
        }
        let page: serde_json::Value = serde_json::from_str(&cli(db, &args)).expect("machines as JSON");
        let machines = page["machines"].as_array().expect("a machines list");
        ids.extend(machines.iter().map(|m| m["id"].as_str().unwrap().to_string()));
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => {
                assert_eq!(page["total"].as_u64(), Some(ids.len() as u64), "total of {key}");
                return ids;
            }
        }
    }
}
