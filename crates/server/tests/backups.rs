//! `keyturn-server backup` and `restore` on a live SQLite database: a backup taken under
//! activation load holds every activation answered before it began, and a new server on the
//! restored file serves them with the same keys. PostgreSQL databases are backed up with
//! pg_dump (the command says so).

use keyturn_testkit::*;
use reqwest::StatusCode;
use std::path::Path;
use std::time::Duration;

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_load_restores_every_acknowledged_activation() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::options()
        .store(Store::Sqlite)
        .product("bk", "Backed up")
        .start();
    let key = server.new_license(1_000_000);
    let load = load::ActivationLoad::start(std::slice::from_ref(&server.url), &key, 8);
    load.wait_for(100, Duration::from_secs(30)).await;

    // Everything answered before the backup begins must be in it.
    let before = load.answered_so_far();
    assert!(
        before.len() >= 100,
        "only {} activations before the backup",
        before.len()
    );
    let backup = dir.path().join("keyturn.backup");
    let db = server.db.clone();
    let to = backup.clone();
    let run = tokio::task::spawn_blocking(move || cli_run(&db, &["backup", "--to", path(&to)]))
        .await
        .unwrap();
    assert!(run.success(), "backup failed: {}", run.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the backup holds the signing keys: owner only");
    }
    let during = load.answered() - before.len();
    // Some activations after the backup too (the restore must not have them).
    load.wait_for(load.answered() + 10, Duration::from_secs(30)).await;
    let answered = load.finish().await;

    // A second backup to the same file is refused (never overwritten).
    let (ok, _, err) = cli_raw(&server.db, &["backup", "--to", path(&backup)]);
    assert!(!ok && err.contains("already exists"), "{err}");

    // Restoring over the live database is refused: its server has it open.
    let (ok, _, err) = cli_raw(&server.db, &["restore", "--from", path(&backup)]);
    assert!(
        !ok && err.contains("stop every server"),
        "restore onto a live database: {err}"
    );

    // Restore into a new database and start a new server on it.
    let restored_db = dir.path().join("restored.db");
    cli(path(&restored_db), &["restore", "--from", path(&backup)]);
    let restored = Server::start_on(path(&restored_db), &[]);
    let stored = machine_ids(&restored.db, &key);
    let lost: Vec<_> = before.difference(&stored).collect();
    println!(
        "backup under load: {} activations answered before the backup, {} more while it ran, \
         {} in the restored database ({} answered in all), {} lost",
        before.len(),
        during,
        stored.len(),
        answered.len(),
        lost.len()
    );
    assert!(
        lost.is_empty(),
        "the restore lacks {} acknowledged activations",
        lost.len()
    );
    // Nothing the original never answered or stored appears from nowhere.
    assert!(stored.is_subset(&machine_ids(&server.db, &key)));

    // The restored server answers validate, and signs with the same key the apps pinned.
    let (status, v) = restored.validate(&key, "w0-0").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "VALID"), "{v}");
    assert_eq!(restored.public_key(), server.public_key());
    let (status, v) = restored.activate(&key, "after-restore").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    // Over the original database once its server is stopped: it goes back to the backup's state
    // (its -wal of later changes included), and a server on it serves that.
    let mut server = server;
    let later = machine_ids(&server.db, &key);
    server.stop();
    cli(&server.db, &["restore", "--from", path(&backup)]);
    let back = Server::start_on(&server.db, &[]);
    assert_eq!(machine_ids(&back.db, &key), stored);
    assert!(
        later.len() > stored.len(),
        "activations after the backup were not undone"
    );
    let (status, v) = back.validate(&key, "w0-0").await;
    assert_eq!((status, code(&v)), (StatusCode::OK, "VALID"), "{v}");
}

#[test]
fn restore_refuses_what_is_not_a_backup_and_backup_refuses_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.backup");
    std::fs::write(&junk, b"not a database at all").unwrap();
    let target = dir.path().join("target.db");
    let (ok, _, err) = cli_raw(path(&target), &["restore", "--from", path(&junk)]);
    assert!(!ok && err.contains("not a usable Keyturn backup"), "{err}");
    assert!(!target.exists(), "a refused restore made {}", target.display());

    // A backup of a database a newer release upgraded: this release could not serve it.
    let newer = dir.path().join("newer.db");
    cli(path(&newer), &["product", "create", "--name", "Made by this release"]);
    let conn = rusqlite::Connection::open(&newer).unwrap();
    conn.execute("UPDATE meta SET v = CAST('999' AS BLOB) WHERE k = 'schema_version'", [])
        .unwrap();
    drop(conn);
    let (ok, _, err) = cli_raw(path(&target), &["restore", "--from", path(&newer)]);
    assert!(!ok && err.contains("newer Keyturn server"), "{err}");

    let url = "postgres://keyturn@127.0.0.1:1/keyturn";
    let (ok, _, err) = cli_raw(url, &["backup", "--to", path(&dir.path().join("pg.backup"))]);
    assert!(!ok && err.contains("pg_dump"), "{err}");
}

/// README's PostgreSQL commands: pg_dump while the server runs, pg_restore into a new database,
/// a server on it answers as before with the same keys.
#[tokio::test]
async fn postgres_backs_up_with_pg_dump_and_restores_with_pg_restore() {
    let server = Server::options().store(Store::Postgres).product("pg", "Dumped").start();
    let key = server.new_license(5);
    for device in ["pg-1", "pg-2"] {
        let (status, v) = server.activate(&key, device).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("keyturn.dump");
    let cluster = postgres::cluster();
    let name = |url: &str| url.rsplit('/').next().unwrap().to_string();
    let mut pg_dump = cluster.client("pg_dump", &name(&server.db));
    pg_dump.args(["--format=custom", "--file"]).arg(&dump);
    process::run_ok(pg_dump);

    let restored_db = Database::fresh(Store::Postgres);
    let mut pg_restore = cluster.client("pg_restore", &name(&restored_db.db));
    pg_restore.args(["--clean", "--if-exists", "--no-owner"]).arg(&dump);
    process::run_ok(pg_restore);
    let restored = Server::start_on(&restored_db.db, &[]);
    for device in ["pg-1", "pg-2"] {
        let (status, v) = restored.validate(&key, device).await;
        assert_eq!((status, code(&v)), (StatusCode::OK, "VALID"), "{v}");
    }
    assert_eq!(restored.public_key(), server.public_key());
}
