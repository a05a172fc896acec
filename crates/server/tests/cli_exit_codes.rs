//! The admin CLI's exit-code contract (crates/server/README.md, "Command line"): an answer on
//! stdout and status 0; a refusal or a database it cannot use as ONE line `error: …` on stderr
//! and status 1; a usage error status 2 — never a panic, a backtrace, a hang or log lines
//! around the message. Each database fault is made for real: a missing directory, a file that
//! is not a database, a truncated one, one of a newer release, one locked by another process, a
//! PostgreSQL address where nothing listens.

use keyturn_testkit::{binaries, free_port, process, Database, Run, Store};
use std::process::Command;
use std::time::{Duration, Instant};

fn keyturn_server(args: &[&str]) -> Run {
    let mut command = Command::new(binaries::server());
    command
        .args(args)
        .env_remove("KEYTURN_DB")
        .env_remove("KEYTURN_LOG")
        .env("KEYTURN_SERVER_CONFIG", "");
    process::run(command, "")
}

/// Status `code`, nothing on stdout, one `error: ` line on stderr (containing `says`).
fn assert_refused(what: &str, run: &Run, code: i32, says: &str) {
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(
        run.code == code
            && run.stdout.is_empty()
            && lines.len() == 1
            && lines[0].starts_with("error: ")
            && lines[0].contains(says),
        "{what}: expected exit {code} and one line `error: …{says}…`, got exit {} with stdout {:?} and stderr:\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
}

/// A SQLite database made by this release (a product in it), in `dir`.
fn made_database(dir: &std::path::Path) -> String {
    let db = dir.join("keyturn.db").to_string_lossy().into_owned();
    let run = keyturn_server(&["product", "create", "--db", &db, "--name", "App", "--id", "app"]);
    assert!(run.success(), "{run:?}");
    db
}

#[test]
fn usage_errors_exit_2_and_refusals_exit_1_with_one_line() {
    let database = Database::under_test();
    let db = database.db.as_str();
    assert!(keyturn_server(&["product", "create", "--db", db, "--name", "App", "--id", "app"]).success());
    let run = keyturn_server(&["license", "list", "--db", db, "--bogus"]);
    assert!(
        run.code == 2 && run.stderr.starts_with("error: ") && !run.stderr.contains("panicked"),
        "{run:?}"
    );
    let run = keyturn_server(&["license", "frobnicate"]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = keyturn_server(&[
        "policy",
        "create",
        "--db",
        db,
        "--product",
        "p",
        "--name",
        "n",
        "--max-machines",
        "-1",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    for (what, args, says) in [
        (
            "a license that does not exist",
            &["license", "show", "--license", "lic_nope"][..],
            "NOT_FOUND",
        ),
        (
            "a key that does not exist",
            &["license", "suspend", "--license", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-FFFFF"][..],
            "NOT_FOUND",
        ),
        (
            "an extension of no license",
            &["license", "extend", "--license", "lic_nope", "--secs", "5"][..],
            "NOT_FOUND",
        ),
        (
            "a policy of no product",
            &[
                "policy",
                "create",
                "--product",
                "nope",
                "--name",
                "n",
                "--max-machines",
                "1",
            ][..],
            "NOT_FOUND",
        ),
    ] {
        let mut args = args.to_vec();
        args.extend(["--db", db]);
        assert_refused(what, &keyturn_server(&args), 1, says);
    }
}

#[test]
fn a_database_it_cannot_use_exits_1_with_one_line() {
    if Store::under_test().is_postgres() {
        // Nothing listens on a fresh port: refused at once, and said why in one line (the
        // listener of changes used to log a warning first).
        let url = format!("postgres://keyturn@127.0.0.1:{}/keyturn", free_port());
        let started = Instant::now();
        let run = keyturn_server(&["license", "list", "--db", &url]);
        assert_refused("a PostgreSQL that refuses", &run, 1, "Connection refused");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "took {:?}",
            started.elapsed()
        );
        let run = keyturn_server(&["license", "list", "--db", "postgres://[::1:bad/x"]);
        assert_refused("a PostgreSQL URL that is not one", &run, 1, "not a PostgreSQL URL");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    // A command that only reads, given a path where no database is: a typo, said so (it used to
    // create an empty database there, with its own signing key, and print `[]`).
    let typo = path("keyturn-typo.db");
    for args in [
        &["license", "list"][..],
        &["license", "show", "--license", "lic_x"],
        &["product", "list"],
        &["policy", "list"],
        &["events"],
        &["staff", "list"],
        &["token", "list"],
        &["webhook", "list"],
        &["keys", "list"],
    ] {
        let mut args = args.to_vec();
        args.extend(["--db", &typo]);
        assert_refused(
            &format!("{args:?} on a missing database"),
            &keyturn_server(&args),
            1,
            "no database at",
        );
    }
    assert!(
        !std::path::Path::new(&typo).exists(),
        "a reading command created a database"
    );
    let missing_dir = path("no/such/dir/keyturn.db");
    assert_refused(
        "a database in a missing directory",
        &keyturn_server(&["product", "create", "--db", &missing_dir, "--name", "X"]),
        1,
        "cannot open",
    );
    std::fs::write(
        path("garbage.db"),
        "this is not a database, only some text. ".repeat(40),
    )
    .unwrap();
    assert_refused(
        "a file that is not a database",
        &keyturn_server(&["license", "list", "--db", &path("garbage.db")]),
        1,
        "not a database",
    );
    let db = made_database(dir.path());
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(path("truncated.db"), &bytes[..bytes.len().min(200)]).unwrap();
    assert_refused(
        "a truncated database",
        &keyturn_server(&["license", "list", "--db", &path("truncated.db")]),
        1,
        "cannot open",
    );
    std::fs::create_dir(path("a-directory.db")).unwrap();
    assert_refused(
        "a directory",
        &keyturn_server(&["license", "list", "--db", &path("a-directory.db")]),
        1,
        "cannot open",
    );

    // A newer release's database: refused before anything changes.
    std::fs::copy(&db, path("newer.db")).unwrap();
    let newer = rusqlite::Connection::open(path("newer.db")).unwrap();
    newer
        .execute("UPDATE meta SET v = CAST('999' AS BLOB) WHERE k = 'schema_version'", [])
        .unwrap();
    drop(newer);
    let before = std::fs::read(path("newer.db")).unwrap();
    assert_refused(
        "a newer release's database",
        &keyturn_server(&["product", "create", "--db", &path("newer.db"), "--name", "X"]),
        1,
        "newer",
    );
    assert_eq!(
        std::fs::read(path("newer.db")).unwrap(),
        before,
        "the newer database was changed"
    );

    // Locked by another process's write: waits its busy time, then says so (no hang).
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; INSERT INTO meta (k, v) VALUES ('held', x'00');")
        .unwrap();
    let started = Instant::now();
    let run = keyturn_server(&["product", "create", "--db", &db, "--name", "Y"]);
    assert_refused("a database locked by another process", &run, 1, "locked");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    holder.execute_batch("ROLLBACK").unwrap();
    let run = keyturn_server(&["product", "list", "--db", &db]);
    assert!(run.success() && !run.stdout.contains("\"Y\""), "{run:?}");
}
