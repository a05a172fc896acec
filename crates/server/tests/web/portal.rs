//! The customer portal over HTTP: a customer signs in with the key, sees and frees its devices,
//! and activates an air-gapped machine with offline codes.

use super::sign_in;
use keyturn_protocol::offline::{OfflineCode, OfflineDeactivation, OfflineRequest, OfflineResponse};
use keyturn_protocol::token;
use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn offline_request(product: &str, fp: &str) -> String {
    OfflineRequest {
        product_id: product.into(),
        fingerprint: fp.into(),
        components: Default::default(),
        name: format!("offline {fp}"),
        platform: "linux-x86_64".into(),
        virt: Default::default(),
        created_at: 1,
    }
    .encode()
}

#[tokio::test]
async fn an_offline_activation_needs_no_renewal_for_the_policy_lease() {
    let server = Server::start();
    let policy_args = ["--renew-interval", "100", "--grace", "50", "--offline-lease", "1000"];
    let (product, policy) = server.product_policy(2, &policy_args);
    let key = server.license(&policy);
    server.activate(&key, "online-dev").await;
    let web = sign_in(&server, "portal", json!({"key": key})).await.unwrap();
    let public_key = token::parse_public_key(&server.cli(&["public-key"])).unwrap();
    let activate_offline = || async {
        let request = json!({"request": offline_request(&product, "air-gapped")});
        let (status, v) = web
            .call_with(Method::POST, "/offline/activate", Some(request), true)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        let response = OfflineResponse::decode(v["response"].as_str().unwrap()).unwrap();
        let claims = token::verify(&response.activation.token, &public_key).unwrap();
        // The portal tells the holder when to come back.
        assert_eq!(
            (v["renew_by"].as_i64(), v["valid_until"].as_i64()),
            (Some(claims.renew_by), Some(claims.exp))
        );
        claims
    };

    // The token of the air-gapped device asks for no renewal before the lease ends.
    let claims = activate_offline().await;
    assert_eq!(claims.renew_by - claims.iat, 1000);
    assert_eq!(claims.exp - claims.renew_by, 50);
    server.set_clock_offset(500).await;
    assert_eq!(code(&server.validate(&key, "air-gapped").await.1), "VALID");
    assert_eq!(
        code(&server.validate(&key, "online-dev").await.1),
        "OVERDUE",
        "online: interval + grace"
    );
    // The vendor sees when it is due.
    let license_id = claims.license_id.clone();
    let (status, v) = server
        .admin(Method::GET, &format!("/licenses/{license_id}/machines"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let air_gapped = v["machines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["fingerprint"] == "air-gapped")
        .unwrap();
    assert_eq!(air_gapped["renew_by"], claims.renew_by, "{air_gapped}");
    assert_eq!(air_gapped["offline_until"], claims.renew_by, "{air_gapped}");

    server.set_clock_offset(1051).await;
    assert_eq!(
        code(&server.validate(&key, "air-gapped").await.1),
        "OVERDUE",
        "lease + grace ran out"
    );
    // Repeating the exchange starts a new lease.
    let again = activate_offline().await;
    assert_eq!(again.sub, claims.sub, "the same seat");
    assert_eq!(again.renew_by - again.iat, 1000);
    assert_eq!(code(&server.validate(&key, "air-gapped").await.1), "VALID");
}

#[tokio::test]
async fn portal_devices_and_offline_codes() {
    let server = Server::start();
    let (product, policy) = server.product_policy(2, &[]);
    let key = server.license(&policy);
    let other_key = server.license(&policy);
    let (_, other) = server.activate(&other_key, "other-dev").await;
    let other_activation = other["machine"]["id"].as_str().unwrap();
    let (_, mine) = server.activate(&key, "online-dev").await;
    let online_activation = mine["machine"]["id"].as_str().unwrap();

    let (status, v) = sign_in(&server, "portal", json!({"key": "not a key"}))
        .await
        .err()
        .unwrap();
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "INVALID_KEY_FORMAT"));
    let unknown = keyturn_protocol::LicenseKey::from_random_bytes([9; 18]).to_string();
    let (status, v) = sign_in(&server, "portal", json!({"key": unknown})).await.err().unwrap();
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "NOT_FOUND"));
    let web = sign_in(&server, "portal", json!({"key": key.to_lowercase()}))
        .await
        .unwrap();

    let (status, v) = web.call_with(Method::GET, "/devices", None, false).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["machines"].as_array().unwrap().len(), 1);
    // Another license's device: not found from here, and untouched.
    let (status, v) = web
        .call_with(Method::DELETE, &format!("/devices/{other_activation}"), None, true)
        .await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "ACTIVATION_NOT_FOUND"));
    let (_, v) = server.validate(&other_key, "other-dev").await;
    assert_eq!(v["code"], "VALID");

    // A request code with any one character changed (a typo, a misread letter) is refused
    // before anything changes: no phantom device takes a seat.
    let valid = offline_request(&product, "typo");
    for i in 0..valid.len() {
        let mut changed: Vec<char> = valid.chars().collect();
        changed[i] = if changed[i] == 'A' { 'B' } else { 'A' };
        let changed: String = changed.into_iter().collect();
        let (status, v) = web
            .call_with(
                Method::POST,
                "/offline/activate",
                Some(json!({"request": changed})),
                true,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "character {i} changed: {v}");
        assert!(v["message"].as_str().unwrap().contains("copy it again"), "{v}");
    }
    let (_, v) = web.call_with(Method::GET, "/devices", None, false).await;
    assert_eq!(
        v["machines"].as_array().unwrap().len(),
        1,
        "no device bound by a damaged code"
    );
    let outdated = format!("KT-REQ1.{}", valid.split('.').nth(1).unwrap());
    let (status, v) = web
        .call_with(
            Method::POST,
            "/offline/activate",
            Some(json!({"request": outdated})),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("older version"), "{v}");

    // Offline activation: a signed response bound to the device, verified with the public key.
    let (status, v) = web
        .call_with(
            Method::POST,
            "/offline/activate",
            Some(json!({"request": offline_request(&product, "air-gapped")})),
            true,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let response = OfflineResponse::decode(v["response"].as_str().unwrap()).unwrap();
    let public_key = token::parse_public_key(&server.cli(&["public-key"])).unwrap();
    let claims = token::verify(&response.activation.token, &public_key).unwrap();
    assert_eq!(claims.fingerprint, "air-gapped");
    assert_eq!(claims.sub, response.activation.machine.id);
    // The seats are full now: a third device is refused with the usual code.
    let (status, v) = web
        .call_with(
            Method::POST,
            "/offline/activate",
            Some(json!({"request": offline_request(&product, "third")})),
            true,
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "MACHINE_LIMIT_EXCEEDED"));
    for (request, what) in [
        (offline_request("another-product", "x"), "another product"),
        ("KT-REQ2.garbage!".to_string(), "damaged"),
        (response.activation.token.clone(), "not a request"),
    ] {
        let (status, v) = web
            .call_with(
                Method::POST,
                "/offline/activate",
                Some(json!({"request": request})),
                true,
            )
            .await;
        assert_eq!(
            (status, code(&v)),
            (StatusCode::BAD_REQUEST, "BAD_REQUEST"),
            "{what}: {v}"
        );
    }

    // Offline deactivation: the device's token names the seat; another license's is refused.
    let code_for = |token: &str| {
        OfflineDeactivation {
            token: token.into(),
            deactivated_at: 2,
        }
        .encode()
    };
    let (status, v) = web
        .call_with(
            Method::POST,
            "/offline/deactivate",
            Some(json!({"code": code_for(other["token"].as_str().unwrap())})),
            true,
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    let (status, v) = web
        .call_with(
            Method::POST,
            "/offline/deactivate",
            Some(json!({"code": code_for(&response.activation.token)})),
            true,
        )
        .await;
    assert_eq!(
        (status, v["activation_id"].as_str()),
        (StatusCode::OK, Some(claims.sub.as_str()))
    );
    let (_, v) = web.call_with(Method::GET, "/devices", None, false).await;
    assert_eq!(v["machines"].as_array().unwrap().len(), 1);

    // Removing a device frees its seat.
    let (status, _) = web
        .call_with(Method::DELETE, &format!("/devices/{online_activation}"), None, true)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, v) = server.validate(&key, "online-dev").await;
    assert_eq!(v["code"], "FINGERPRINT_NOT_FOUND");
    let (status, _) = web
        .call_with(Method::DELETE, &format!("/devices/{online_activation}"), None, false)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a change without the CSRF token");
}
