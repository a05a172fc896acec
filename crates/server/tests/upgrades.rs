//! Upgrades in place: a database made by the previous release (the fixtures, SQL text made by
//! `tests/fixtures/make-previous-release.sh` with the server of commit 84395f5) is upgraded when
//! a server starts on it, on the store under test, and keeps its licenses, machines and keys; a
//! database of a newer release is refused with words that say so, and left unchanged.

use keyturn_protocol::token;
use keyturn_testkit::store::sql;
use keyturn_testkit::*;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The schema version this release records (1 + its steps).
const CURRENT: u32 = keyturn_server::store::sqlite::schema::VERSION;

fn fixture(store: Store) -> PathBuf {
    let name = match store {
        Store::Sqlite => "previous-release-sqlite.sql",
        Store::Postgres => "previous-release-postgres.sql",
    };
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The fixture's license key (its first line: `-- license key: KEY`).
fn fixture_key(store: Store) -> String {
    let text = std::fs::read_to_string(fixture(store)).unwrap();
    let first = text.lines().next().unwrap();
    first
        .strip_prefix("-- license key: ")
        .expect("the key line")
        .trim()
        .to_string()
}

/// A database of the store under test loaded from the previous release's fixture.
fn previous_release_database(store: Store) -> Database {
    let database = Database::fresh(store);
    match store {
        Store::Sqlite => {
            let sql = std::fs::read_to_string(fixture(store)).unwrap();
            rusqlite::Connection::open(&database.db)
                .unwrap()
                .execute_batch(&sql)
                .unwrap();
        }
        Store::Postgres => postgres::load(&database.db, &fixture(store)),
    }
    database
}

fn recorded_version(db: &str) -> String {
    let text = if db.starts_with("postgres://") {
        "convert_from(v, 'UTF8')"
    } else {
        "CAST(v AS TEXT)"
    };
    sql(db, &format!("SELECT {text} FROM meta WHERE k = 'schema_version'"))
}

/// How many indexes of this name the database has.
fn index_count(db: &str, name: &str) -> String {
    let catalog = if db.starts_with("postgres://") {
        "pg_indexes WHERE indexname"
    } else {
        "sqlite_master WHERE type = 'index' AND name"
    };
    sql(db, &format!("SELECT CAST(count(*) AS TEXT) FROM {catalog} = '{name}'"))
}

#[tokio::test]
async fn a_previous_release_database_upgrades_in_place() {
    let store = Store::under_test();
    let database = previous_release_database(store);
    let key = fixture_key(store);
    let seed_before = sql(
        &database.db,
        "SELECT CAST(count(*) AS TEXT) FROM meta WHERE k = 'schema_version'",
    );
    assert_eq!(seed_before, "0", "the previous release records no version");

    let hex = if database.db.starts_with("postgres://") {
        "encode(v, 'hex')"
    } else {
        "lower(hex(v))"
    };
    let seed_hex = sql(
        &database.db,
        &format!("SELECT {hex} FROM meta WHERE k = 'signing_key_seed'"),
    );
    let seed: Vec<u8> = (0..seed_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&seed_hex[i..i + 2], 16).unwrap())
        .collect();
    let pinned = token::public_key_to_string(&token::signing_key_from_seed(seed.try_into().unwrap()).verifying_key());

    let server = Server::start_on(&database.db, &[]);
    assert_eq!(recorded_version(&database.db), CURRENT.to_string());
    // Every step ran, the last one too (the key-email list's index, on a table the previous
    // release did not have).
    assert_eq!(index_count(&database.db, "license_mails_listed"), "1");
    // The old release's one signing key is the active key: apps pinned to it keep working.
    assert_eq!(server.public_key(), pinned);
    let keys: Value = serde_json::from_str(&server.cli(&["keys", "list"])).unwrap();
    assert_eq!(keys["public_keys"], serde_json::json!([pinned]), "{keys}");
    assert_eq!(keys["keys"][0]["state"], "ACTIVE");

    // The old machine is still bound and valid; the old license keeps its seat count.
    let (status, v) = server.validate(&key, "old-device").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "VALID"), "{v}");
    let machines = server.machines(&key).await;
    assert_eq!(machines.len(), 1);
    assert_eq!(machines[0]["name"], "Old laptop");
    let license: Value = serde_json::from_str(&server.cli(&["license", "show", "--license", &key])).unwrap();
    assert_eq!(license["owner_email"], "old@example.com", "{license}");

    // It renews and takes new devices up to its limit of 3.
    let (status, renewed) = server.activate(&key, "old-device").await;
    assert!(status.is_success(), "{renewed}");
    for device in ["new-1", "new-2"] {
        let (status, v) = server.activate(&key, device).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let (status, v) = server.activate(&key, "new-3").await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"),
        "{v}"
    );

    // A second start changes nothing.
    drop(server);
    let again = Server::start_on(&database.db, &[]);
    assert_eq!(recorded_version(&database.db), CURRENT.to_string());
    let (status, v) = again.validate(&key, "new-2").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "VALID"), "{v}");
}

#[test]
fn a_newer_release_database_is_refused() {
    let store = Store::under_test();
    let database = previous_release_database(store);
    let newer = CURRENT + 1;
    let version = match store {
        Store::Sqlite => format!("CAST('{newer}' AS BLOB)"),
        Store::Postgres => format!("convert_to('{newer}', 'UTF8')"),
    };
    sql(
        &database.db,
        &format!("INSERT INTO meta (k, v) VALUES ('schema_version', {version}) RETURNING 'x'"),
    );
    let tables_before = sql(&database.db, "SELECT CAST(count(*) AS TEXT) FROM products");

    // `serve` exits at once with the reason (polled with a deadline: a server that starts runs on).
    let mut serve = Command::new(binaries::server())
        .args(["serve", "--db", &database.db, "--listen", "127.0.0.1:0"])
        .env_remove("KEYTURN_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = serve.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = serve.kill();
            panic!("keyturn-server served a newer release's database");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::io::read_to_string(serve.stderr.take().unwrap()).unwrap();
    assert!(!status.success());
    assert!(
        stderr.contains(&format!("upgraded by a newer Keyturn server (schema version {newer}")),
        "{stderr}"
    );
    // The CLI refuses it the same way; nothing was changed.
    let (ok, _, err) = cli_raw(&database.db, &["product", "list"]);
    assert!(!ok && err.contains("newer Keyturn server"), "{err}");
    assert_eq!(recorded_version(&database.db), newer.to_string());
    assert_eq!(
        sql(&database.db, "SELECT CAST(count(*) AS TEXT) FROM products"),
        tables_before
    );
}
