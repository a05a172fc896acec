//! Floating seats through Tauri's IPC (mock runtime) against a real keyturn-server: a floating
//! key takes a seat, every seat taken is an answer with the seat count and when the next frees
//! up (never who holds them), borrowing and returning, and giving the seat back frees it on
//! the server. Secrets go to keyring's mock store; the seat file to a temp dir.

mod common;

use common::{config, invoke, Harness};
use keyturn_e2e::{server, Server};
use serde_json::{json, Value};

fn start(server: &Server, fingerprint: &str) -> Harness {
    common::start(Ok(config(&server.url, server.public_key(), fingerprint)))
}

/// Another computer takes a seat over HTTP; its answer (status, body).
fn checkout(server: &Server, key: &str, fp: &str) -> (u16, Value) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (status, body) =
        runtime.block_on(server.post("/v1/leases", json!({"key": key, "fingerprint": fp, "name": fp})));
    (status.as_u16(), body)
}

#[test]
fn a_floating_key_takes_a_seat_borrows_it_and_gives_it_back() {
    let server = server::start();
    let key = server.new_license_with(2, &["--floating", "--lease-secs", "600", "--max-borrow-secs", "604800"]);
    let app = start(&server, "ipc-seat-device");

    // Activating a floating key binds nothing: the UI is told FLOATING_LICENSE, the key is kept.
    let refused = invoke(&app, "activate", json!({ "key": key })).unwrap_err();
    assert_eq!(refused["code"], "FLOATING_LICENSE", "{refused}");

    let held = invoke(&app, "seat_checkout", json!({ "borrowDays": null })).unwrap();
    assert_eq!(held["kind"], "held", "{held}");
    assert_eq!(held["seat"]["seats"], 2);
    assert_eq!(held["seat"]["borrowed"], false);
    assert_eq!(held["seat"]["maxBorrowSecs"], 604_800);
    assert!(
        app.dir.path().join("seat.json").exists(),
        "the seat is written next to the state file"
    );
    assert_eq!(
        invoke(&app, "seat_status", json!({})).unwrap()["endsAt"],
        held["seat"]["endsAt"]
    );

    // The app holds one seat: one more fits, then every seat is taken — also for the app's
    // second checkout from another computer's point of view.
    let (status, other) = checkout(&server, &key, "other");
    assert_eq!(status, 201, "{other}");
    let (status, third) = checkout(&server, &key, "third");
    assert_eq!((status, third["code"].as_str()), (409, Some("SEATS_IN_USE")), "{third}");

    // Borrowed for 3 days: the app's seat is replaced by a borrowed one, ending in 3 days.
    let borrowed = invoke(&app, "seat_checkout", json!({ "borrowDays": 3 })).unwrap();
    assert_eq!(borrowed["kind"], "held", "{borrowed}");
    assert_eq!(borrowed["seat"]["borrowed"], true);
    let ends = borrowed["seat"]["endsAt"].as_i64().unwrap();
    let started = held["seat"]["endsAt"].as_i64().unwrap() - 600;
    assert!(
        (ends - started - 3 * 86_400).abs() < 120,
        "ends {ends}, started about {started}"
    );
    assert_eq!(invoke(&app, "seat_status", json!({})).unwrap()["borrowed"], true);

    // Return now: the seat is free on the server (the third computer gets it).
    invoke(&app, "seat_release", json!({})).unwrap();
    assert_eq!(invoke(&app, "seat_status", json!({})).unwrap(), Value::Null);
    let (status, third) = checkout(&server, &key, "third");
    assert_eq!(status, 201, "{third}");

    // Now every seat is taken for the app: an answer with the count and the soonest end.
    let full = invoke(&app, "seat_checkout", json!({ "borrowDays": null })).unwrap();
    assert_eq!(full["kind"], "full", "{full}");
    assert_eq!(full["seats"], 2);
    let soonest = other["lease"]["ends_at"].as_i64().unwrap();
    assert_eq!(full["nextFreeAt"], soonest, "{full}");
    assert_eq!(full.as_object().unwrap().len(), 3, "nothing about the holders: {full}");
}

#[test]
fn without_a_stored_key_there_is_no_seat_to_take() {
    let server = server::start();
    let app = start(&server, "ipc-seat-nokey");
    let error = invoke(&app, "seat_checkout", json!({ "borrowDays": null })).unwrap_err();
    assert_eq!(error["code"], "NOT_ACTIVATED", "{error}");
    assert_eq!(invoke(&app, "seat_status", json!({})).unwrap(), Value::Null);
}

#[test]
fn on_start_only_a_key_kept_as_floating_takes_a_seat() {
    let server = server::start();
    let app = start(&server, "ipc-seat-start-locked");
    assert_eq!(
        invoke(&app, "seat_on_start", json!({})).unwrap(),
        Value::Null,
        "nothing stored"
    );
    let node_locked = server.new_license(1);
    let activated = invoke(&app, "activate", json!({ "key": node_locked })).unwrap();
    assert_eq!(activated["kind"], "activated", "{activated}");
    assert_eq!(
        invoke(&app, "seat_on_start", json!({})).unwrap(),
        Value::Null,
        "a node-locked key"
    );
    assert!(
        !server.logs().contains("/v1/leases"),
        "no blind checkout of a node-locked key: {}",
        server.logs()
    );

    let key = server.new_license_with(1, &["--floating", "--lease-secs", "600"]);
    let app = start(&server, "ipc-seat-start-floating");
    let refused = invoke(&app, "activate", json!({ "key": key })).unwrap_err();
    assert_eq!(refused["code"], "FLOATING_LICENSE", "{refused}");
    let taken = invoke(&app, "seat_on_start", json!({})).unwrap();
    assert_eq!(
        (taken["kind"].as_str(), &taken["seat"]["seats"]),
        (Some("held"), &json!(1)),
        "{taken}"
    );
    let (status, other) = checkout(&server, &key, "other");
    assert_eq!((status, other["code"].as_str()), (409, Some("SEATS_IN_USE")), "{other}");
    // A seat held here already is shown as it is, not taken again.
    assert_eq!(invoke(&app, "seat_on_start", json!({})).unwrap(), Value::Null);
}
