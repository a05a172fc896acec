//! The host side: a vendor's program (crates/client/examples/gate_feature.rs, through
//! keyturn-client's host API) and a script (gate_feature.py, through `keyturn status --json`)
//! read what the command line activated: the same keychain entries, state file and offline
//! check. Also `fingerprint --explain` and `report` never show a key, token or raw value, and
//! `open --wait` (a host program opening the window and waiting for the user) answers like
//! `status` once the window closes.

use keyturn_e2e::cli::{run, Computer};
use keyturn_e2e::{binaries, server, Server};
use std::path::PathBuf;
use std::process::Command;

fn license(server: &Server, entitlements: &[&str]) -> String {
    let options: Vec<&str> = entitlements.iter().flat_map(|e| ["--entitlement", e]).collect();
    server.license_with(&server.new_policy(2, &[]), &options)
}

fn python_example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/client/examples/gate_feature.py")
}

/// (exit code, stdout) of the Rust example and of the Python script for `feature`.
fn gates(pc: &Computer, feature: &str) -> [(i32, String); 2] {
    let mut rust = pc.command(&binaries::example("gate_feature"));
    rust.arg(&pc.config).arg(feature);
    let mut python = pc.command(&PathBuf::from("python3"));
    python.arg(python_example()).arg(feature).arg(&pc.binary);
    [rust, python].map(|command: Command| {
        let done = run(command, "");
        assert!(done.stderr.is_empty(), "{done:?}");
        (done.code, done.stdout.trim().to_string())
    })
}

#[test]
fn host_program_and_script_gate_on_the_entitlement() {
    let server = server::start();
    let pc = Computer::new(&server, "host-gate-1");
    for gate in gates(&pc, "pro") {
        assert_eq!(gate, (1, "pro: off (NOT_ACTIVATED)".to_string()));
    }
    let key = license(&server, &["pro"]);
    pc.activate(&key);
    for gate in gates(&pc, "pro") {
        assert_eq!(gate, (0, "pro: on".to_string()));
    }
    for gate in gates(&pc, "export") {
        assert_eq!(gate, (1, "export: off (NOT_ENTITLED)".to_string()));
    }
    server.cli(&["license", "suspend", "--license", &key]);
    assert_eq!(pc.run(&["check"]).code, 4);
    for gate in gates(&pc, "pro") {
        assert_eq!(gate, (1, "pro: off (SUSPENDED)".to_string()));
    }
}

#[test]
fn fingerprint_and_report_show_no_key_token_or_raw_value() {
    let server = server::start();
    let key = license(&server, &[]);
    let pc = Computer::new(&server, "host-support-1");
    pc.activate(&key);

    let plain = pc.run(&["fingerprint"]);
    assert_eq!(
        (plain.code, plain.stdout.trim()),
        (0, "host-support-1"),
        "the override is the fingerprint"
    );
    let explained = pc.run(&["fingerprint", "--explain", "--json"]);
    assert_eq!(explained.code, 0, "{explained:?}");
    let json = explained.json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["fingerprint"]["override_in_use"], true);
    let names: Vec<&str> = json["fingerprint"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"machine_id") && names.contains(&"cpu"), "{names:?}");
    let text = pc.run(&["fingerprint", "--explain"]).stdout;
    assert!(text.contains("Override KEYTURN_FINGERPRINT: IN USE"), "{text}");
    if let Ok(machine_id) = std::fs::read_to_string("/etc/machine-id") {
        assert!(!explained.stdout.contains(machine_id.trim()) && !text.contains(machine_id.trim()));
    }

    let report = pc.run(&["report"]);
    assert_eq!(report.code, 0, "{report:?}");
    assert!(report.stdout.contains("Activated here: yes"), "{}", report.stdout);
    assert!(report.stdout.contains("License server:") && report.stdout.contains("reachable"));
    let token = std::fs::read_to_string(pc.state_file()).unwrap();
    assert!(!report.stdout.contains(&key), "no key in the report");
    assert!(!report.stdout.contains("eyJ"), "no token in the report");
    assert!(
        !token.contains(&key) && !token.contains("eyJ"),
        "no secret in the state file"
    );
}

/// The processes whose parent is `parent` (from /proc).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| stat.rsplit(')').next()?.split_whitespace().nth(1)?.parse::<u32>().ok())
                == Some(parent)
        })
        .collect()
}

#[test]
fn open_wait_opens_the_window_and_answers_like_status_once_it_closes() {
    let server = server::start();
    let pc = Computer::new(&server, "host-open-wait");
    let display = keyturn_e2e::display::Display::get().expect("an X display (Xvfb)");
    let mut command = pc.command(&binaries::app());
    command
        .args(["open", "--wait"])
        .env("DISPLAY", &display.name)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut host = keyturn_e2e::process::GroupGuard::spawn("keyturn open --wait", command).unwrap();

    // The window is up once it holds the window lock; the host program waits meanwhile.
    // (The app's window lock: keyturn_client::window_lock, next to the state file.)
    let lock = pc.state_file().with_file_name("window.lock");
    keyturn_e2e::process::wait_until("the window", keyturn_e2e::UI_DEADLINE, || {
        std::fs::OpenOptions::new()
            .write(true)
            .open(&lock)
            .is_ok_and(|file| file.try_lock().is_err())
    })
    .unwrap();
    assert!(
        host.child_mut().try_wait().unwrap().is_none(),
        "open --wait waits for the window"
    );
    let window = children_of(host.id());
    assert_eq!(window.len(), 1, "one window process: {window:?}");

    // The user closes the window (here: the window process ends).
    // SAFETY: kill(2) on the window process this test started.
    unsafe {
        libc::kill(window[0] as libc::pid_t, libc::SIGTERM);
    }
    let end = std::time::Instant::now() + keyturn_e2e::UI_DEADLINE;
    let status = loop {
        if let Some(status) = host.child_mut().try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < end,
            "open --wait still waits after the window closed"
        );
        std::thread::sleep(std::time::Duration::from_millis(25));
    };
    let mut out = String::new();
    std::io::Read::read_to_string(&mut host.child_mut().stdout.take().unwrap(), &mut out).unwrap();
    assert_eq!(status.code(), Some(3), "exits like status: not activated\n{out}");
    assert!(out.starts_with("Not licensed"), "{out}");
}
