//! The seal key file (`--seal-key-file`), on the store under test (`KEYTURN_TEST_STORE=postgres`
//! for PostgreSQL): a database whose staff TOTP secret and queued key email were sealed with the
//! database's own secret (`v1.`) is switched to a key file made by `seal-key new` and loses
//! nothing (the TOTP still signs in, the email still goes out with its key; both now `v2.`, and
//! the database holds no byte of the key); started afterwards without the file, or with another
//! one, the server exits with a clear message and changes nothing; `seal-key forget` (the file
//! is lost) drops only what the file sealed.

mod payments_common;
mod staff_common;

use keyturn_server::domain::staff::totp;
use keyturn_testkit::store::sql;
use keyturn_testkit::*;
use payments_common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use staff_common::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WARNING: &str = "no seal_key_file";

/// The shop's server options (as [`Shop::start`] gives them) plus `more`.
fn shop_args(shop: &Shop, more: &[&str]) -> Vec<String> {
    let prices: Vec<String> = keyturn_testkit::shop::PRICES
        .iter()
        .map(|p| format!("{p}={}", shop.policy))
        .collect();
    let mut args: Vec<String> = [
        "--stripe-webhook-secret",
        STRIPE,
        "--payment-price",
        &prices.join(","),
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &shop.smtp_port.to_string(),
        "--mail-from",
        "Pixel Sales <sales@pixel.example>",
        "--smtp-tls",
        "off",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(more.iter().map(|s| s.to_string()));
    args
}

fn start(shop: &Shop, more: &[&str]) -> Server {
    let args = shop_args(shop, more);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::start_on(&shop.database.db, &args)
}

/// `serve` on `db` that must stop by itself: its exit status and stderr.
fn refused_start(db: &str, more: &[&str]) -> (i32, String) {
    let mut command = Command::new(binaries::server());
    command
        .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        .args(more)
        .env("KEYTURN_SERVER_CONFIG", "")
        .env_remove("KEYTURN_SEAL_KEY_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut guard = process::GroupGuard::spawn("refused keyturn-server", command).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = guard.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server started (it should have refused)");
        std::thread::sleep(Duration::from_millis(25));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut guard.child_mut().stderr.take().unwrap(), &mut stderr).unwrap();
    (status.code().unwrap_or(-1), stderr)
}

fn seal_key_new(path: &Path) -> process::Run {
    let mut command = Command::new(binaries::server());
    command.args(["seal-key", "new"]).arg(path);
    process::run(command, "")
}

/// Everything the database holds, as bytes: the SQLite file and its WAL, or a PostgreSQL dump.
fn database_bytes(db: &str) -> Vec<u8> {
    if db.starts_with("postgres://") {
        return postgres::dump(db);
    }
    let mut bytes = std::fs::read(db).unwrap();
    bytes.extend(std::fs::read(format!("{db}-wal")).unwrap_or_default());
    bytes
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex_to_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The server's clock 10 s into a 30-second step after `base` (so each sign-in uses a new step).
async fn mid_step(server: &Server, base: i64) -> i64 {
    let first = server.set_clock_offset(base).await;
    server
        .set_clock_offset(base + 10 - first.rem_euclid(totp::STEP_SECS))
        .await
}

async fn sign_in_with_totp(server: &Server, secret: &[u8], base: i64) {
    let now = mid_step(server, base).await;
    let creds = json!({"email": "ann@acme.com", "password": PASSWORD, "totp": totp::code_at(secret, now)});
    sign_in(server, creds, None).await.expect("TOTP sign-in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_moves_to_a_key_file_losing_nothing_and_refuses_to_start_without_it() {
    let mut shop = Shop::start(&["--smtp-tls", "off"]);
    let db = shop.database.db.clone();
    let server = &shop.server;
    eventually("the warning", Duration::from_secs(10), || async {
        server.logs().contains(WARNING)
    })
    .await;

    // Under the database's own key: a key email waiting for the mail server, ann's TOTP secret.
    let purchase = stripe_checkout("evt_seal", "cs_seal", "payment", "pi_seal", json!({}));
    let license = shop.stripe(&purchase).await["license_id"].as_str().unwrap().to_string();
    eventually("a failed send", Duration::from_secs(30), || async {
        server.logs().contains("purchase email not sent")
    })
    .await;
    add_staff(server, "ann@acme.com", "support");
    let now = mid_step(server, 3600).await;
    let ann = sign_in_staff(server, "ann@acme.com").await;
    let (_, begun) = ann.call(Method::POST, "/me/totp/begin", None).await;
    let secret = totp::from_base32(begun["secret"].as_str().unwrap()).unwrap();
    let confirm = json!({"secret": begun["secret"], "code": totp::code_at(&secret, now)});
    assert_eq!(
        ann.call(Method::POST, "/me/totp", Some(confirm)).await.0,
        StatusCode::NO_CONTENT
    );
    let totp_query = "SELECT totp_secret FROM staff";
    let key_query = format!("SELECT license_key FROM license_mails WHERE license_id = '{license}'");
    let (old_totp, old_key) = (sql(&db, totp_query), sql(&db, &key_query));
    assert!(
        old_totp.starts_with("v1.") && old_key.starts_with("v1."),
        "{old_totp} {old_key}"
    );
    assert_eq!(
        server.logs().matches(WARNING).count(),
        1,
        "one warning:\n{}",
        server.logs()
    );
    shop.server.stop();

    // A key file: private, never overwritten.
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("seal-key");
    assert!(seal_key_new(&key_file).success());
    let key_hex = std::fs::read_to_string(&key_file).unwrap().trim().to_string();
    assert_eq!(key_hex.len(), 64);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = seal_key_new(&key_file);
    assert!(
        !again.success() && again.stderr.contains("exists and is kept"),
        "{again:?}"
    );
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim(), key_hex);

    // Started with it: everything resealed under the file, and still working.
    let key_arg = key_file.to_str().unwrap();
    let switched = start(&shop, &["--seal-key-file", key_arg]);
    assert!(!switched.logs().contains(WARNING), "{}", switched.logs());
    let (sealed_totp, sealed_key) = (sql(&db, totp_query), sql(&db, &key_query));
    assert!(sealed_totp.starts_with("v2."), "{sealed_totp}");
    assert!(sealed_key.starts_with("v2."), "{sealed_key}");
    let bytes = database_bytes(&db);
    assert!(
        !contains(&bytes, key_hex.as_bytes()) && !contains(&bytes, &hex_to_bytes(&key_hex)),
        "the key is in the database"
    );
    for old in [&old_totp, &old_key] {
        assert!(
            !contains(&bytes, old.as_bytes()),
            "a copy sealed with the database's key is left"
        );
    }
    assert!(!switched.logs().contains(&key_hex));
    sign_in_with_totp(&switched, &secret, 7200).await;
    // The admin CLI neither needs nor checks the file.
    assert!(switched.cli(&["product", "list"]).contains("pixel"));
    let smtp = keyturn_testkit::smtp::SmtpServer::start(shop.smtp_port);
    switched.set_clock_offset(7200 + 3600).await; // past the retry delay
    eventually("the email", Duration::from_secs(30), || async {
        !smtp.messages().is_empty()
    })
    .await;
    let (_, view) = switched.admin(Method::GET, &format!("/licenses/{license}"), None).await;
    let prefix = view["key_prefix"].as_str().unwrap();
    let text = smtp.messages()[0]["text"].as_str().unwrap().to_string();
    assert!(text.contains(&format!("activate?key={prefix}")), "{text}");
    let mut switched = switched;
    switched.stop();

    // Without the file, and with another one: a clear refusal, nothing changed.
    let (code, stderr) = refused_start(&db, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("sealed with a seal key file, and none is given") && stderr.contains("seal_key_file"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let other = dir.path().join("other-key");
    assert!(seal_key_new(&other).success());
    let (code, stderr) = refused_start(&db, &["--seal-key-file", other.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is not the one this database"), "{stderr}");
    let other_hex = std::fs::read_to_string(&other).unwrap().trim().to_string();
    assert!(!stderr.contains(&key_hex) && !stderr.contains(&other_hex), "{stderr}");
    assert_eq!(
        sql(&db, totp_query),
        sealed_totp,
        "a refused start changed the TOTP secret"
    );
    let (code, stderr) = refused_start(&db, &["--seal-key-file", dir.path().join("gone").to_str().unwrap()]);
    assert!(code == 1 && stderr.contains("does not exist"), "{stderr}");

    // The right file again: as before.
    let back = start(&shop, &["--seal-key-file", key_arg]);
    sign_in_with_totp(&back, &secret, 10_800).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_key_file_is_forgotten_losing_only_what_it_sealed() {
    let mut shop = Shop::start(&["--smtp-tls", "off"]);
    let db = shop.database.db.clone();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("seal-key");
    assert!(seal_key_new(&key_file).success());
    shop.server.stop();
    let server = start(&shop, &["--seal-key-file", key_file.to_str().unwrap()]);
    let purchase = stripe_checkout("evt_lost", "cs_lost", "payment", "pi_lost", json!({}));
    let license = shop.stripe_via(&server, &purchase).await["license_id"]
        .as_str()
        .unwrap()
        .to_string();
    add_staff(&server, "ann@acme.com", "support");
    let now = mid_step(&server, 3600).await;
    let ann = sign_in_staff(&server, "ann@acme.com").await;
    let (_, begun) = ann.call(Method::POST, "/me/totp/begin", None).await;
    let secret = totp::from_base32(begun["secret"].as_str().unwrap()).unwrap();
    let confirm = json!({"secret": begun["secret"], "code": totp::code_at(&secret, now)});
    assert_eq!(
        ann.call(Method::POST, "/me/totp", Some(confirm)).await.0,
        StatusCode::NO_CONTENT
    );
    assert!(sql(&db, "SELECT totp_secret FROM staff").starts_with("v2."));
    let mut server = server;
    server.stop();
    std::fs::remove_file(&key_file).unwrap();

    let forget = cli_run(&db, &["seal-key", "forget"]);
    assert!(forget.success(), "{forget:?}");
    let restarted = start(&shop, &[]);
    assert_eq!(
        sql(
            &db,
            "SELECT CAST(count(*) AS TEXT) FROM staff WHERE totp_secret IS NOT NULL"
        ),
        "0"
    );
    let state = format!("SELECT state || ' ' || last_error FROM license_mails WHERE license_id = '{license}'");
    let state = sql(&db, &state);
    assert!(
        state.starts_with("FAILED ") && state.contains("seal key file"),
        "{state}"
    );
    // The account itself is kept: ann signs in with her password (and may enrol TOTP again).
    sign_in_staff(&restarted, "ann@acme.com").await;
}
