//! A private PostgreSQL cluster for this test process: initdb into a temp directory, postgres
//! on a free loopback port, one fresh database per test server. As root (CI) the cluster runs as
//! the unprivileged `postgres` user (initdb refuses root) through `setpriv`. A watchdog shell
//! stops the cluster and removes its directory when this test process ends, however it ends.

use crate::process::{free_port, run_ok};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// This test process's cluster (started on first use, shared by its tests).
pub struct Cluster {
    pub port: u16,
    bin: PathBuf,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL programs: `KEYTURN_PG_BIN`, else the newest /usr/lib/postgresql/*/bin.
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("KEYTURN_PG_BIN") {
        return dir.into();
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: run scripts/setup.sh")
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("no PostgreSQL server in /usr/lib/postgresql: run scripts/setup.sh")
        .1
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// `cmd` as the cluster's user: `postgres` through setpriv when we are root.
fn as_cluster_user(program: PathBuf) -> Command {
    if is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--reuid=postgres", "--regid=postgres", "--clear-groups", "--"])
            .arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn start() -> Cluster {
    let bin = bin_dir();
    // Removed on a failed start; once the watchdog runs, the watchdog removes it.
    let temp = tempfile::Builder::new()
        .prefix("keyturn-pg-")
        .tempdir()
        .expect("temp dir for the cluster");
    let dir = temp.path().to_path_buf();
    let data = dir.join("data");
    if is_root() {
        let ok = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status()
            .unwrap();
        assert!(
            ok.success(),
            "chown of the cluster directory to postgres (run scripts/setup.sh)"
        );
    }
    let mut initdb = as_cluster_user(bin.join("initdb"));
    initdb
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "-D"])
        .arg(&data);
    run_ok(initdb);
    let port = free_port();
    // The watchdog: runs postgres, and stops it (then removes the directory) once this process is gone.
    let postgres = as_cluster_user(bin.join("postgres"));
    let mut launch: Vec<String> = std::iter::once(postgres.get_program().to_string_lossy().into_owned())
        .chain(postgres.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect();
    launch.extend(
        [
            "-D",
            data.to_str().unwrap(),
            "-p",
            &port.to_string(),
            "-k",
            dir.to_str().unwrap(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "max_connections=400",
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
        ]
        .map(String::from),
    );
    let quoted: Vec<String> = launch
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let script = format!(
        "{} >'{dir}/log' 2>&1 & pg=$!; while kill -0 {me} 2>/dev/null && kill -0 $pg 2>/dev/null; do sleep 0.5; done; \
         kill -INT $pg 2>/dev/null; wait $pg; rm -rf '{dir}'",
        quoted.join(" "),
        dir = dir.display(),
        me = std::process::id()
    );
    // The watchdog outlives this test process on purpose (it stops the cluster once we are gone),
    // so it is never waited for.
    #[allow(clippy::zombie_processes)]
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the PostgreSQL watchdog");
    let _ = temp.keep();
    let cluster = Cluster { port, bin };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cluster.psql("postgres", "SELECT 1").0 {
        assert!(
            Instant::now() < deadline,
            "PostgreSQL did not start: {}",
            std::fs::read_to_string(dir.join("log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    cluster
}

impl Cluster {
    /// A PostgreSQL client program (psql, pg_dump) connected to `database` on this cluster.
    pub fn client(&self, program: &str, database: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-p",
            &self.port.to_string(),
            "-d",
            database,
        ]);
        command
    }

    /// Runs one SQL command: (success, output).
    pub fn psql(&self, database: &str, sql: &str) -> (bool, String) {
        let out = self
            .client("psql", database)
            .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("run psql");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

pub fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(start)
}

/// A new, empty database on the cluster; its URL.
pub fn fresh_database() -> String {
    let cluster = cluster();
    let name = format!(
        "keyturn_{}_{}",
        std::process::id(),
        NEXT_DB.fetch_add(1, Ordering::Relaxed)
    );
    let (ok, out) = cluster.psql("postgres", &format!("CREATE DATABASE {name}"));
    assert!(ok, "CREATE DATABASE failed: {out}");
    cluster.url(&name)
}

/// Everything stored in the database at `url` (pg_dump's output).
pub fn dump(url: &str) -> Vec<u8> {
    let cluster = cluster();
    let name = url.rsplit('/').next().unwrap();
    run_ok(cluster.client("pg_dump", name)).into_bytes()
}

/// Runs the SQL file at `path` (e.g. pg_dump's output) on the database at `url` with psql.
pub fn load(url: &str, path: &std::path::Path) {
    let cluster = cluster();
    let name = url.rsplit('/').next().unwrap();
    let mut psql = cluster.client("psql", name);
    psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"]).arg(path);
    run_ok(psql);
}
