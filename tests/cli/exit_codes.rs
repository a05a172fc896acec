//! Every exit code of the `keyturn` command line (README: "Exit codes"), against a real
//! keyturn-server on 127.0.0.1 and a real GNOME Keyring in a private D-Bus session, with no
//! display. The JSON answers carry `"schema": 1` and the code.

use keyturn_e2e::cli::Computer;
use keyturn_e2e::process::wait_until;
use keyturn_e2e::server::PRODUCT_ID;
use keyturn_e2e::{server, Server};
use std::time::Duration;

/// A policy with `seats` and these policy options, and one license under it with these license
/// options; answers the key.
fn license(server: &Server, seats: u32, policy_options: &[&str], license_options: &[&str]) -> String {
    server.license_with(&server.new_policy(seats, policy_options), license_options)
}

fn assert_code(run: &keyturn_e2e::cli::Run, exit: i32, code: &str) {
    assert_eq!(run.code, exit, "exit code of {run:?}");
    let json = run.json();
    assert_eq!(json["schema"], 1, "{json}");
    assert_eq!(json["code"], code, "{json}");
}

#[tokio::test]
async fn activate_status_check_deactivate_exit_0_and_not_activated_exits_3() {
    let server = server::start();
    let key = license(&server, 2, &[], &["--entitlement", "pro", "--entitlement", "export"]);
    let pc = Computer::new(&server, "cli-happy-1");

    let status = pc.run(&["status", "--json"]);
    assert_code(&status, 3, "NOT_ACTIVATED");
    assert_eq!(status.json()["licensed"], false);
    assert_eq!(pc.run(&["status"]).code, 3, "the text form exits alike");

    let activated = pc.run(&["activate", "--key", &key, "--json"]);
    assert_code(&activated, 0, "OK");
    assert_eq!(activated.json()["license"]["seats_used"], 1);
    assert_eq!(server.machine_count(&key).await, 1);

    let status = pc.run(&["status", "--json"]);
    assert_code(&status, 0, "VALID");
    let json = status.json();
    assert_eq!(json["licensed"], true);
    assert_eq!(json["product_id"], PRODUCT_ID);
    assert_eq!(json["status"], "ACTIVE");
    assert_eq!(json["entitlements"], serde_json::json!(["pro", "export"]));
    assert!(json["works_offline_until"].as_i64().unwrap() > json["renew_by"].as_i64().unwrap());
    assert!(json["license_id"].as_str().unwrap().starts_with("lic_"), "{json}");
    let text = pc.run(&["status"]);
    assert_eq!(text.code, 0, "{text:?}");
    assert!(text.stdout.contains("Entitlements: pro, export"), "{}", text.stdout);
    assert!(
        !status.stdout.contains(&key) && !text.stdout.contains(&key),
        "the key is never printed"
    );

    let checked = pc.run(&["check", "--json"]);
    assert_code(&checked, 0, "VALID");
    assert_eq!(checked.json()["status"]["licensed"], true);

    assert_code(&pc.run(&["deactivate", "--json"]), 0, "OK");
    assert_eq!(server.machine_count(&key).await, 0, "the seat is free on the server");
    assert_code(&pc.run(&["status", "--json"]), 3, "NOT_ACTIVATED");
    assert_code(&pc.run(&["deactivate", "--json"]), 3, "NOT_ACTIVATED");
    assert_code(&pc.run(&["check", "--json"]), 3, "NOT_ACTIVATED");
}

#[tokio::test]
async fn the_key_can_come_from_stdin() {
    let server = server::start();
    let key = license(&server, 1, &[], &[]);
    let pc = Computer::new(&server, "cli-stdin-1");
    let run = pc.run_with_stdin(&["activate", "--key", "-"], &format!("  {}\n", key.to_lowercase()));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("1 of 1 seats"), "{}", run.stdout);
    assert_eq!(server.machine_count(&key).await, 1);
}

#[test]
fn usage_errors_exit_2() {
    let server = server::start();
    let pc = Computer::new(&server, "cli-usage-1").without_keychain();
    for args in [&["activate"][..], &["status", "--bogus"], &["statsu"]] {
        let run = pc.run(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains("Usage"), "{run:?}");
    }
    let table = pc.run(&["exit-codes"]);
    assert_eq!(table.code, 0, "{table:?}");
    assert!(
        table.stdout.contains(" 11  the activation ran out offline"),
        "{}",
        table.stdout
    );
}

#[test]
fn suspended_revoked_and_expired_licenses_exit_4() {
    let server = server::start();
    let key = license(&server, 1, &[], &[]);
    let pc = Computer::new(&server, "cli-ended-1");
    pc.activate(&key);
    server.cli(&["license", "suspend", "--license", &key]);
    assert_code(&pc.run(&["check", "--json"]), 4, "SUSPENDED");
    let status = pc.run(&["status", "--json"]);
    assert_code(&status, 4, "SUSPENDED");
    assert_eq!(status.json()["licensed"], false);

    let revoked = license(&server, 1, &[], &[]);
    server.cli(&["license", "revoke", "--license", &revoked]);
    let other = Computer::new(&server, "cli-ended-2");
    assert_code(&other.run(&["activate", "--key", &revoked, "--json"]), 4, "REVOKED");

    let expired = license(&server, 1, &[], &["--expires-at", "1000"]);
    assert_code(&other.run(&["activate", "--key", &expired, "--json"]), 4, "EXPIRED");
    assert_code(&other.run(&["status", "--json"]), 3, "NOT_ACTIVATED");
}

#[test]
fn another_devices_activation_or_a_clock_set_back_exit_5() {
    let server = server::start();
    let key = license(&server, 2, &[], &[]);
    let mut pc = Computer::new(&server, "cli-tamper-1");
    pc.activate(&key);
    // The stored token belongs to cli-tamper-1: copied to another device it does not check out.
    pc.fingerprint = "cli-tamper-other".into();
    assert_code(&pc.run(&["status", "--json"]), 5, "FINGERPRINT_MISMATCH");
    pc.fingerprint = "cli-tamper-1".into();
    assert_code(&pc.run(&["status", "--json"]), 0, "VALID");

    // The state says this computer already saw a time a day ahead: the clock was set back.
    let path = pc.state_file();
    let mut state: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let seen = state["license"]["last_seen"].as_i64().unwrap();
    state["license"]["last_seen"] = (seen + 86_400).into();
    std::fs::write(&path, state.to_string()).unwrap();
    let run = pc.run(&["status", "--json"]);
    assert_code(&run, 5, "CLOCK_ROLLED_BACK");
    assert!(pc.run(&["status"]).stdout.contains("clock was set back"));
}

#[tokio::test]
async fn no_keychain_exits_6_and_takes_no_seat() {
    let server = server::start();
    let key = license(&server, 1, &[], &[]);
    let pc = Computer::new(&server, "cli-nokeychain-1").without_keychain();
    assert_code(&pc.run(&["status", "--json"]), 6, "KEYCHAIN_UNAVAILABLE");
    let run = pc.run(&["activate", "--key", &key]);
    assert_eq!(run.code, 6, "{run:?}");
    assert!(run.stderr.contains("error: KEYCHAIN_UNAVAILABLE"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint: Start or unlock the system keychain"),
        "{}",
        run.stderr
    );
    assert_eq!(server.machine_count(&key).await, 0);
}

#[tokio::test]
async fn a_damaged_state_file_is_set_aside_and_rebuilt_by_the_first_status() {
    let server = server::start();
    let key = license(&server, 1, &[], &[]);
    let pc = Computer::new(&server, "cli-damaged-1");
    // Nothing in the keychain: a damaged file is set aside and this computer is not activated.
    std::fs::create_dir_all(pc.state_file().parent().unwrap()).unwrap();
    std::fs::write(pc.state_file(), "{\"license\": {\"last_seen\": \"yesterday\"").unwrap();
    assert_code(&pc.run(&["status", "--json"]), 3, "NOT_ACTIVATED");
    let damaged = pc.state_file().with_extension("json.damaged");
    assert!(damaged.exists(), "the damaged file is kept for support");
    std::fs::remove_file(&damaged).unwrap();

    // Activated, then damaged (headless: no app ever runs): the first `status` sets the file
    // aside and rebuilds the state from the keychain's token; `check` renews on it.
    pc.activate(&key);
    std::fs::write(pc.state_file(), "{\"license\": {\"last_seen\": \"yesterday\"").unwrap();
    assert_code(&pc.run(&["status", "--json"]), 0, "VALID");
    assert!(damaged.exists(), "the damaged file is kept for support");
    let rebuilt: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(pc.state_file()).unwrap()).unwrap();
    assert!(rebuilt["license"]["activation_id"].is_string(), "{rebuilt}");
    assert_code(&pc.run(&["check", "--json"]), 0, "VALID");
    assert_code(&pc.run(&["status", "--json"]), 0, "VALID");
    assert_eq!(server.machine_count(&key).await, 1, "no second seat");
}

#[tokio::test]
async fn a_state_file_that_cannot_be_written_exits_1_and_takes_no_seat() {
    let server = server::start();
    let key = license(&server, 1, &[], &[]);
    let pc = Computer::new(&server, "cli-state-1");
    // A folder where the state file belongs: unreadable and unwritable, even for root.
    std::fs::create_dir_all(pc.state_file()).unwrap();
    assert_code(&pc.run(&["status", "--json"]), 1, "STATE_UNAVAILABLE");
    let run = pc.run(&["activate", "--key", &key]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("error: STATE_UNAVAILABLE"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: Free some disk space"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("keychain"),
        "not a keychain problem: {}",
        run.stderr
    );
    assert_eq!(server.machine_count(&key).await, 0);
}

#[test]
fn an_unreachable_server_exits_7_and_the_activation_keeps_working() {
    let mut server = server::start();
    let key = license(&server, 1, &[], &[]);
    let pc = Computer::new(&server, "cli-offline-1");
    pc.activate(&key);
    server.stop();
    let checked = pc.run(&["check", "--json"]);
    assert_code(&checked, 7, "OFFLINE");
    assert_eq!(checked.json()["status"]["licensed"], true, "still licensed offline");
    assert_code(&pc.run(&["status", "--json"]), 0, "VALID");
    let fresh = Computer::new(&server, "cli-offline-2");
    assert_code(&fresh.run(&["activate", "--key", &key, "--json"]), 7, "OFFLINE");
}

#[tokio::test]
async fn a_full_license_exits_8_with_the_machines_and_free_takes_a_seat() {
    let server = server::start();
    let key = license(&server, 1, &[], &[]);
    let other = server.activate_other_device(&key, "cli-limit-other", "Office PC").await;
    let pc = Computer::new(&server, "cli-limit-1");

    let run = pc.run(&["activate", "--key", &key]);
    assert_eq!(run.code, 8, "{run:?}");
    assert!(run.stdout.contains("in use on 1 of 1 computers"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&other) && run.stdout.contains("Office PC"),
        "{}",
        run.stdout
    );
    let json = pc.run(&["activate", "--key", &key, "--json"]);
    assert_code(&json, 8, "MACHINE_LIMIT_EXCEEDED");
    assert_eq!(json.json()["machines"][0]["id"], other.as_str());
    assert_code(&pc.run(&["status", "--json"]), 3, "NOT_ACTIVATED");

    assert_code(
        &pc.run(&["activate", "--key", &key, "--free", &other, "--json"]),
        0,
        "OK",
    );
    let machines = server.machines(&key).await;
    assert_eq!(machines.len(), 1);
    assert_ne!(machines[0]["id"], other.as_str());
}

#[test]
fn a_mistyped_or_unknown_key_exits_9() {
    let server = server::start();
    let pc = Computer::new(&server, "cli-refused-1");
    let run = pc.run(&["activate", "--key", "ABC", "--json"]);
    assert_code(&run, 9, "INVALID_KEY_FORMAT");
    assert!(run.json()["hint"].as_str().unwrap().contains("Check the key"));
    // Well-formed (check characters right) but never issued by this server.
    let unknown = keyturn_protocol::LicenseKey::from_random_bytes([7; keyturn_protocol::key::RANDOM_BYTES]);
    let unknown = unknown.canonical();
    assert_code(&pc.run(&["activate", "--key", unknown, "--json"]), 9, "NOT_FOUND");
}

#[test]
fn a_broken_vendor_config_exits_10() {
    let server = server::start();
    let pc = Computer::new(&server, "cli-config-1");
    std::fs::write(&pc.config, r#"{"product_name":"X"}"#).unwrap();
    assert_code(&pc.run(&["status", "--json"]), 10, "CONFIG");
    let run = pc.run(&["activate", "--key", "7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5"]);
    assert_eq!(run.code, 10, "{run:?}");
    assert!(run.stderr.contains("vendor config"), "{}", run.stderr);
}

#[test]
fn an_activation_past_its_offline_time_exits_11_until_checked() {
    let server = server::start();
    // Renew every second, one second of grace: the token works offline for two seconds.
    let key = license(&server, 1, &["--renew-interval", "1", "--grace", "1"], &[]);
    let pc = Computer::new(&server, "cli-sync-1");
    pc.activate(&key);
    let mut last = None;
    wait_until("the token to run out", Duration::from_secs(20), || {
        let run = pc.run(&["status", "--json"]);
        let done = run.code == 11;
        last = Some(run);
        done
    })
    .unwrap_or_else(|e| panic!("{e}: last {last:?}"));
    assert_eq!(last.unwrap().json()["code"], "OFFLINE_EXPIRED");
    assert_code(&pc.run(&["check", "--json"]), 0, "VALID");
}

#[test]
fn other_server_answers_exit_1() {
    // One key look-up per client in all (burst 1, next in 1000 s): the second is RATE_LIMITED.
    let server = server::start_with(&["--rate-limit", "0.001", "--rate-limit-burst", "1"]);
    let key = license(&server, 1, &[], &[]);
    let pc = Computer::new(&server, "cli-other-1");
    let first = pc.run(&["activate", "--key", &key, "--json"]);
    let second = pc.run(&["activate", "--key", &key, "--json"]);
    let limited = if first.code == 1 { first } else { second };
    assert_code(&limited, 1, "RATE_LIMITED");
}
