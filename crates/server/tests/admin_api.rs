//! The admin API mirrors the CLI.

use keyturn_testkit::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn vendor_workflow_over_the_admin_api() {
    let server = Server::start();
    let (status, product) = server
        .admin(Method::POST, "/products", Some(json!({"name": "App", "id": "app"})))
        .await;
    assert_eq!((status, product["id"].as_str()), (StatusCode::CREATED, Some("app")));
    let (status, v) = server
        .admin(Method::POST, "/products", Some(json!({"name": "App", "id": "app"})))
        .await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    let (status, policy) = server
        .admin(
            Method::POST,
            "/policies",
            Some(json!({"product_id": "app", "name": "Pro", "max_machines": 2, "uniqueness": "PER_POLICY", "renew_interval_secs": 3600})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{policy}");
    assert_eq!(policy["uniqueness"], "PER_POLICY");
    let (status, v) = server
        .admin(
            Method::POST,
            "/policies",
            Some(json!({"product_id": "app", "name": "X", "max_machines": 1, "colour": "red"})),
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));
    let (status, created) = server
        .admin(
            Method::POST,
            "/licenses",
            Some(json!({"policy_id": policy["id"], "owner_name": "Ann", "owner_email": "ann@example.com", "entitlements": ["pro"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().unwrap().to_string();
    let id = created["license"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["license"]["key_prefix"].as_str().unwrap(), &key[..5]);

    let (_, act) = server.activate(&key, "dev").await;
    assert_eq!(act["license"]["entitlements"], json!(["pro"]));
    let (status, machines) = server
        .admin(Method::GET, &format!("/licenses/{id}/machines"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (machines["total"].clone(), machines["next"].clone()),
        (json!(1), Value::Null)
    );
    let machines = machines["machines"].clone();
    assert_eq!(machines.as_array().unwrap().len(), 1);
    assert_eq!(machines[0]["fingerprint"], "dev");

    let (_, list) = server.admin(Method::GET, "/licenses?product_id=app", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["seats_used"], 1);
    assert!(!list.to_string().contains(&key), "the admin API never shows whole keys");

    let (status, v) = server
        .admin(
            Method::POST,
            &format!("/licenses/{id}/extend"),
            Some(json!({"expires_at": 4_000_000_000i64})),
        )
        .await;
    assert_eq!(
        (status, v["expires_at"].as_i64()),
        (StatusCode::OK, Some(4_000_000_000))
    );
    let (status, v) = server
        .admin(Method::POST, &format!("/licenses/{id}/extend"), Some(json!({})))
        .await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, "BAD_REQUEST"));

    let (status, _) = server
        .admin(
            Method::POST,
            "/fingerprints/block",
            Some(json!({"product_id": "app", "fingerprint": "dev"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(code(&server.validate(&key, "dev").await.1), "FINGERPRINT_BLOCKED");
    server
        .admin(
            Method::POST,
            "/fingerprints/clear",
            Some(json!({"product_id": "app", "fingerprint": "dev"})),
        )
        .await;

    let machine = machines[0]["id"].as_str().unwrap();
    let (status, _) = server
        .admin(Method::DELETE, &format!("/licenses/{id}/machines/{machine}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(code(&server.validate(&key, "dev").await.1), "FINGERPRINT_NOT_FOUND");
    server.activate(&key, "dev").await;
    let (status, v) = server.admin(Method::POST, &format!("/licenses/{id}/reset"), None).await;
    assert_eq!((status, v["removed"].as_u64()), (StatusCode::OK, Some(1)));

    let (status, v) = server
        .admin(Method::POST, &format!("/licenses/{id}/revoke"), None)
        .await;
    assert_eq!((status, v["status"].as_str()), (StatusCode::OK, Some("REVOKED")));
    let (status, v) = server.admin(Method::GET, "/licenses/lic_nope", None).await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, "NOT_FOUND"));

    let (_, pk) = server.admin(Method::GET, "/public-key", None).await;
    assert_eq!(pk["public_key"].as_str().unwrap(), server.cli(&["public-key"]));
}
