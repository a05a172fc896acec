//! The app-facing Session against the real server (and a stopped one).

mod support;

use keyturn_client::clock::{FixedJitter, SystemClock};
use keyturn_client::local::LocalError;
use keyturn_client::{
    ActivationOutcome, FlowError, LicenseKey, MemorySecretStore, MemoryStateStore, RenewalOutcome, Secret, SecretStore,
    Session,
};
use keyturn_testkit::Server;
use std::sync::Arc;
use support::fixtures::{config_for, device, real_server};

fn session(server: &Server, host: &str) -> (Session, Arc<MemorySecretStore>) {
    let secrets = Arc::new(MemorySecretStore::default());
    let session = Session::new(
        config_for(&server.url, server.public_key()),
        device(host),
        secrets.clone(),
        Arc::new(MemoryStateStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap()
    .with_jitter(Box::new(FixedJitter(0.5)));
    (session, secrets)
}

#[tokio::test]
async fn activate_status_sync_deactivate() {
    let server = real_server();
    let key = LicenseKey::parse(&server.new_license(2)).unwrap();
    let (s, secrets) = session(&server, "alice");
    assert!(matches!(s.status(), Err(LocalError::NotActivated)));

    let mut steps = Vec::new();
    let ActivationOutcome::Activated(a) = s.activate(&key, |step| steps.push(step)).await.unwrap() else {
        panic!()
    };
    assert_eq!(steps.len(), 3);
    let held = s.status().unwrap();
    assert_eq!(held.claims.sub, a.machine.id);
    assert!(!held.standing.renewal_due);
    assert_eq!(s.next_renewal_at().unwrap(), Some(held.claims.renew_by));
    assert_eq!(s.machines().await.unwrap().machines.len(), 1);

    // Not due yet: the background task does nothing; "Check now" renews.
    assert_eq!(s.renew_if_due().await.unwrap(), None);
    assert!(matches!(s.sync_now().await.unwrap(), RenewalOutcome::Renewed { .. }));

    // The support report carries no key, no token, no raw values.
    let report = serde_json::to_string(&s.diagnostics()).unwrap();
    assert!(report.contains("\"activated\":true"), "{report}");
    let token = secrets.get(Secret::Token).unwrap().unwrap();
    for secret in [
        key.canonical(),
        token.as_str(),
        "Test CPU 9000",
        "id-alice",
        s.device.fingerprint.as_str(),
    ] {
        assert!(!report.contains(secret), "report leaks {secret}");
    }

    s.deactivate_this(true).await.unwrap();
    assert!(matches!(s.status(), Err(LocalError::NotActivated)));
    assert_eq!(s.stored_key().unwrap(), None);
    assert_eq!(s.next_renewal_at().unwrap(), None);
    assert!(matches!(s.deactivate_this(true).await, Err(FlowError::NotActivated)));
}

#[tokio::test]
async fn offline_deactivation_forgets_nothing() {
    let server = real_server();
    let key = LicenseKey::parse(&server.new_license(1)).unwrap();
    let (s, _) = session(&server, "alice");
    s.activate(&key, |_| {}).await.unwrap();
    drop(server);
    let err = s.deactivate_this(true).await.unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    assert!(
        s.status().is_ok(),
        "still activated here: the seat is still taken on the server"
    );
    // Renewal offline postpones; the token keeps working.
    let RenewalOutcome::Postponed {
        offline: true,
        failures: 1,
        ..
    } = s.sync_now().await.unwrap()
    else {
        panic!()
    };
    assert!(s.status().is_ok());
    assert_eq!(s.diagnostics().renewal_failures, 1);
}

/// A keychain that is not there (no Secret Service / D-Bus session).
struct NoKeychain;

impl SecretStore for NoKeychain {
    fn get(&self, _: Secret) -> Result<Option<String>, keyturn_client::StoreError> {
        Err(keyturn_client::StoreError::Unavailable("no D-Bus session".into()))
    }
    fn set(&self, _: Secret, _: &str) -> Result<(), keyturn_client::StoreError> {
        Err(keyturn_client::StoreError::Unavailable("no D-Bus session".into()))
    }
    fn delete(&self, _: Secret) -> Result<(), keyturn_client::StoreError> {
        Err(keyturn_client::StoreError::Unavailable("no D-Bus session".into()))
    }
}

#[tokio::test]
async fn without_a_keychain_activation_fails_before_taking_a_seat() {
    let server = real_server();
    let key = LicenseKey::parse(&server.new_license(2)).unwrap();
    let s = Session::new(
        config_for(&server.url, server.public_key()),
        device("alice"),
        Arc::new(NoKeychain),
        Arc::new(MemoryStateStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let mut steps = Vec::new();
    let error = s.activate(&key, |step| steps.push(step)).await.unwrap_err();
    assert!(
        matches!(error, FlowError::Store(keyturn_client::StoreError::Unavailable(_))),
        "{error:?}"
    );
    assert!(steps.is_empty(), "no call to the server: {steps:?}");
    let machines = s.api.machines(&key, None).await.unwrap();
    assert_eq!(machines.machines.len(), 0, "no seat was taken");
}

#[tokio::test]
async fn a_trial_is_kept_like_an_activation_and_a_second_one_is_refused() {
    let server = real_server();
    server.new_policy(1, &["--duration", "1209600", "--trial"]);
    let (s, secrets) = session(&server, "alice");
    let mut steps = Vec::new();
    let ActivationOutcome::Activated(trial) = s.start_trial(|step| steps.push(step)).await.unwrap() else {
        panic!("a trial never hits a seat limit")
    };
    assert!(trial.license.trial, "the server says it is a trial");
    let ends = trial.license.expires_at.expect("a trial ends");
    assert!((ends - s.now() - 1_209_600).abs() < 60, "14 days from now: {ends}");
    // Kept like any activation: later runs find it offline, the trial key is in the secret store.
    let held = s.status().unwrap();
    assert_eq!(held.claims.sub, trial.machine.id);
    let key = s.stored_key().unwrap().expect("trial key kept");
    assert_eq!(
        secrets.get(Secret::LicenseKey).unwrap().as_deref(),
        Some(key.canonical())
    );
    assert_eq!(s.machines().await.unwrap().machines.len(), 1);

    // The same device again (e.g. after deactivating): TRIAL_USED, recorded for support.
    s.deactivate_this(true).await.unwrap();
    let again = s.start_trial(|_| {}).await.unwrap_err();
    assert_eq!(again.code(), Some(keyturn_client::Code::TrialUsed), "{again:?}");
    let report = s.diagnostics();
    assert_eq!(
        report.recent_codes.last().map(|c| c.code),
        Some(keyturn_client::Code::TrialUsed)
    );
    assert!(!report.activated);
}

#[tokio::test]
async fn without_a_trial_policy_the_product_offers_none() {
    let server = real_server();
    let (s, _) = session(&server, "bob");
    let error = s.start_trial(|_| {}).await.unwrap_err();
    assert_eq!(error.code(), Some(keyturn_client::Code::NotFound), "{error:?}");
}

#[tokio::test]
async fn a_lost_state_is_rebuilt_from_the_token_and_renewal_and_deactivation_work_again() {
    let server = real_server();
    let key = LicenseKey::parse(&server.new_license(1)).unwrap();
    let (first, secrets) = session(&server, "carol");
    let ActivationOutcome::Activated(a) = first.activate(&key, |_| {}).await.unwrap() else {
        panic!("activated")
    };
    // The same keychain, but the state file is gone (e.g. damaged and set aside).
    let later = Session::new(
        config_for(&server.url, server.public_key()),
        device("carol"),
        secrets,
        Arc::new(MemoryStateStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap();
    let held = later.status().unwrap();
    assert_eq!(held.state.activation_id.as_deref(), Some(a.machine.id.as_str()));
    assert!(
        held.state.license.is_none(),
        "the summary comes back with the next renewal"
    );
    assert!(
        later.next_renewal_at().unwrap().unwrap() <= later.now(),
        "renewal due at once"
    );
    assert!(matches!(
        later.renew_if_due().await.unwrap(),
        Some(RenewalOutcome::Renewed { .. })
    ));
    assert!(later.status().unwrap().state.license.is_some());
    later.deactivate_this(true).await.unwrap();
    let machines: serde_json::Value =
        serde_json::from_str(&server.cli(&["license", "machines", "--license", key.canonical()])).unwrap();
    assert_eq!(machines["total"], 0, "the seat is free: {machines}");
}

/// A floating key answers FLOATING_LICENSE: the session keeps the key and marks it, so the app's
/// next start takes a seat with it; a node-locked key activated afterwards starts as before.
#[tokio::test]
async fn a_floating_key_is_marked_for_the_next_start_and_a_node_locked_one_is_not() {
    use keyturn_client::session::OnStart;
    let server = real_server();
    let floating = LicenseKey::parse(&server.new_license_with(1, &["--floating", "--lease-secs", "60"])).unwrap();
    let (s, secrets) = session(&server, "alice");
    assert_eq!(s.on_start(None), OnStart::AsBefore, "nothing stored yet");

    let refused = s.activate(&floating, |_| {}).await.unwrap_err();
    assert_eq!(refused.error_code(), keyturn_client::ErrorCode::FloatingLicense);
    assert_eq!(
        secrets.get(Secret::LicenseKey).unwrap().as_deref(),
        Some(floating.canonical())
    );
    assert_eq!(s.on_start(None), OnStart::TakeSeat);

    let node_locked = LicenseKey::parse(&server.new_license(1)).unwrap();
    assert!(matches!(
        s.activate(&node_locked, |_| {}).await.unwrap(),
        ActivationOutcome::Activated(_)
    ));
    assert_eq!(
        s.on_start(None),
        OnStart::AsBefore,
        "a node-locked key starts as before"
    );
}
