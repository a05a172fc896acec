//! Offline activation end to end: the real app in WebKit writes a request file, the customer
//! portal in a real browser (chromium) turns it into a signed response, the app imports it; then
//! "Deactivate without internet" gives a code that frees the seat in the portal. Bad codes get
//! plain words on both sides and lose nothing typed.

mod common;

use keyturn_e2e::app::TestResult;
use keyturn_e2e::server::ADMIN_TOKEN;
use keyturn_e2e::{server, App, Browser, Server};
use serde_json::Value;

#[tokio::test]
async fn activate_and_deactivate_through_the_portal() {
    let server = server::start();
    let key = server.new_license(2);
    let app = App::launch("offline-activation", &server, "e2e-air-gapped").await;
    let browser = Browser::launch("offline-portal").await;
    let result = walk_through(&app, &browser, &server, &key).await;
    if let Err(e) = &result {
        let _ = browser.screenshot("failure").await;
        eprintln!("offline activation failed: {e}");
    }
    browser.client.clone().close().await.ok();
    app.finish(result, &server).await;
}

async fn walk_through(app: &App, b: &Browser, server: &Server, key: &str) -> TestResult {
    // The app: key screen → Activate without internet → request file and code.
    app.click_button("Start").await?;
    app.find("#offline-link").await?.click().await?;
    app.find("[data-testid=offline-title]").await?;
    app.find("#offline-create").await?.click().await?;
    let request = app
        .find("#offline-request")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(request.starts_with("KT-REQ2."), "{request}");
    // "Save request file…" opens the system's save dialog (not drivable over WebDriver): the
    // test saves the shown code itself, as that dialog would.
    let path = app.home().join("keyturn-offline-request.txt");
    std::fs::write(&path, format!("{request}\n"))?;
    let path = path.display().to_string();
    assert!(
        !request.contains(&key.replace('-', "")),
        "a request never holds the key"
    );
    app.screenshot("request").await?;

    // The portal: a wrong key is refused in words; the right one shows no device yet.
    b.goto(&format!("{}/portal", server.url)).await?;
    b.fill("#key", "ABCDE").await?;
    b.click("#sign-in-button").await?;
    b.wait_for_text("#error", "INVALID_KEY_FORMAT", |t| t.contains("INVALID_KEY_FORMAT"))
        .await?;
    let old_laptop = server.activate_other_device(key, "e2e-old-laptop", "Old laptop").await;
    b.fill("#key", key).await?;
    b.click("#sign-in-button").await?;
    b.wait_visible("#devices-view").await?;
    // The old laptop is gone: remove it (the first click asks again).
    let remove = format!("#devices tr[data-id='{old_laptop}'] .remove-device");
    b.click(&remove).await?;
    b.wait_for_text(&remove, "armed", |t| t.contains("again")).await?;
    b.click(&remove).await?;
    b.wait_for_text("#status", "removed", |t| t.starts_with("Removed Old laptop"))
        .await?;
    b.wait_visible("#no-devices").await?;
    assert_eq!(server.machine_count(key).await, 0);
    // A damaged code is refused and nothing changes.
    b.fill("#request-code", "KT-REQ2.this-is-damaged").await?;
    b.click("#offline-button").await?;
    b.wait_for_text("#error", "BAD_REQUEST", |t| t.contains("BAD_REQUEST"))
        .await?;
    // Upload the request file.
    b.fill("#request-code", "").await?;
    b.find("#request-file").await?.send_keys(&path).await?;
    b.click("#offline-button").await?;
    b.wait_visible("#offline-result").await?;
    let response = b.find("#response-code").await?.prop("value").await?.unwrap_or_default();
    assert!(response.starts_with("KT-RES2."), "{response}");
    let lease = b.find("#offline-lease").await?.text().await?;
    assert!(
        lease.starts_with("That computer works without internet until "),
        "{lease}"
    );
    assert!(
        !lease.contains("Invalid") && !lease.contains("NaN"),
        "readable dates: {lease}"
    );
    b.wait_count("#devices tbody tr", 1).await?;
    // The portal shows the device tag the app and the console show.
    let machine = server.machines(key).await[0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let tag = b.find("#devices tbody tr .device-tag").await?.text().await?;
    assert_eq!(tag, keyturn_protocol::wire::device_tag(&machine));
    b.run("document.getElementById('offline-lease').scrollIntoView({block: 'center'}); arguments[0]();")
        .await?;
    b.screenshot("response").await?;

    // The app: a damaged response is refused in words, the typed key stays; the real one activates.
    app.find("#offline-key").await?.send_keys(key).await?;
    app.find("#offline-response")
        .await?
        .send_keys("KT-RES2.garbage")
        .await?;
    app.find("#offline-import").await?.click().await?;
    app.wait_for_text_where("#offline-error", "plain words", |t| t.contains("can't be used"))
        .await?;
    let typed = app.find("#offline-key").await?.prop("value").await?.unwrap_or_default();
    assert_eq!(typed, key, "the typed key is kept");
    app.find("#offline-response").await?.clear().await?;
    app.find("#offline-response").await?.send_keys(&response).await?;
    app.find("#offline-import").await?.click().await?;
    app.find("[data-testid=activated-title]").await?;
    app.click_button("Continue").await?;
    app.find("[data-testid=dashboard-title]").await?;
    // It cannot renew without internet: it works for the policy's offline lease (365 days by
    // default, plus the grace), not just renew interval + grace (14 days).
    let valid = app.find("[data-testid=valid-until]").await?.text().await?;
    let days: u32 = valid
        .split("(in ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("days left in {valid:?}"));
    assert!((365..=372).contains(&days), "{valid}");
    app.screenshot("dashboard").await?;

    // The app never called the activation endpoint itself: the portal did.
    let page: Value = reqwest::Client::new()
        .get(format!("{}/admin/v1/events?action=activate", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await?
        .json()
        .await?;
    let activations: Vec<&str> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["activation_id"].as_str())
        .collect();
    assert_eq!(
        activations,
        vec![old_laptop.as_str()],
        "only the old laptop called in: {page}"
    );
    let page: Value = reqwest::Client::new()
        .get(format!("{}/admin/v1/events?action=offline_activate", server.url))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(page["events"][0]["outcome"], "OK", "{page}");

    // Deactivate without internet → code → the portal frees the seat.
    common::open_more(app).await?;
    app.find("#deactivate-offline").await?.click().await?;
    app.find("[data-testid=confirm-deactivate-offline]")
        .await?
        .click()
        .await?;
    app.find("[data-testid=offline-deactivated-title]").await?;
    let code = app
        .find("#deactivation-code")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(code.starts_with("KT-DEA2."), "{code}");
    app.screenshot("deactivation-code").await?;
    b.fill("#deactivation-code", &code).await?;
    b.click("#deactivate-button").await?;
    b.wait_for_text("#status", "the seat is free", |t| t.contains("seat is free"))
        .await?;
    b.wait_visible("#no-devices").await?;
    assert_eq!(server.machine_count(key).await, 0);
    Ok(())
}
