//! The command layer through Tauri's IPC (mock runtime): what the UI gets back, errors as
//! `{code, message, hint}`, against a real keyturn-server on 127.0.0.1. Secrets go to keyring's
//! mock store (no OS keychain in CI); state to a real tauri-plugin-store file in a temp dir.

mod common;

use common::{config, invoke, start};
use keyturn_app::StartupError;
use keyturn_e2e::server::PRODUCT_NAME;
use keyturn_e2e::{server, Server};
use serde_json::{json, Value};

#[test]
fn malformed_key_fails_before_any_network_call() {
    // The server URL points nowhere: a network call would answer OFFLINE, not a format error.
    let pk = keyturn_protocol::token::public_key_to_string(
        &keyturn_protocol::token::signing_key_from_seed([3; 32]).verifying_key(),
    );
    let app = start(Ok(config("http://127.0.0.1:9", &pk, "ipc-malformed")));
    let error = invoke(&app, "activate", json!({ "key": "ABC-DEF" })).unwrap_err();
    assert_eq!(error["code"], "INVALID_KEY_FORMAT");
    assert!(error["message"].as_str().unwrap().contains("characters"));
    assert_eq!(error["hint"], "Check the key for missing or mistyped characters.");
}

#[test]
fn unreachable_server_is_offline_never_an_invalid_key() {
    let pk = keyturn_protocol::token::public_key_to_string(
        &keyturn_protocol::token::signing_key_from_seed([3; 32]).verifying_key(),
    );
    let app = start(Ok(config("http://127.0.0.1:9", &pk, "ipc-offline")));
    let key = keyturn_protocol::LicenseKey::from_random_bytes([7; 18]).to_string();
    let error = invoke(&app, "activate", json!({ "key": key })).unwrap_err();
    assert_eq!(error["code"], "OFFLINE", "{error}");
}

#[test]
fn broken_vendor_config_is_reported_by_every_command() {
    let app = start(Err(StartupError {
        code: keyturn_app::ErrorCode::Config,
        message: "vendor config /x: missing".into(),
    }));
    assert_eq!(invoke(&app, "app_info", json!({})).unwrap()["productName"], "Keyturn");
    let error = invoke(&app, "status", json!({})).unwrap_err();
    assert_eq!(
        error,
        json!({ "code": "CONFIG", "message": "vendor config /x: missing", "hint": "The vendor config file is missing or invalid." })
    );
}

#[test]
fn activate_then_status_then_deactivate_against_the_real_server() {
    let server = server::start();
    let key = server.new_license(2);
    let app = start(Ok(config(&server.url, server.public_key(), "ipc-device")));
    assert_eq!(
        invoke(&app, "status", json!({})).unwrap(),
        json!({ "kind": "notActivated" })
    );

    let activated = invoke(&app, "activate", json!({ "key": key })).unwrap();
    assert_eq!(activated["kind"], "activated", "{activated}");
    assert_eq!(activated["license"]["productName"], PRODUCT_NAME);
    assert_eq!(activated["license"]["seatsUsed"], 1);
    assert_eq!(activated["license"]["seatsMax"], 2);

    let status = invoke(&app, "status", json!({})).unwrap();
    assert_eq!(status["kind"], "licensed", "{status}");
    assert_eq!(status["license"]["status"], "Active");
    assert!(status["secondsLeft"].as_i64().unwrap() > 0);

    let machines = invoke(&app, "machines", json!({})).unwrap();
    assert_eq!(machines["machines"].as_array().unwrap().len(), 1);
    assert_eq!(machines["machines"][0]["isThisDevice"], true);

    let report = invoke(&app, "diagnostics", json!({ "seen": [] })).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    let canonical: String = key.chars().filter(|c| *c != '-').collect();
    assert!(
        !report.contains(&canonical) && !report.contains(&key),
        "the key leaked into the report"
    );
    assert!(report.contains("Activated here: yes"), "{report}");

    invoke(&app, "deactivate", json!({})).unwrap();
    assert_eq!(
        invoke(&app, "status", json!({})).unwrap(),
        json!({ "kind": "notActivated" })
    );
    assert_eq!(server_machine_count(&server, &key), 0, "the seat is free on the server");
}

#[test]
fn renaming_this_computer_names_it_everywhere_and_bad_names_are_plain_errors() {
    let server = server::start();
    let key = server.new_license(2);
    let app = start(Ok(config(&server.url, server.public_key(), "ipc-rename")));
    invoke(&app, "activate", json!({ "key": key })).unwrap();

    let listed = invoke(&app, "rename_this_computer", json!({ "name": " Studio PC " })).unwrap();
    assert_eq!(listed["machines"][0]["name"], "Studio PC", "{listed}");
    assert_eq!(listed["license"]["deviceName"], "Studio PC");
    assert_eq!(invoke(&app, "status", json!({})).unwrap()["deviceName"], "Studio PC");

    let error = invoke(&app, "rename_this_computer", json!({ "name": "two\nlines" })).unwrap_err();
    assert_eq!(error["code"], "INVALID_DEVICE_NAME", "{error}");
    assert_eq!(error["hint"], "Use 1 to 64 characters, without line breaks.");
    assert_eq!(
        invoke(&app, "machines", json!({})).unwrap()["machines"][0]["name"],
        "Studio PC"
    );
}

#[test]
fn limit_reached_lists_machines_and_free_and_activate_finishes() {
    let server = server::start();
    let key = server.new_license(1);
    let other = tauri::async_runtime::block_on(server.activate_other_device(&key, "other-fp", "Office PC"));
    let app = start(Ok(config(&server.url, server.public_key(), "ipc-laptop")));

    let limit = invoke(&app, "activate", json!({ "key": key })).unwrap();
    assert_eq!(limit["kind"], "limitReached", "{limit}");
    assert_eq!(limit["machines"][0]["id"], other.as_str());
    assert_eq!(limit["machines"][0]["name"], "Office PC");

    let activated = invoke(&app, "free_and_activate", json!({ "key": key, "machineId": other })).unwrap();
    assert_eq!(activated["kind"], "activated", "{activated}");
    assert_eq!(server_machine_count(&server, &key), 1);
}

fn server_machine_count(server: &Server, key: &str) -> usize {
    tauri::async_runtime::block_on(server.machine_count(key))
}

#[test]
fn a_refused_activation_shows_in_the_support_report_but_activates_nothing() {
    let server = server::start();
    let key = server.new_license(2);
    server.cli(&["license", "suspend", "--license", &key]);
    let app = start(Ok(config(&server.url, server.public_key(), "ipc-suspended")));
    let error = invoke(&app, "activate", json!({ "key": key })).unwrap_err();
    assert_eq!(error["code"], "SUSPENDED", "{error}");
    assert_eq!(
        invoke(&app, "status", json!({})).unwrap(),
        json!({ "kind": "notActivated" })
    );
    // The window passes the errors it showed; a format error never reached the server.
    let seen = json!([{ "code": "INVALID_KEY_FORMAT", "message": "the key has 29\ncharacters", "at": 1_800_000_000 }]);
    let report = invoke(&app, "diagnostics", json!({ "seen": seen })).unwrap()["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        report.contains("Recent server answers (oldest first):\n  SUSPENDED at "),
        "{report}"
    );
    assert!(
        report.contains("Errors shown in the app (oldest first):\n  INVALID_KEY_FORMAT at 2027-01-15T08:00:00Z: the key has 29 characters"),
        "{report}"
    );
}

#[test]
fn trial_through_ipc_then_trial_used_in_words_the_ui_knows() {
    let server = server::start();
    server.new_policy(1, &["--trial"]);
    let mut vendor = config(&server.url, server.public_key(), "ipc-trial");
    vendor.trial = true;
    vendor.language = Some("fr".into());
    let app = start(Ok(vendor));
    let info = invoke(&app, "app_info", json!({})).unwrap();
    assert_eq!(
        (info["trial"].clone(), info["language"].clone()),
        (json!(true), json!("fr"))
    );
    assert_eq!(
        invoke(&app, "take_link", json!({})).unwrap(),
        Value::Null,
        "no link started this app"
    );

    let started = invoke(&app, "start_trial", json!({})).unwrap();
    assert_eq!(started["kind"], "activated", "{started}");
    assert_eq!(started["license"]["trial"], true);
    assert!(started["license"]["expiresAt"].as_i64().is_some(), "a trial ends");
    let status = invoke(&app, "status", json!({})).unwrap();
    assert_eq!(status["license"]["trial"], true, "{status}");

    invoke(&app, "deactivate", json!({})).unwrap();
    let again = invoke(&app, "start_trial", json!({})).unwrap_err();
    assert_eq!(again["code"], "TRIAL_USED", "{again}");
    assert_eq!(
        again["hint"],
        "This computer has had its trial; activate it with a license key."
    );
}
