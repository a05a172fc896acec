//! Background renewal and local validity, against a scripted stub. Clock and jitter are
//! injected: nothing sleeps.

mod support;

use keyturn_client::clock::FixedJitter;
use keyturn_client::local::{self, LocalError};
use keyturn_client::renewal::{Backoff, RenewalOutcome, Renewer};
use keyturn_client::{
    ActivationOutcome, ApiClient, Code, MemorySecretStore, MemoryStateStore, Secret, SecretStore, StateStore,
};
use keyturn_testkit::stub::{refused_url, Reply, Stub};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use support::fixtures::*;

/// A device activated at NOW against `stub`, its stores filled like the app would.
async fn activated(stub: &Stub) -> (MemorySecretStore, MemoryStateStore) {
    let api = ApiClient::new(&stub.url).unwrap();
    let outcome =
        keyturn_client::flow::activate_device_with(&api, &config(&stub.url), &key(), &device("alice"), NOW, |_| {})
            .await
            .unwrap();
    let ActivationOutcome::Activated(activation) = outcome else {
        panic!()
    };
    let (secrets, state) = (MemorySecretStore::default(), MemoryStateStore::default());
    local::save_activation(&activation, &key(), &stub.url, &secrets, &state, NOW).unwrap();
    (secrets, state)
}

/// Activation works; renewal answers with `renew` (a counter says how many renewals came).
async fn server(renew: impl Fn(u32, &serde_json::Value) -> Reply + Send + Sync + 'static) -> Stub {
    let count = Arc::new(AtomicU32::new(0));
    Stub::start(move |r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/validate") => Reply::Json(200, validate_reply("FINGERPRINT_NOT_FOUND", None)),
        ("POST", "/v1/activations") => Reply::Json(201, activation_reply("act_1", &r.body, NOW)),
        ("PATCH", "/v1/activations/act_1") => renew(count.fetch_add(1, Ordering::SeqCst), &r.body),
        _ => Reply::Json(404, error("ROUTE_NOT_FOUND")),
    })
    .await
}

fn renewer<'a>(
    api: &'a ApiClient,
    config: &'a keyturn_client::VendorConfig,
    device: &'a keyturn_client::Device,
    secrets: &'a MemorySecretStore,
    state: &'a MemoryStateStore,
) -> Renewer<'a> {
    Renewer {
        api,
        config,
        device,
        secrets,
        state,
        backoff: Backoff {
            initial_secs: 60,
            max_secs: 3600,
            factor: 2,
        },
    }
}

#[tokio::test]
async fn renewal_at_renew_by_stores_a_fresh_token() {
    let renew_at = NOW + 86_400;
    let stub = server(move |_, body| Reply::Json(200, activation_reply("act_1", body, renew_at))).await;
    let (secrets, state) = activated(&stub).await;
    let (api, config, device) = (ApiClient::new(&stub.url).unwrap(), config(&stub.url), device("alice"));
    let r = renewer(&api, &config, &device, &secrets, &state);
    assert!(!r.due(NOW + 10).unwrap());
    assert!(r.due(renew_at).unwrap());
    let old_token = secrets.get(Secret::Token).unwrap();
    let RenewalOutcome::Renewed { claims, next_renewal } = r.renew(renew_at, &mut FixedJitter(0.5)).await.unwrap()
    else {
        panic!()
    };
    assert_eq!(claims.iat, renew_at);
    assert_eq!(next_renewal, renew_at + 86_400);
    assert_ne!(secrets.get(Secret::Token).unwrap(), old_token);
    let s = state.load().unwrap();
    assert_eq!(
        (s.last_sync, s.last_seen, s.next_renewal, s.renewal_failures),
        (Some(renew_at), Some(renew_at), Some(next_renewal), 0)
    );
    // The renewal body is the very same as the activation's.
    let requests = stub.requests();
    assert_eq!(requests[2].body, requests[1].body);
}

#[tokio::test]
async fn offline_renewal_backs_off_and_the_token_keeps_working_until_valid_until() {
    let stub = server(|_, body| Reply::Json(200, activation_reply("act_1", body, NOW))).await;
    let (secrets, state) = activated(&stub).await;
    let config = config(&stub.url);
    let device = device("alice");
    // The server goes away.
    let api = ApiClient::new(&refused_url().await).unwrap();
    let r = renewer(&api, &config, &device, &secrets, &state);
    let mut now = NOW + 86_400;
    let mut waits = Vec::new();
    for failures in 1..=8 {
        let RenewalOutcome::Postponed {
            offline,
            retry_at,
            failures: f,
            code,
            ..
        } = r.renew(now, &mut FixedJitter(0.0)).await.unwrap()
        else {
            panic!()
        };
        assert!(offline);
        assert_eq!((f, code), (failures, None));
        waits.push(retry_at - now);
        now = retry_at;
    }
    assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1800, 1800]);
    // Still working offline, and says how long is left.
    let held = local::check_local(&config, &device, &secrets, &state, now).unwrap();
    assert!(held.standing.renewal_due);
    assert_eq!(held.standing.valid_until, NOW + 8 * 86_400);
    assert_eq!(held.standing.seconds_left, NOW + 8 * 86_400 - now);
    // Past valid-until it stops.
    let err = local::check_local(&config, &device, &secrets, &state, NOW + 8 * 86_400).unwrap_err();
    assert!(
        matches!(err, LocalError::Offline(keyturn_client::OfflineError::Expired { .. })),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_500_postpones_and_the_next_success_resets_the_backoff() {
    let stub = server(|n, body| {
        if n == 0 {
            Reply::Raw(503, "text/html", "down".into())
        } else {
            Reply::Json(200, activation_reply("act_1", body, NOW + 100))
        }
    })
    .await;
    let (secrets, state) = activated(&stub).await;
    let (api, config, device) = (ApiClient::new(&stub.url).unwrap(), config(&stub.url), device("alice"));
    let r = renewer(&api, &config, &device, &secrets, &state);
    assert!(matches!(
        r.renew(NOW + 100, &mut FixedJitter(0.0)).await.unwrap(),
        RenewalOutcome::Postponed {
            failures: 1,
            offline: true,
            ..
        }
    ));
    assert!(matches!(
        r.renew(NOW + 200, &mut FixedJitter(0.0)).await.unwrap(),
        RenewalOutcome::Renewed { .. }
    ));
    assert_eq!(state.load().unwrap().renewal_failures, 0);
}

#[tokio::test]
async fn suspended_or_revoked_at_the_next_sync_ends_local_validity() {
    for code in ["SUSPENDED", "REVOKED", "ACTIVATION_NOT_FOUND"] {
        let stub = server(move |_, _| Reply::Json(403, error(code))).await;
        let (secrets, state) = activated(&stub).await;
        let (api, config, device) = (ApiClient::new(&stub.url).unwrap(), config(&stub.url), device("alice"));
        assert!(local::check_local(&config, &device, &secrets, &state, NOW + 10).is_ok());
        let r = renewer(&api, &config, &device, &secrets, &state);
        let RenewalOutcome::Ended { code: ended, .. } = r.renew(NOW + 20, &mut FixedJitter(0.0)).await.unwrap() else {
            panic!()
        };
        assert_eq!(ended.as_str(), code);
        assert_eq!(secrets.get(Secret::Token).unwrap(), None);
        let err = local::check_local(&config, &device, &secrets, &state, NOW + 30).unwrap_err();
        assert_eq!(err.code(), Some(ended), "{err:?}");
        assert_eq!(
            state.load().unwrap().activation_id.is_none(),
            code == "ACTIVATION_NOT_FOUND"
        );
        // The key stays: the app can offer to activate again.
        assert!(local::stored_key(&secrets).unwrap().is_some());
    }
}

#[tokio::test]
async fn clock_rollback_is_caught_locally() {
    let stub = server(|_, body| Reply::Json(200, activation_reply("act_1", body, NOW))).await;
    let (secrets, state) = activated(&stub).await;
    let (config, device) = (config(&stub.url), device("alice"));
    local::check_local(&config, &device, &secrets, &state, NOW + 7200).unwrap();
    let err = local::check_local(&config, &device, &secrets, &state, NOW + 60).unwrap_err();
    assert!(
        matches!(
            err,
            LocalError::Offline(keyturn_client::OfflineError::ClockRolledBack { .. })
        ),
        "{err:?}"
    );
    // Forgetting the activation leaves nothing to check.
    local::forget(&secrets, &state, true).unwrap();
    assert!(matches!(
        local::check_local(&config, &device, &secrets, &state, NOW + 7200),
        Err(LocalError::NotActivated)
    ));
    assert!(matches!(
        Renewer {
            api: &ApiClient::new(&stub.url).unwrap(),
            config: &config,
            device: &device,
            secrets: &secrets,
            state: &state,
            backoff: Backoff::default()
        }
        .renew(NOW, &mut FixedJitter(0.0))
        .await,
        Err(keyturn_client::renewal::RenewalError::NotActivated)
    ));
    let _ = Code::Valid;
}
