//! The Rust host API's seat guard against the REAL keyturn-server: a floating seat is held while
//! the guard lives (heartbeats on its own thread) and released when it drops; a full license
//! answers how many seats there are and when the next frees; a token signed by another key is
//! refused; a borrowed seat stays borrowed after the guard drops.

mod support;

use keyturn_client::seat::{SeatClient, SeatError};
use keyturn_client::seat_guard;
use keyturn_client::LicenseKey;
use reqwest::Method;
use support::fixtures::{config_for, device, real_server};

async fn live_leases(server: &keyturn_testkit::Server, key: &str) -> usize {
    let (_, list) = server
        .admin(Method::GET, &format!("/licenses/{key}/leases"), None)
        .await;
    list["leases"].as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guard_holds_a_seat_until_dropped() {
    let server = real_server();
    let config = config_for(&server.url, server.public_key());
    let key = server.new_license_with(1, &["--floating", "--lease-secs", "60", "--max-borrow-secs", "86400"]);
    let client = |name: &str| SeatClient::new(&config, &device(name), LicenseKey::parse(&key).unwrap()).unwrap();

    let guard = seat_guard::hold(client("alice"), None, None).expect("a seat");
    let seat = guard.state();
    let lease = seat.lease.clone().expect("a lease");
    assert_eq!((seat.seats, lease.borrowed, lease.heartbeat_secs), (1, false, 20));
    assert_eq!(live_leases(&server, &key).await, 1);

    // Another device: full, with the seat count and when the seat frees.
    match seat_guard::hold(client("bob"), None, None) {
        Err(SeatError::Full { seats, next_free_at }) => {
            assert_eq!((seats, next_free_at), (1, Some(lease.ends_at)));
        }
        other => panic!("expected Full, got {:?}", other.map(|g| g.state())),
    }

    drop(guard);
    assert_eq!(live_leases(&server, &key).await, 0, "released on drop");
    let bob = seat_guard::hold(client("bob"), None, None).expect("the freed seat");
    drop(bob);

    // Borrowed: kept after the guard drops.
    let lent = seat_guard::hold(client("carol"), Some(3600), None).expect("a borrowed seat");
    assert!(lent.state().lease.unwrap().borrowed);
    drop(lent);
    assert_eq!(
        live_leases(&server, &key).await,
        1,
        "a borrowed seat outlives the guard"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_token_signed_by_another_key_is_refused() {
    let server = real_server();
    let other = real_server();
    // The config pins the other server's key.
    let config = config_for(&server.url, other.public_key());
    let key = server.new_license_with(1, &["--floating", "--lease-secs", "60"]);
    let client = SeatClient::new(&config, &device("mallory"), LicenseKey::parse(&key).unwrap()).unwrap();
    match client.checkout(None).await {
        Err(SeatError::Token(_)) => {}
        other => panic!("expected a refused token, got {other:?}"),
    }
}
