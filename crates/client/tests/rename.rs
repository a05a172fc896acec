//! "Rename this computer" through the app-facing Session against the real server: the new name
//! is what the server lists and what the Session reports afterwards (and after a renewal); a
//! bad name is refused before any call; another computer cannot rename this one.

mod support;

use keyturn_client::clock::{FixedJitter, SystemClock};
use keyturn_client::{
    ActivationOutcome, Code, ErrorCode, FlowError, LicenseKey, MemorySecretStore, MemoryStateStore, Session,
};
use keyturn_testkit::Server;
use std::sync::Arc;
use support::fixtures::{config_for, device, real_server};

fn session(server: &Server, host: &str) -> Session {
    Session::new(
        config_for(&server.url, server.public_key()),
        device(host),
        Arc::new(MemorySecretStore::default()),
        Arc::new(MemoryStateStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap()
    .with_jitter(Box::new(FixedJitter(0.5)))
}

async fn activate(s: &Session, key: &LicenseKey) -> String {
    match s.activate(key, |_| {}).await.unwrap() {
        ActivationOutcome::Activated(a) => a.machine.id,
        other => panic!("not activated: {other:?}"),
    }
}

#[tokio::test]
async fn this_computer_is_renamed_on_the_server_and_keeps_its_name() {
    let server = real_server();
    let key = LicenseKey::parse(&server.new_license(2)).unwrap();
    let s = session(&server, "alice");
    let id = activate(&s, &key).await;
    assert_eq!(s.device_name(), "alice", "the hostname until renamed");

    let machine = s.rename_this("  Studio PC ").await.unwrap();
    assert_eq!((machine.id.as_str(), machine.name.as_str()), (id.as_str(), "Studio PC"));
    assert!(machine.is_this_device);
    assert_eq!(s.device_name(), "Studio PC");
    let listed = s.machines().await.unwrap();
    assert_eq!(listed.machines[0].name, "Studio PC");

    // A renewal sends the activation's body (with the hostname): the chosen name stays.
    s.sync_now().await.unwrap();
    assert_eq!(s.device_name(), "Studio PC");
    assert_eq!(s.machines().await.unwrap().machines[0].name, "Studio PC");

    // Refused before anything else (this computer is not even activated): no call is made.
    let offline = session(&server, "carol");
    for bad in ["", "   ", "two\nlines", &"x".repeat(65)] {
        let refused = offline.rename_this(bad).await.unwrap_err();
        assert_eq!(refused.error_code(), ErrorCode::InvalidDeviceName, "{bad:?}");
    }
    // A valid name with nothing activated here: not activated, not a network error.
    assert!(matches!(
        offline.rename_this("Fine").await,
        Err(FlowError::NotActivated)
    ));

    // Another computer with the same key cannot rename this one.
    let bob = session(&server, "bob");
    activate(&bob, &key).await;
    let stolen = bob
        .api
        .rename(&key, &id, &bob.device.fingerprint, "Bob's now")
        .await
        .unwrap_err();
    assert_eq!(stolen.code(), Some(Code::FingerprintMismatch));
    assert_eq!(s.machines().await.unwrap().machines[0].name, "Studio PC");

    // Deactivated: the name went with the activation; the hostname stands in again.
    s.deactivate_this(true).await.unwrap();
    assert_eq!(s.device_name(), "alice");
}
