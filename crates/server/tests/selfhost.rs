//! Self-hosting (issue 19): the config file and its precedence, refused keys, `init`, `doctor`,
//! metrics and JSON log lines, on the real binary over HTTP.

mod selfhost_metrics;

use keyturn_testkit::{binaries, free_port, process, GroupGuard, Server};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn server_command(args: &[&str]) -> Command {
    let mut command = Command::new(binaries::server());
    command
        .args(args)
        .env_remove("KEYTURN_SERVER_CONFIG")
        .env_remove("KEYTURN_DB")
        .env_remove("KEYTURN_ADMIN_TOKEN")
        .env_remove("KEYTURN_LISTEN");
    command
}

/// Starts `serve` and returns the address it announced (the process is killed on drop).
fn announced(mut command: Command) -> (String, GroupGuard) {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .stdin(Stdio::null());
    let mut guard = GroupGuard::spawn("keyturn-server", command).expect("start keyturn-server");
    let stdout = guard.child_mut().stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("KEYTURN_SERVER_LISTENING ") {
                let _ = tx.send(url.to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the server announces its address");
    (url, guard)
}

fn write_config(dir: &Path, text: &str) -> String {
    let path = dir.join("server.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_setting_comes_from_the_flag_then_the_environment_then_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let (file_port, env_port, flag_port) = (free_port(), free_port(), free_port());
    let config = write_config(
        dir.path(),
        &format!("db = {:?}\nlisten = \"127.0.0.1:{file_port}\"\n", db.to_string_lossy()),
    );

    let (url, _file) = announced(server_command(&["serve", "--config", &config]));
    assert_eq!(
        url,
        format!("http://127.0.0.1:{file_port}"),
        "the file beats the default"
    );

    let mut command = server_command(&["serve", "--config", &config]);
    command.env("KEYTURN_LISTEN", format!("127.0.0.1:{env_port}"));
    let (url, _env) = announced(command);
    assert_eq!(
        url,
        format!("http://127.0.0.1:{env_port}"),
        "the environment beats the file"
    );

    let mut command = server_command(&[
        "serve",
        "--config",
        &config,
        "--listen",
        &format!("127.0.0.1:{flag_port}"),
    ]);
    command.env("KEYTURN_LISTEN", format!("127.0.0.1:{env_port}"));
    let (url, _flag) = announced(command);
    assert_eq!(
        url,
        format!("http://127.0.0.1:{flag_port}"),
        "the flag beats the environment"
    );

    // The file is also found through KEYTURN_SERVER_CONFIG.
    let mut command = server_command(&["serve", "--listen", "127.0.0.1:0"]);
    command.env("KEYTURN_SERVER_CONFIG", &config);
    let (_, _through_env) = announced(command);
}

#[test]
fn a_misspelled_or_wrong_setting_is_refused_with_the_closest_key() {
    let dir = tempfile::tempdir().unwrap();
    for (text, expected) in [
        (
            "db = \"x.db\"\nlistn = \"127.0.0.1:0\"\n",
            "unknown setting `listn`; did you mean `listen`?",
        ),
        (
            "db = \"x.db\"\nadmin-token-file = \"t\"\n",
            "did you mean `admin_token_file`?",
        ),
        (
            "db = \"x.db\"\nrate_limit = \"fast\"\n",
            "`rate_limit` = \"fast\" is refused",
        ),
        (
            "db = \"x.db\"\ntrust_proxy = \"yes\"\n",
            "`trust_proxy` = \"yes\" is refused: give true or false",
        ),
        (
            "db = \"x.db\"\n[metrics]\nlisten = \"x\"\n",
            "unknown setting `metrics`; did you mean `metrics_listen`?",
        ),
    ] {
        let config = write_config(dir.path(), text);
        for sub in ["serve", "init", "doctor"] {
            let run = process::run(server_command(&[sub, "--config", &config]), "");
            assert_eq!(run.code, 2, "{sub} with {text:?}: {run:?}");
            assert!(
                run.stderr.contains(expected) && run.stderr.contains(&config),
                "{sub} with {text:?}: {}",
                run.stderr
            );
        }
    }
    assert!(
        !dir.path().join("x.db").exists(),
        "nothing is created from a refused config"
    );
}

#[test]
fn init_creates_the_database_key_and_token_once_and_prints_the_vendor_block() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keyturn.db");
    let token = dir.path().join("admin-token");
    let config = write_config(
        dir.path(),
        &format!(
            "db = {:?}\nadmin_token_file = {:?}\npublic_url = \"https://license.example.com/\"\n",
            db.to_string_lossy(),
            token.to_string_lossy()
        ),
    );
    let first = process::run(server_command(&["init", "--config", &config]), "");
    assert!(first.success(), "{first:?}");
    let block = first.json();
    let public_key = process::run_ok(server_command(&["public-key", "--db", &db.to_string_lossy()]));
    assert_eq!(block["server_url"], "https://license.example.com");
    assert_eq!(block["public_key"], public_key.trim());
    use std::os::unix::fs::PermissionsExt;
    for secret in [&db, &token] {
        let mode = std::fs::metadata(secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", secret.display());
    }
    let written = std::fs::read_to_string(&token).unwrap();
    assert!(written.trim().len() >= 43, "a 256-bit token");

    let second = process::run(server_command(&["init", "--config", &config]), "");
    assert!(second.success(), "{second:?}");
    assert_eq!(second.json(), block, "the same key and URL");
    assert_eq!(
        std::fs::read_to_string(&token).unwrap(),
        written,
        "the token is never overwritten"
    );
    assert!(second.stderr.contains("exists, kept"), "{}", second.stderr);

    // The token file is the admin credential of a server started from the same config.
    let (url, _server) = announced(server_command(&[
        "serve",
        "--config",
        &config,
        "--listen",
        "127.0.0.1:0",
    ]));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = |bearer: &str| {
        let request = reqwest::Client::new()
            .get(format!("{url}/admin/v1/products"))
            .bearer_auth(bearer);
        rt.block_on(request.send()).unwrap().status().as_u16()
    };
    assert_eq!(status(written.trim()), 200);
    assert_eq!(status("wrong"), 401);
}

/// `init --owner-email` with the password on standard input. On PostgreSQL (one database per
/// test from the kit) as on SQLite.
#[tokio::test]
async fn init_creates_the_first_owner_once_from_the_password_on_stdin() {
    let server = Server::options().start();
    // `stdin`: written to the command's standard input, then closed.
    let init = |stdin: &str, email: &str| {
        let mut command = server_command(&["init", "--db", &server.db, "--owner-email", email]);
        command.env("KEYTURN_SERVER_CONFIG", "");
        process::run(command, stdin)
    };
    // Without a terminal and nothing on standard input: refused in plain words, nothing made.
    let refused = init("", "Ann@Example.com");
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("no password on standard input"),
        "{}",
        refused.stderr
    );
    let weak = init("short\n", "ann@example.com");
    assert!(weak.stderr.contains("WEAK_PASSWORD"), "{weak:?}");

    let created = init("correct horse battery staple\n", "Ann@Example.com");
    assert!(created.success(), "{created:?}");
    assert!(
        created.stderr.contains("owner: created ann@example.com"),
        "{}",
        created.stderr
    );
    assert!(created.json()["public_key"].is_string());
    let signed_in = server
        .http
        .post(format!("{}/console/api/sign-in", server.url))
        .json(&serde_json::json!({"email": "ann@example.com", "password": "correct horse battery staple"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200, "the owner signs in to the console");

    // Again (also with another email and no password to read): the owner is kept, said so.
    for again in [init("", "ann@example.com"), init("", "bob@example.com")] {
        assert!(again.success(), "{again:?}");
        assert!(
            again.stderr.contains("owner: ann@example.com exists, kept"),
            "{}",
            again.stderr
        );
    }
    let staff: serde_json::Value = serde_json::from_str(&server.cli(&["staff", "list"])).unwrap();
    let staff = staff.as_array().unwrap();
    assert_eq!(staff.len(), 1, "{staff:?}");
    assert_eq!(staff[0]["role"], "owner");
}

#[test]
fn doctor_names_each_problem_and_its_fix_with_an_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keyturn.db");
    let token = dir.path().join("admin-token");
    let port = free_port();
    let config = write_config(
        dir.path(),
        &format!(
            "db = {:?}\nadmin_token_file = {:?}\nseal_key_file = {:?}\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}\"\n",
            db.to_string_lossy(),
            token.to_string_lossy(),
            dir.path().join("seal-key").to_string_lossy()
        ),
    );
    let doctor = || process::run(server_command(&["doctor", "--config", &config]), "");

    let missing = doctor();
    assert_eq!(missing.code, 1, "{missing:?}");
    assert!(missing.stdout.contains("PROBLEM  database:") && missing.stdout.contains("run keyturn-server init"));
    assert!(!db.exists(), "doctor creates nothing");

    assert!(process::run(server_command(&["init", "--config", &config]), "").success());
    let not_serving = doctor();
    assert_eq!(not_serving.code, 1, "{not_serving:?}");
    assert!(
        not_serving.stdout.contains("cannot be reached"),
        "{}",
        not_serving.stdout
    );

    let (_, _server) = announced(server_command(&["serve", "--config", &config]));
    let good = doctor();
    assert_eq!(good.code, 0, "{}", good.stdout);
    assert!(good.stdout.contains("reaches this server"), "{}", good.stdout);

    let mut with_test_clock = server_command(&["doctor", "--config", &config, "--test-clock"]);
    with_test_clock.env_remove("KEYTURN_TEST_CLOCK");
    let test_clock = process::run(with_test_clock, "");
    assert_eq!(test_clock.code, 1, "{}", test_clock.stdout);
    assert!(
        test_clock.stdout.contains("PROBLEM  test_clock is on"),
        "{}",
        test_clock.stdout
    );

    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let readable = doctor();
    assert_eq!(readable.code, 3, "{}", readable.stdout);
    assert!(
        readable.stdout.contains("is readable by every user")
            && readable.stdout.contains(&format!("chmod 600 {}", token.display())),
        "{}",
        readable.stdout
    );
}
