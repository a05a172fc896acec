//! The host side: a vendor's program (crates/client/examples/gate_feature.rs, through
//! keyturn-client's host API) and a script (gate_feature.py, through `keyturn status --json`)
//! read what the command line activated: the same keychain entries, state file and offline
//! check. Also `fingerprint --explain` and `report` never show a key, token or raw value.

use keyturn_e2e::cli::{run, Computer};
use keyturn_e2e::server::PRODUCT_ID;
use keyturn_e2e::{binaries, Server};
use std::path::PathBuf;
use std::process::Command;

fn license(server: &Server, entitlements: &[&str]) -> String {
    let policy = server.admin(&[
        "policy",
        "create",
        "--product",
        PRODUCT_ID,
        "--name",
        "Host",
        "--max-machines",
        "2",
    ]);
    let mut args = vec!["license", "create", "--policy", &policy];
    for e in entitlements {
        args.extend_from_slice(&["--entitlement", e]);
    }
    server.admin(&args)
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
    let server = Server::start();
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
    server.admin(&["license", "suspend", "--license", &key]);
    assert_eq!(pc.run(&["check"]).code, 4);
    for gate in gates(&pc, "pro") {
        assert_eq!(gate, (1, "pro: off (SUSPENDED)".to_string()));
    }
}

#[test]
fn fingerprint_and_report_show_no_key_token_or_raw_value() {
    let server = Server::start();
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
