//! The support console in a real browser (chromium via chromium-driver) against a real server:
//! sign in (a wrong token is refused and nothing typed is lost), search by email, key prefix and a
//! pasted support report, the license page with machines and timeline, every action, and the
//! CSRF and cookie protections.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::server::ADMIN_TOKEN;
use keyturn_e2e::{server, Browser, Server};
use serde_json::{json, Value};

async fn post(server: &Server, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", server.url))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Whether the element is displayed (it exists: the page has loaded).
async fn shown(b: &Browser, css: &str) -> Result<bool, Box<dyn std::error::Error>> {
    let element = b.client.find(fantoccini::Locator::Css(css)).await?;
    Ok(element.is_displayed().await?)
}

fn owned_license(server: &Server, seats: u32, email: &str) -> (String, String) {
    let policy = server.new_policy(seats, &[]);
    let options = ["--owner-name", "Ann Example", "--owner-email", email, "--json"];
    let created: Value = serde_json::from_str(&server.license_with(&policy, &options)).expect("license json");
    (
        created["id"].as_str().unwrap().into(),
        created["key"].as_str().unwrap().into(),
    )
}

#[tokio::test]
async fn support_console_in_a_real_browser() {
    // No rate limit: the test binds 101 devices at once.
    let server = server::start_with(&["--rate-limit", "0"]);
    let (license, key) = owned_license(&server, 3, "ann@example.com");
    let _other = owned_license(&server, 1, "bob@example.org");
    let laptop = server.activate_other_device(&key, "fp-laptop", "Ann's laptop").await;
    let desktop = server.activate_other_device(&key, "fp-desktop", "Ann's desktop").await;
    let browser = Browser::launch("console").await;
    let result = walk_through(&browser, &server, &license, &key, &laptop, &desktop).await;
    browser.finish(result, &server.logs()).await;
}

async fn walk_through(
    b: &Browser,
    server: &Server,
    license: &str,
    key: &str,
    laptop: &str,
    desktop: &str,
) -> TestResult {
    b.goto(&format!("{}/console", server.url)).await?;

    // A wrong token: a clear error, the typed token stays for correcting.
    b.click("#root-sign-in summary").await?;
    b.fill("#token", "not-the-token").await?;
    b.click("#sign-in-button").await?;
    b.wait_for_text("#error", "UNAUTHORIZED", |t| t.contains("UNAUTHORIZED"))
        .await?;
    assert_eq!(
        b.find("#token").await?.prop("value").await?.as_deref(),
        Some("not-the-token")
    );
    b.fill("#token", ADMIN_TOKEN).await?;
    b.click("#sign-in-button").await?;
    b.wait_visible("#search-view").await?;
    // The session cookie is HttpOnly: the page's script cannot read it.
    let cookie = b.client.execute("return document.cookie", vec![]).await?;
    assert_eq!(cookie, json!(""));

    // Search by part of the owner's email.
    b.fill("#q", "ann@example").await?;
    b.click("#search-button").await?;
    b.wait_count("#results tbody tr", 1).await?;
    let row = b.find("#results tbody tr").await?.text().await?;
    assert!(
        row.contains("Ann Example") && row.contains(license) && row.contains("2 of 3"),
        "{row}"
    );
    b.screenshot("search").await?;

    // Search by the key's first group, then a pasted support report naming the activation.
    b.fill("#q", &key[..5].to_lowercase()).await?;
    b.click("#search-button").await?;
    b.wait_for_text("#results tbody", "the license", |t| t.contains(license))
        .await?;
    // Pasted, not typed: Enter in the box searches, a paste keeps its line breaks.
    let report = format!("Keyturn support report\nApp 1.0\nActivation: {laptop}\nServer reachable");
    b.client
        .execute("document.querySelector('#q').value = arguments[0]", vec![json!(report)])
        .await?;
    b.click("#search-button").await?;
    b.wait_for_text("#results tbody", "the license", |t| t.contains(license))
        .await?;
    b.fill("#q", "nobody@nowhere.example").await?;
    b.click("#search-button").await?;
    b.wait_visible("#no-results").await?;

    // The license page: facts, both machines, the timeline.
    b.goto(&format!("{}/console#license/{license}", server.url)).await?;
    b.wait_visible("#license-view").await?;
    b.wait_count("#machines tbody tr", 2).await?;
    let due = b
        .find(&format!("#machines tr[data-id='{laptop}'] .renew-by"))
        .await?
        .text()
        .await?;
    assert!(due.ends_with("UTC"), "an online device renews by a date: {due}");
    // The device tag is the one the app and the portal show (one rule, sent by the server).
    let tag = b
        .find(&format!("#machines tr[data-id='{laptop}'] .device-tag"))
        .await?
        .text()
        .await?;
    assert_eq!(tag, keyturn_protocol::wire::device_tag(laptop));
    b.wait_for_text("#timeline", "two activations", |t| t.matches("activate").count() >= 2)
        .await?;
    b.screenshot("license").await?;

    // Suspend: the server refuses the key; reinstate: valid again. Only the change that applies
    // to the status is offered.
    assert!(
        !shown(b, "button[data-action=reinstate]").await?,
        "reinstate on an active license"
    );
    // Suspend asks first (with an optional reason; see console_licenses.rs).
    b.click("button[data-action=suspend]").await?;
    b.click("[data-testid=ask-yes]").await?;
    b.wait_for_text("#license-status", "Suspended", |t| t == "Suspended")
        .await?;
    assert!(
        !shown(b, "button[data-action=suspend]").await?,
        "suspend on a suspended license"
    );
    let (_, v) = post(server, "/v1/validate", json!({"key": key, "fingerprint": "fp-laptop"})).await;
    assert_eq!(v["code"], "SUSPENDED");
    b.click("button[data-action=reinstate]").await?;
    b.wait_for_text("#license-status", "Active", |t| t == "Active").await?;
    b.wait_for_text("#timeline", "suspend by the console", |t| {
        t.contains("suspend · console")
    })
    .await?;

    // Extend: a bad number is refused in words and changes nothing; 10 days sets an expiry.
    b.fill("#extend-days", "0").await?;
    b.click("button[data-action=extend]").await?;
    b.wait_for_text("#error", "BAD_REQUEST", |t| t.contains("BAD_REQUEST"))
        .await?;
    assert_eq!(b.find("#license-expiry").await?.text().await?, "never");
    b.fill("#extend-days", "10").await?;
    b.click("button[data-action=extend]").await?;
    b.wait_for_text("#license-expiry", "a date", |t| t.ends_with("UTC"))
        .await?;

    // Remove the laptop (two clicks: the first arms the button).
    let remove = format!("#machines tr[data-id='{laptop}'] .remove-machine");
    b.click(&remove).await?;
    b.wait_for_text(&remove, "armed", |t| t.contains("again")).await?;
    b.click(&remove).await?;
    b.wait_count("#machines tbody tr", 1).await?;
    assert_eq!(server.machine_count(key).await, 1);

    // Block the desktop: its renewal is refused from now on.
    let block = format!("#machines tr[data-id='{desktop}'] .block-machine");
    b.click(&block).await?;
    b.click(&block).await?;
    b.wait_for_text("#status", "blocked", |t| t.starts_with("Blocked"))
        .await?;
    let renew = reqwest::Client::new()
        .patch(format!("{}/v1/activations/{desktop}", server.url))
        .json(&json!({"key": key, "fingerprint": "fp-desktop", "name": "Ann's desktop", "platform": "windows-x86_64"}))
        .send()
        .await?;
    assert_eq!(renew.json::<Value>().await?["code"], "FINGERPRINT_BLOCKED");

    // CSRF: a request without the page's token changes nothing.
    let forged = b
        .run(&format!(
            "const done = arguments[0]; fetch('/console/api/licenses/{license}/revoke', {{method: 'POST'}}).then(r => done(r.status));"
        ))
        .await?;
    assert_eq!(forged, json!(401));
    let (_, v) = post(server, "/v1/validate", json!({"key": key, "fingerprint": "fp-x"})).await;
    assert_eq!(v["license"]["status"], "ACTIVE");

    // A license with more machines than one page: the rest come on request.
    let (big, big_key) = owned_license(server, 150, "dan@example.com");
    let mut activations = tokio::task::JoinSet::new();
    for i in 0..101 {
        let (url, key) = (server.url.clone(), big_key.clone());
        activations.spawn(async move {
            let body = json!({"key": key, "fingerprint": format!("fp-{i}"), "name": format!("PC {i}"), "platform": "linux-x86_64"});
            reqwest::Client::new().post(format!("{url}/v1/activations")).json(&body).send().await.map(|r| r.status().as_u16())
        });
    }
    while let Some(status) = activations.join_next().await {
        assert_eq!(status??, 201);
    }
    b.goto(&format!("{}/console#license/{big}", server.url)).await?;
    b.wait_count("#machines tbody tr", 100).await?;
    b.wait_for_text("#more-machines", "one not shown", |t| t.contains("(1 not shown)"))
        .await?;
    b.run("document.querySelector('#more-machines').scrollIntoView({block: 'center'}); arguments[0]();")
        .await?;
    b.screenshot("more-machines").await?;
    b.click("#more-machines").await?;
    b.wait_count("#machines tbody tr", 101).await?;
    assert!(!shown(b, "#more-machines").await?, "more machines after the last page");

    // Create a license from the search page: the key is shown once and works.
    b.goto(&format!("{}/console", server.url)).await?;
    b.wait_visible("#search-view").await?;
    b.click("#create summary").await?;
    b.fill("#owner-email", "carol@example.com").await?;
    b.click("#create-button").await?;
    let new_key = b.wait_for_text("#created-key", "a key", |t| t.len() == 35).await?;
    let (status, v) = post(server, "/v1/validate", json!({"key": new_key, "fingerprint": "fp-new"})).await;
    assert_eq!((status, v["code"].as_str()), (200, Some("FINGERPRINT_NOT_FOUND")));
    b.screenshot("created").await?;

    // Sign out: the API answers 401 again.
    b.click("#sign-out").await?;
    b.wait_visible("#sign-in-view").await?;
    let after = b
        .run("const done = arguments[0]; fetch('/console/api/session').then(r => done(r.status));")
        .await?;
    assert_eq!(after, json!(401));
    Ok(())
}
