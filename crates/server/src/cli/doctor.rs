//! `keyturn-server doctor`: checks a self-hosted server's settings, database, file permissions,
//! clock and public URL (through the reverse proxy), and says in plain words what is wrong and
//! how to fix it. It reads the same settings as `serve` (a refused config file stops it before
//! any check, exit status 2).
//!
//! | exit status | meaning |
//! |---|---|
//! | 0 | every check passed |
//! | 1 | at least one problem: the server will not work as configured |
//! | 2 | the settings are refused (unknown key, bad value, usage error) |
//! | 3 | warnings only: it works, but something should be fixed (e.g. a secret readable by others) |

use crate::domain::events::EventQuery;
use crate::http::ops::Seen;
use crate::http::serve::ServeOptions;
use crate::ops::settings;
use crate::store::{self, Store};
use keyturn_protocol::token::public_key_to_string;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A clock this far from the proxy's, or behind the newest event, is reported.
const CLOCK_SKEW: Duration = Duration::from_secs(60);

#[derive(Default)]
struct Report {
    warnings: usize,
    problems: usize,
}

impl Report {
    fn ok(&mut self, what: &str) {
        println!("ok       {what}");
    }
    fn warn(&mut self, what: &str, fix: &str) {
        self.warnings += 1;
        println!("WARNING  {what}\n         fix: {fix}");
    }
    fn problem(&mut self, what: &str, fix: &str) {
        self.problems += 1;
        println!("PROBLEM  {what}\n         fix: {fix}");
    }
}

/// Runs every check; returns the exit status.
pub async fn run(opts: ServeOptions) -> i32 {
    let mut r = Report::default();
    check_settings(&mut r, &opts);
    let store = check_database(&mut r, &opts).await;
    if let Some(store) = &store {
        check_clock_against_events(&mut r, store.as_ref()).await;
    }
    check_public_url(&mut r, &opts, store.as_deref()).await;
    match (r.problems, r.warnings) {
        (0, 0) => {
            println!("All checks passed.");
            0
        }
        (0, w) => {
            println!("{w} warning(s); the server works as configured.");
            3
        }
        (p, _) => {
            println!("{p} problem(s) to fix before serving.");
            1
        }
    }
}

fn check_settings(r: &mut Report, opts: &ServeOptions) {
    match settings::config_path_in_use() {
        Some(path) => {
            r.ok(&format!("settings: {} accepted", path.display()));
            let inline_secret = settings::ConfigFile::read(&path)
                .map(|f| f.table.contains_key("admin_token"))
                .unwrap_or(false);
            if inline_secret {
                check_private(r, &path, "the config file holds admin_token and");
                r.warn(
                    &format!("{} holds the admin token itself", path.display()),
                    "move it into a file of its own (admin_token_file = \"/var/lib/keyturn/admin-token\", mode 0600)",
                );
            }
        }
        None => r.ok("settings: no config file; flags and environment only"),
    }
    for (name, path) in [
        ("admin_token_file", &opts.ops.admin_token_file),
        ("metrics_token_file", &opts.ops.metrics_token_file),
    ] {
        let Some(path) = path else { continue };
        match crate::ops::read_secret(path, name) {
            Ok(_) => {
                r.ok(&format!("{name}: {} is readable", path.display()));
                check_private(r, path, &format!("{name} {}", path.display()));
            }
            Err(e) => r.problem(
                &e,
                "run keyturn-server init as the server's user (it creates the admin token file), or fix the path",
            ),
        }
    }
    match &opts.seal.seal_key_file {
        Some(path) if path.exists() => check_private(r, path, &format!("seal_key_file {}", path.display())),
        Some(_) => {}
        None => r.warn(
            "no seal_key_file: TOTP secrets and queued email keys are only as safe as the database and its backups",
            "keyturn-server seal-key new /var/lib/keyturn/seal-key, then seal_key_file = \"/var/lib/keyturn/seal-key\" (back it up apart from the database)",
        ),
    }
    match opts.ops.admin_token(opts.admin_token.as_deref()) {
        Ok(None) => r.ok("admin API and console: off (no admin token)"),
        Ok(Some(token)) if token.len() < 24 => r.warn(
            &format!(
                "the admin token is short ({} characters): it can be guessed",
                token.len()
            ),
            "let keyturn-server init make one (remove the old token file first), or use 24+ random characters",
        ),
        Ok(Some(_)) => {}
        Err(e) => r.problem(&e, "give admin_token_file only (init creates it)"),
    }
    if opts.test_clock {
        r.problem(
            "test_clock is on: with the admin token anyone can move the server's clock (tests only)",
            "remove test_clock from the settings",
        );
    }
    if let Some(url) = opts.public_url.as_deref().and_then(|u| u.strip_prefix("http://")) {
        let local = ["localhost", "127.0.0.1", "[::1]"].iter().any(|h| {
            url.strip_prefix(h)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
        if !local {
            r.warn(
                "public_url is http, not https: keys, tokens and the console's sign-in travel unencrypted",
                "put a reverse proxy with TLS in front and set public_url = \"https://...\" (README: Self-host in five minutes)",
            );
        }
    }
}

/// A secret readable by every user of the machine draws a warning.
fn check_private(r: &mut Report, path: &Path, what: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o004 != 0 {
                r.warn(
                    &format!("{what} is readable by every user of this machine (mode {mode:o})"),
                    &format!("chmod 600 {}", path.display()),
                );
            }
        }
    }
}

async fn check_database(r: &mut Report, opts: &ServeOptions) -> Option<Arc<dyn Store>> {
    let postgres = store::postgres::is_url(&opts.db);
    if !postgres {
        let path = Path::new(&opts.db);
        if !path.exists() {
            r.problem(
                &format!("database: {} does not exist", opts.db),
                "run keyturn-server init (as the server's user) to create it",
            );
            return None;
        }
        if let Err(e) = writable(path) {
            r.problem(
                &format!("database: {} is not writable by this user: {e}", opts.db),
                "run doctor and serve as the server's user (sudo -u keyturn ...), or chown the folder to it",
            );
            return None;
        }
        // It holds the token signing key.
        check_private(r, path, &format!("the database {}", opts.db));
    }
    let seal = match opts.seal.setting() {
        Ok(seal) => seal,
        Err(e) => {
            r.problem(
                &e,
                "point seal_key_file at the database's seal key file (or create one: keyturn-server seal-key new PATH)",
            );
            return None;
        }
    };
    match store::open_sealed(&opts.db, opts.sync, &seal).await {
        Ok(store) => {
            let name = if postgres { "PostgreSQL" } else { opts.db.as_str() };
            r.ok(&format!(
                "database: {name} opens, its schema is current and it is writable"
            ));
            Some(store)
        }
        Err(e) => {
            r.problem(
                &format!("database: {e}"),
                if postgres {
                    "check the URL, that PostgreSQL runs and that the user may connect (pg_hba.conf)"
                } else {
                    "check the path and its folder's permissions"
                },
            );
            None
        }
    }
}

/// The file opens for writing and its folder takes new files (SQLite's -wal and -shm).
fn writable(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new().append(true).open(path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = dir.join(format!(".keyturn-doctor-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

async fn check_clock_against_events(r: &mut Report, store: &dyn Store) {
    let query = EventQuery {
        limit: Some(1),
        ..Default::default()
    };
    let Ok(page) = store.events(query).await else { return };
    let Some(newest) = page.events.first() else {
        r.ok("clock: no events yet to compare with");
        return;
    };
    let ahead = newest.event.at - now_secs();
    if ahead > CLOCK_SKEW.as_secs() as i64 {
        r.problem(
            &format!("clock: this machine's clock is {ahead} s behind the newest event in the database (it went back)"),
            "set the clock right (timedatectl set-ntp true); tokens issued now would look older than ones already out",
        );
    } else {
        r.ok("clock: not behind the newest event in the database");
    }
}

async fn check_public_url(r: &mut Report, opts: &ServeOptions, store: Option<&dyn Store>) {
    let Some(url) = &opts.public_url else {
        r.warn(
            "public_url is not set: doctor cannot check the address people reach the server at",
            "set public_url = \"https://license.example.com\" (the reverse proxy's address)",
        );
        return;
    };
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
        Ok(c) => c,
        Err(e) => return r.problem(&format!("public URL: no HTTP client: {e}"), "report this"),
    };
    let target = format!("{url}/healthz/seen");
    let answer = match client.get(&target).send().await {
        Ok(a) => a,
        Err(e) => {
            let why = error_chain(&e);
            let fix = if why.contains("certificate") {
                "the certificate is not trusted here: let the proxy get one (Caddy does by itself; certbot for nginx)"
            } else {
                "start the server and the reverse proxy; check DNS, the firewall and the proxy's address"
            };
            return r.problem(&format!("public URL: {target} cannot be reached: {why}"), fix);
        }
    };
    let date = answer
        .headers()
        .get("date")
        .and_then(|d| d.to_str().ok())
        .and_then(|d| humantime::parse_rfc3339_weak(&httpdate_to_rfc3339(d)?).ok());
    if !answer.status().is_success() {
        return r.problem(
            &format!("public URL: {target} answers {}", answer.status()),
            "point the reverse proxy at keyturn-server's listen address (nginx: proxy_pass http://127.0.0.1:8080; Caddy: reverse_proxy 127.0.0.1:8080)",
        );
    }
    let seen: Seen = match answer.json().await {
        Ok(seen) => seen,
        Err(_) => {
            return r.problem(
                &format!("public URL: {target} is not answered by keyturn-server"),
                "point the reverse proxy at keyturn-server's listen address",
            )
        }
    };
    if let Some(store) = store {
        if seen.public_key != public_key_to_string(&store.secrets().keys().signing_key.verifying_key()) {
            return r.problem(
                &format!(
                    "public URL: {url} is answered by a keyturn-server with another database (another signing key)"
                ),
                "point the reverse proxy at this server, or give doctor that server's settings",
            );
        }
    }
    r.ok(&format!("public URL: {url} reaches this server"));
    match (seen.forwarded_for.is_some(), seen.trust_proxy) {
        (false, true) => r.problem(
            "reverse proxy: trust_proxy is on but the proxy sends no X-Forwarded-For: every client shares one rate limit",
            "nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; (Caddy sends it by itself)",
        ),
        (true, false) => r.warn(
            "reverse proxy: it forwards the client's address (X-Forwarded-For) but trust_proxy is off: every client shares the proxy's rate limit",
            "set trust_proxy = true (only when every request comes through the proxy)",
        ),
        (true, true) => r.ok("reverse proxy: forwards the client's address (X-Forwarded-For) and the server trusts it"),
        (false, false) => r.ok("reverse proxy: none seen (no X-Forwarded-For); the server is reached directly"),
    }
    if url.starts_with("https://") && seen.forwarded_proto.as_deref().is_some_and(|p| p != "https") {
        r.warn(
            "reverse proxy: it says the request came over http although public_url is https",
            "nginx: proxy_set_header X-Forwarded-Proto $scheme;",
        );
    }
    if let Some(theirs) = date {
        let skew = now_secs() - theirs.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        if skew.unsigned_abs() > CLOCK_SKEW.as_secs() {
            r.warn(
                &format!("clock: this machine's clock is {skew} s off the reverse proxy's"),
                "turn on time sync on both machines (timedatectl set-ntp true)",
            );
        } else {
            r.ok("clock: agrees with the reverse proxy's (Date header)");
        }
    }
}

/// The error and its causes in one line (reqwest's own message is only the outermost).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) as `1994-11-06T08:49:37Z`.
fn httpdate_to_rfc3339(date: &str) -> Option<String> {
    let parts: Vec<&str> = date.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| x == month)? + 1;
    Some(format!("{year}-{m:02}-{day:0>2}T{time}Z"))
}
