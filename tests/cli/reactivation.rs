//! A computer that activates again while it holds an activation (its fingerprint changed, or it
//! switches to another key) never holds two seats: the old one is freed, through the command
//! line against a real keyturn-server and a real GNOME Keyring.

use keyturn_e2e::cli::Computer;
use keyturn_e2e::server;

fn ids(machines: &[serde_json::Value]) -> Vec<String> {
    machines
        .iter()
        .map(|m| m["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_changed_fingerprint_reuses_the_computers_seat_even_on_a_full_license() {
    let server = server::start();
    let key = server.new_license(1);
    let mut pc = Computer::new(&server, "cli-reactivate-before");
    pc.activate(&key);
    let before = ids(&server.machines(&key).await);
    assert_eq!(before.len(), 1);

    // A new disk or network card: the same computer now has another fingerprint.
    pc.fingerprint = "cli-reactivate-after".into();
    let run = pc.run(&["activate", "--key", &key, "--json"]);
    assert_eq!(
        run.code, 0,
        "no MACHINE_LIMIT_EXCEEDED for this computer's own old seat: {run:?}"
    );
    let after = ids(&server.machines(&key).await);
    assert_eq!(after.len(), 1, "one seat for one computer: {after:?}");
    assert_ne!(
        after, before,
        "the old activation was freed, the new one holds the seat"
    );
    assert_eq!(pc.run(&["status", "--json"]).code, 0);
}

#[tokio::test]
async fn a_changed_fingerprint_frees_the_old_seat_when_seats_are_left() {
    let server = server::start();
    let key = server.new_license(3);
    let mut pc = Computer::new(&server, "cli-reactivate-free-1");
    pc.activate(&key);
    pc.fingerprint = "cli-reactivate-free-2".into();
    pc.activate(&key);
    assert_eq!(server.machine_count(&key).await, 1, "never two seats for one computer");
}

#[tokio::test]
async fn another_key_on_the_same_computer_frees_the_first_licenses_seat() {
    let server = server::start();
    let (first, second) = (server.new_license(2), server.new_license(2));
    let pc = Computer::new(&server, "cli-reactivate-switch");
    pc.activate(&first);
    pc.activate(&second);
    assert_eq!(
        server.machine_count(&first).await,
        0,
        "the first license's seat is free again"
    );
    assert_eq!(server.machine_count(&second).await, 1);
}

#[tokio::test]
async fn activating_again_unchanged_keeps_the_same_seat() {
    let server = server::start();
    let key = server.new_license(2);
    let pc = Computer::new(&server, "cli-reactivate-same");
    pc.activate(&key);
    let before = ids(&server.machines(&key).await);
    pc.activate(&key);
    assert_eq!(ids(&server.machines(&key).await), before, "renewed, not re-bound");
}
