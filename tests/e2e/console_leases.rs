//! The support console's floating-seat panel in a real browser (chromium via chromium-driver)
//! against a real server: the current leases of a floating license, and ending one (its holder's
//! next heartbeat is refused). Node-locked licenses show no panel.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::server::ADMIN_TOKEN;
use keyturn_e2e::{server, Browser, Server};
use serde_json::{json, Value};

async fn checkout(server: &Server, key: &str, fp: &str, name: &str) -> Value {
    let (status, body) = server
        .post(
            "/v1/leases",
            json!({"key": key, "fingerprint": fp, "name": name, "platform": "linux-x86_64"}),
        )
        .await;
    assert_eq!(status.as_u16(), 201, "{body}");
    body
}

fn license_id(server: &Server, policy: &str) -> (String, String) {
    let created: Value = serde_json::from_str(&server.license_with(policy, &["--json"])).expect("license json");
    (
        created["id"].as_str().unwrap().into(),
        created["key"].as_str().unwrap().into(),
    )
}

#[tokio::test]
async fn the_console_lists_current_leases_and_ends_one() {
    let server = server::start();
    let floating = server.new_policy(3, &["--floating", "--lease-secs", "600"]);
    let (license, key) = license_id(&server, &floating);
    let ann = checkout(&server, &key, "fp-ann", "Ann's laptop").await;
    checkout(&server, &key, "fp-bob", "Bob's desktop").await;
    let (node_locked, _) = license_id(&server, &server.new_policy(2, &[]));
    let browser = Browser::launch("console_leases").await;
    let result = walk(&browser, &server, &license, &key, &ann, &node_locked).await;
    browser.finish(result, &server.logs()).await;
}

async fn walk(b: &Browser, server: &Server, license: &str, key: &str, ann: &Value, node_locked: &str) -> TestResult {
    b.console_sign_in_with_token(&server.url, ADMIN_TOKEN).await?;
    b.goto(&format!("{}/console#license/{license}", server.url)).await?;
    b.wait_visible("#leases-panel").await?;
    b.wait_count("#leases tbody tr", 2).await?;
    let summary = b.find("#leases-summary").await?.text().await?;
    assert_eq!(summary, "2 of 3 seats in use now.");
    let lease = ann["lease"]["id"].as_str().unwrap();
    let row = b.find(&format!("#leases tr[data-id='{lease}']")).await?.text().await?;
    assert!(row.contains("Ann's laptop") && row.contains("heartbeat"), "{row}");
    b.screenshot("leases").await?;

    // End Ann's lease (a second click confirms): one left, and her heartbeat is refused.
    let end = format!("#leases tr[data-id='{lease}'] .end-lease");
    b.click(&end).await?;
    b.click(&end).await?;
    b.wait_count("#leases tbody tr", 1).await?;
    let (status, refused) = server
        .post(
            &format!("/v1/leases/{lease}/heartbeat"),
            json!({"key": key, "fingerprint": "fp-ann"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), refused["code"].as_str()),
        (404, Some("LEASE_NOT_FOUND"))
    );
    // The license's timeline shows the ending at once (polled up to the page deadline).
    b.wait_for_text("#timeline", "the end_lease event", |t| t.contains("end_lease"))
        .await?;
    b.screenshot("lease-ended").await?;

    // A node-locked license has no seat panel.
    b.goto(&format!("{}/console#license/{node_locked}", server.url)).await?;
    b.wait_for_text("#license-title", "the other license", |t| t.contains("Active"))
        .await?;
    b.wait_count("#machines tbody tr", 0).await.ok();
    assert!(!b.find("#leases-panel").await?.is_displayed().await?);
    Ok(())
}
