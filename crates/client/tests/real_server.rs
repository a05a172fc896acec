//! The client against the REAL keyturn-server (127.0.0.1; a temp SQLite file, or PostgreSQL with
//! `KEYTURN_TEST_STORE=postgres`), administered by its CLI.
//! Build the server first: `cargo build -p keyturn-server` (bash scripts/test.sh does).

mod support;

use keyturn_client::clock::FixedJitter;
use keyturn_client::flow::{activate_device, free_and_retry, now};
use keyturn_client::local::{self, LocalError};
use keyturn_client::renewal::{Backoff, RenewalOutcome, Renewer};
use keyturn_client::{
    check_token, ActivationOutcome, ApiClient, ClientError, Code, Device, FlowError, LicenseKey, MemorySecretStore,
    MemoryStateStore, VendorConfig,
};
use keyturn_testkit::Server;
use support::fixtures::{config_for, device, device_with, override_device, real_server, vm_device, PRODUCT};

struct World {
    server: Server,
    api: ApiClient,
    config: VendorConfig,
}

fn world() -> World {
    let server = real_server();
    let api = ApiClient::new(&server.url).unwrap();
    let config = config_for(&server.url, server.public_key());
    World { server, api, config }
}

impl World {
    fn key(&self, seats: u32, extra: &[&str]) -> LicenseKey {
        LicenseKey::parse(&self.server.new_license_with(seats, extra)).expect("server key parses")
    }

    async fn activate(&self, key: &LicenseKey, device: &Device) -> Result<ActivationOutcome, FlowError> {
        activate_device(&self.api, &self.config, key, device).await
    }

    async fn activated(&self, key: &LicenseKey, device: &Device) -> keyturn_client::Activation {
        match self.activate(key, device).await {
            Ok(ActivationOutcome::Activated(a)) => a,
            other => panic!("not activated: {other:?}\nserver log:\n{}", self.server.logs()),
        }
    }
}

#[tokio::test]
async fn happy_path_activate_list_validate_deactivate() {
    let w = world();
    let key = w.key(2, &[]);
    let alice = device("alice");
    let activation = w.activated(&key, &alice).await;
    assert_eq!(activation.claims.fingerprint, alice.fingerprint);
    assert_eq!(activation.claims.product_id, PRODUCT);
    assert_eq!(activation.claims.sub, activation.machine.id);
    assert_eq!((activation.license.seats_used, activation.license.seats_max), (1, 2));
    assert_eq!(activation.machine.name, "alice");

    let listed = w.api.machines(&key, Some(&alice.fingerprint)).await.unwrap();
    assert_eq!(listed.machines.len(), 1);
    assert!(listed.machines[0].is_this_device);

    let validated = w.api.validate(&key, &alice.fingerprint).await.unwrap();
    assert_eq!(validated.code, Code::Valid);
    assert_eq!(validated.activation_id.as_deref(), Some(activation.machine.id.as_str()));

    w.api.deactivate(&key, &activation.machine.id).await.unwrap();
    assert!(w.api.machines(&key, None).await.unwrap().machines.is_empty());
    assert_eq!(
        w.api.validate(&key, &alice.fingerprint).await.unwrap().code,
        Code::FingerprintNotFound
    );
}

#[tokio::test]
async fn running_the_flow_again_renews_the_same_activation() {
    let w = world();
    let key = w.key(1, &[]);
    let first = w.activated(&key, &device("alice")).await;
    let second = w.activated(&key, &device("alice")).await;
    assert_eq!(second.machine.id, first.machine.id);
    assert_eq!(second.license.seats_used, 1);
    // Renewing with the very same body as the activation succeeds.
    let request = device("alice").activate_request(&key);
    let renewed = w.api.renew(&first.machine.id, &request).await.unwrap();
    assert_eq!(renewed.machine.id, first.machine.id);
}

#[tokio::test]
async fn limit_reached_then_free_one_then_activated() {
    let w = world();
    let key = w.key(1, &[]);
    let alice = w.activated(&key, &device("alice")).await;
    let bob = device("bob");
    let Ok(ActivationOutcome::LimitReached { license, machines }) = w.activate(&key, &bob).await else {
        panic!("expected the limit")
    };
    assert_eq!((license.seats_used, license.seats_max), (1, 1));
    assert_eq!(machines.len(), 1);
    assert_eq!(machines[0].id, alice.machine.id);
    assert_eq!(machines[0].name, "alice");
    assert!(!machines[0].is_this_device);

    let Ok(ActivationOutcome::Activated(b)) = free_and_retry(&w.api, &w.config, &key, &bob, &alice.machine.id).await
    else {
        panic!("expected bob activated")
    };
    assert_eq!(b.claims.fingerprint, bob.fingerprint);
    // Alice's activation is gone: her next renewal ends her local validity.
    let err = w
        .api
        .renew(&alice.machine.id, &device("alice").activate_request(&key))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(Code::ActivationNotFound), "{err:?}");
}

#[tokio::test]
async fn suspended_ends_local_validity_at_the_next_sync_and_reinstate_restores() {
    let w = world();
    let key = w.key(1, &[]);
    let alice = device("alice");
    let activation = w.activated(&key, &alice).await;
    let (secrets, state) = (MemorySecretStore::default(), MemoryStateStore::default());
    let t0 = now();
    local::save_activation(&activation, &key, &w.server.url, &secrets, &state, t0).unwrap();
    assert!(local::check_local(&w.config, &alice, &secrets, &state, t0).is_ok());

    w.server.cli(&["license", "suspend", "--license", key.canonical()]);
    let renewer = Renewer {
        api: &w.api,
        config: &w.config,
        device: &alice,
        secrets: &secrets,
        state: &state,
        backoff: Backoff::default(),
    };
    let outcome = renewer.renew(now(), &mut FixedJitter(0.0)).await.unwrap();
    assert!(
        matches!(
            outcome,
            RenewalOutcome::Ended {
                code: Code::Suspended,
                ..
            }
        ),
        "{outcome:?}"
    );
    let err = local::check_local(&w.config, &alice, &secrets, &state, now()).unwrap_err();
    assert!(matches!(err, LocalError::Ended(Code::Suspended)), "{err:?}");
    // The flow says so too, with the server's code.
    assert_eq!(
        w.activate(&key, &alice).await.unwrap_err().code(),
        Some(Code::Suspended)
    );

    w.server.cli(&["license", "reinstate", "--license", key.canonical()]);
    let again = w.activated(&key, &alice).await;
    local::save_activation(&again, &key, &w.server.url, &secrets, &state, now()).unwrap();
    assert!(local::check_local(&w.config, &alice, &secrets, &state, now()).is_ok());
}

#[tokio::test]
async fn revoked_and_unknown_keys_are_refused_with_their_codes() {
    let w = world();
    let key = w.key(1, &[]);
    w.activated(&key, &device("alice")).await;
    w.server.cli(&["license", "revoke", "--license", key.canonical()]);
    assert_eq!(
        w.activate(&key, &device("alice")).await.unwrap_err().code(),
        Some(Code::Revoked)
    );
    // Well-formed but never issued.
    let unknown = LicenseKey::from_random_bytes([1; 18]);
    let err = w.activate(&unknown, &device("alice")).await.unwrap_err();
    assert_eq!(err.code(), Some(Code::NotFound));
    assert!(!err.is_offline());
}

#[tokio::test]
async fn renewal_at_renew_by_on_the_servers_clock_and_offline_until_grace_ends() {
    let w = world();
    let key = w.key(1, &["--renew-interval", "3600", "--grace", "7200"]);
    let alice = device("alice");
    let activation = w.activated(&key, &alice).await;
    assert_eq!(activation.claims.renew_by - activation.claims.iat, 3600);
    assert_eq!(activation.claims.exp - activation.claims.renew_by, 7200);
    let (secrets, state) = (MemorySecretStore::default(), MemoryStateStore::default());
    local::save_activation(
        &activation,
        &key,
        &w.server.url,
        &secrets,
        &state,
        activation.claims.iat,
    )
    .unwrap();
    let renewer = Renewer {
        api: &w.api,
        config: &w.config,
        device: &alice,
        secrets: &secrets,
        state: &state,
        backoff: Backoff::default(),
    };

    // An hour later (on both clocks) renewal is due and gives a fresh token.
    let later = w.server.set_clock_offset(3600).await;
    assert!(renewer.due(later).unwrap());
    let RenewalOutcome::Renewed { claims, next_renewal } = renewer.renew(later, &mut FixedJitter(0.0)).await.unwrap()
    else {
        panic!("not renewed\n{}", w.server.logs())
    };
    assert!(claims.iat >= later);
    assert_eq!(next_renewal, claims.renew_by);

    // Offline afterwards: works until valid-until, then stops.
    let held = local::check_local(&w.config, &alice, &secrets, &state, claims.renew_by + 10).unwrap();
    assert!(held.standing.renewal_due);
    assert!(matches!(
        local::check_local(&w.config, &alice, &secrets, &state, claims.exp),
        Err(LocalError::Offline(keyturn_client::OfflineError::Expired { .. }))
    ));
}

#[tokio::test]
async fn vm_refused_by_policy_and_override_fingerprint_accepted() {
    let w = world();
    let key = w.key(2, &["--allow-vm", "false"]);
    assert_eq!(
        w.activate(&key, &vm_device("vm1")).await.unwrap_err().code(),
        Some(Code::VmNotAllowed)
    );
    let container = override_device("ci-runner-7");
    let a = w.activated(&key, &container).await;
    assert_eq!(a.claims.fingerprint, "ci-runner-7");
}

#[tokio::test]
async fn every_single_byte_change_of_a_server_issued_token_is_rejected() {
    let w = world();
    let key = w.key(1, &[]);
    let alice = device("alice");
    let activation = w.activated(&key, &alice).await;
    let public = w.config.pinned_keys().unwrap();
    let at = activation.claims.iat;
    assert!(check_token(&activation.token, &public, &alice.fingerprint, PRODUCT, at, None).is_ok());
    let bytes = activation.token.as_bytes();
    for i in 0..bytes.len() {
        for replacement in 0x21u8..0x7f {
            if bytes[i] == replacement {
                continue;
            }
            let mut changed = bytes.to_vec();
            changed[i] = replacement;
            let changed = String::from_utf8(changed).unwrap();
            assert!(
                check_token(&changed, &public, &alice.fingerprint, PRODUCT, at, None).is_err(),
                "byte {i} -> {}",
                replacement as char
            );
        }
    }
}

#[tokio::test]
async fn a_stopped_server_is_offline_not_invalid() {
    let w = world();
    let key = w.key(1, &[]);
    let url = w.server.url.clone();
    drop(w.server);
    let api = ApiClient::new(&url).unwrap();
    let err = api.validate(&key, "fp").await.unwrap_err();
    assert!(matches!(err, ClientError::Network(_)), "{err:?}");
    let err = activate_device(&api, &w.config, &key, &device("alice"))
        .await
        .unwrap_err();
    assert!(err.is_offline() && err.code().is_none(), "{err:?}");
}

#[tokio::test]
async fn one_changed_component_rebinds_under_fuzzy_matching() {
    let w = world();
    let key = w.key(1, &["--matching", "FUZZY", "--fuzzy-min", "2"]);
    let parts = [
        ("cpu", "Test CPU 9000"),
        ("disk", "S3Z9NB0K123456"),
        ("host", "alice"),
        ("machine_id", "id-alice"),
    ];
    let before = device_with(&parts);
    let first = w.activated(&key, &before).await;
    // A new disk: another fingerprint, but three of four component hashes still match.
    let mut changed = parts;
    changed[1].1 = "WD-NEWDISK42";
    let after = device_with(&changed);
    assert_ne!(after.fingerprint, before.fingerprint);
    let second = w.activated(&key, &after).await;
    assert_eq!(second.machine.id, first.machine.id, "re-bound, not a second seat");
    assert_eq!(second.claims.fingerprint, after.fingerprint);
    // Under EXACT matching the same change needs a seat of its own.
    let exact = w.key(1, &[]);
    w.activated(&exact, &before).await;
    assert!(matches!(
        w.activate(&exact, &after).await,
        Ok(ActivationOutcome::LimitReached { .. })
    ));
}

#[tokio::test]
async fn one_trial_per_device_with_a_verifiable_token() {
    let w = world();
    w.server.new_policy(1, &["--trial"]);
    let alice = device("alice");
    let trial = w.api.trial(&alice.trial_request(PRODUCT)).await.expect("first trial");
    let key = LicenseKey::parse(&trial.key).expect("the trial key is a well-formed key");
    let verifying_key = w.config.pinned_keys().unwrap();
    let claims = check_token(&trial.token, &verifying_key, &alice.fingerprint, PRODUCT, now(), None).unwrap();
    assert_eq!(claims.sub, trial.machine.id);
    assert!(trial.license.expires_at.is_some(), "a trial expires");
    assert!(trial.license.trial, "the license says it is a trial");
    // The trial key validates like any key on this device.
    assert_eq!(
        w.api.validate(&key, &alice.fingerprint).await.unwrap().code,
        Code::Valid
    );

    let again = w.api.trial(&alice.trial_request(PRODUCT)).await.unwrap_err();
    assert_eq!(again.code(), Some(Code::TrialUsed));
    assert!(!again.is_offline());
    let bob = device("bob");
    w.api
        .trial(&bob.trial_request(PRODUCT))
        .await
        .expect("another device gets its own trial");
}

#[tokio::test]
async fn machines_come_page_by_page_and_the_limit_answer_is_bounded() {
    let w = world();
    let key = w.key(3, &[]);
    let names = ["alice", "bob", "carol"];
    for name in names {
        w.activated(&key, &device(name)).await;
    }
    let first = w.api.machines_page(&key, None, None, Some(2)).await.unwrap();
    assert_eq!(
        first.machines.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["alice", "bob"]
    );
    assert_eq!(first.license.seats_used, 3);
    let cursor = first.next.expect("a second page");
    let second = w.api.machines_page(&key, None, Some(&cursor), Some(2)).await.unwrap();
    assert_eq!(
        second.machines.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["carol"]
    );
    assert!(second.next.is_none());
    // The fourth device is refused with the bound machines (at most 20) and their total.
    match w.activate(&key, &device("dave")).await {
        Ok(ActivationOutcome::LimitReached { license, machines }) => {
            assert_eq!((license.seats_used, machines.len()), (3, 3));
        }
        other => panic!("expected the limit: {other:?}"),
    }
    let err = w
        .api
        .machines_page(&key, None, Some("not-a-cursor"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Server { ref body, .. } if body.code == Code::BadRequest),
        "{err:?}"
    );
}
