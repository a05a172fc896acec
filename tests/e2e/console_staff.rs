//! Staff accounts in the support console, in a real browser (chromium) against a real server:
//! an owner signs in with email and password and adds a support agent (a weak password is
//! refused in plain words), the agent signs in, sees only what support may do, resets a
//! license's machines, cannot revoke (the server refuses it even when the page sends it), and
//! the timeline names the agent; API tokens shown once and revoked; the agent's activity; a
//! second factor set up in the browser and asked for at the next sign-in.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::server::{OWNER_EMAIL, OWNER_PASSWORD};
use keyturn_e2e::{server, Browser, Server};
use keyturn_server::domain::staff::totp;
use serde_json::{json, Value};

const AGENT_PASSWORD: &str = "blue kettles sing at dawn";

async fn shown(b: &Browser, css: &str) -> Result<bool, Box<dyn std::error::Error>> {
    let element = b.client.find(fantoccini::Locator::Css(css)).await?;
    Ok(element.is_displayed().await?)
}

#[tokio::test]
async fn an_owner_adds_a_support_agent_who_resets_but_cannot_revoke() {
    let server = server::start();
    server::add_owner(&server);
    let policy = server.new_policy(3, &[]);
    let created: Value =
        serde_json::from_str(&server.license_with(&policy, &["--owner-email", "cust@example.com", "--json"])).unwrap();
    let (license, key) = (
        created["id"].as_str().unwrap().to_string(),
        created["key"].as_str().unwrap().to_string(),
    );
    server.activate_other_device(&key, "fp-laptop", "Laptop").await;
    server.activate_other_device(&key, "fp-desktop", "Desktop").await;
    let browser = Browser::launch("console-staff").await;
    let result = walk_through(&browser, &server, &license).await;
    browser.finish(result, &server.logs()).await;
}

async fn sign_in(b: &Browser, email: &str, password: &str) -> TestResult {
    b.fill("#email", email).await?;
    b.fill("#password", password).await?;
    b.click("#staff-sign-in-button").await?;
    b.wait_visible("#search-view").await?;
    b.wait_for_text("#who", "who is signed in", |t| t.contains(email))
        .await?;
    Ok(())
}

/// The staff links (and who was signed in) are not on the sign-in page.
async fn no_nav_on_sign_in_page(b: &Browser, when: &str) -> TestResult {
    b.wait_visible("#sign-in-view").await?;
    let links = [
        "#nav-search",
        "#nav-licenses",
        "#staff-nav",
        "#nav-staff",
        "#nav-tokens",
        "#nav-activity",
    ];
    for css in links.iter().chain(&["#nav-account", "#who"]) {
        assert!(!shown(b, css).await?, "{css} is shown on the sign-in page {when}");
    }
    Ok(())
}

async fn walk_through(b: &Browser, server: &Server, license: &str) -> TestResult {
    b.goto(&format!("{}/console", server.url)).await?;
    no_nav_on_sign_in_page(b, "before signing in").await?;
    assert!(shown(b, "#language").await?, "the sign-in page has the language switch");
    b.screenshot("sign-in-page").await?;
    // A wrong password: the same plain answer as an unknown email.
    b.fill("#email", OWNER_EMAIL).await?;
    b.fill("#password", "not my password at all").await?;
    b.click("#staff-sign-in-button").await?;
    b.wait_for_text("#error", "UNAUTHORIZED", |t| t.contains("UNAUTHORIZED"))
        .await?;
    sign_in(b, OWNER_EMAIL, OWNER_PASSWORD).await?;
    assert!(shown(b, "#nav-staff").await?, "the owner sees the Staff link");
    assert!(shown(b, "#nav-licenses").await?, "the owner sees All licenses");
    assert!(shown(b, "#language").await?, "the language switch stays");

    // The owner adds a support agent; a weak password first gets plain words.
    b.click("#nav-staff").await?;
    b.wait_visible("#staff-view").await?;
    b.fill("#new-staff-email", "ann@acme.com").await?;
    b.fill("#new-staff-password", "short").await?;
    b.click("#add-staff-button").await?;
    b.wait_for_text("#error", "plain words for WEAK_PASSWORD", |t| {
        t.contains("Choose a longer password") && t.contains("WEAK_PASSWORD")
    })
    .await?;
    b.fill("#new-staff-password", AGENT_PASSWORD).await?;
    b.click("#add-staff-button").await?;
    b.wait_count("#staff-table tr[data-email='ann@acme.com']", 1).await?;
    let row = b
        .find("#staff-table tr[data-email='ann@acme.com']")
        .await?
        .text()
        .await?;
    assert!(row.contains("active"), "{row}");
    // Their own row offers no role change and no Disable (the server would refuse both); the
    // agent's row offers both.
    let controls = |email: &str| {
        format!(
            "return [document.querySelectorAll(\"#staff-table tr[data-email='{email}'] select\").length, \
             document.querySelectorAll(\"#staff-table tr[data-email='{email}'] button.disable\").length]"
        )
    };
    let own = b.client.execute(&controls(OWNER_EMAIL), vec![]).await?;
    assert_eq!(own, serde_json::json!([0, 0]), "the owner's own row");
    let agent = b.client.execute(&controls("ann@acme.com"), vec![]).await?;
    assert_eq!(agent, serde_json::json!([1, 1]), "the agent's row");
    b.screenshot("owner-staff-page").await?;
    b.click("#sign-out").await?;
    no_nav_on_sign_in_page(b, "after signing out").await?;

    // The agent signs in: no Staff page, no license creation, no Revoke.
    sign_in(b, "ann@acme.com", AGENT_PASSWORD).await?;
    assert!(!shown(b, "#nav-staff").await?, "support sees the Staff page link");
    assert!(!shown(b, "#create").await?, "support sees Create a license");
    b.goto(&format!("{}/console#license/{license}", server.url)).await?;
    b.wait_visible("#license-view").await?;
    b.wait_count("#machines tbody tr", 2).await?;
    assert!(!shown(b, "button[data-action=revoke]").await?, "support sees Revoke");
    assert!(shown(b, "button[data-action=suspend]").await?, "support may suspend");
    assert!(!shown(b, ".block-machine").await?, "support sees Block device");

    // Reset the machines (the button asks first, in a dialog).
    b.click("button[data-action=reset]").await?;
    b.click("[data-testid=ask-yes]").await?; // reset asks first (a dialog)
    b.wait_visible("#no-machines").await?;

    // Whatever the page sends, the server refuses a revoke by support and nothing changes (the
    // session's CSRF token as the page gets it).
    let answer = b
        .run(&format!(
            "const done = arguments[0]; fetch('/console/api/session').then(r => r.json()).then(s => \
             fetch('/console/api/licenses/{license}/revoke', {{method: 'POST', headers: {{'X-CSRF-Token': s.csrf}}}})) \
             .then(r => r.json().then(j => done([r.status, j.code])));"
        ))
        .await?;
    assert_eq!(answer, json!([403, "FORBIDDEN"]));
    let (_, view) = server
        .admin(reqwest::Method::GET, &format!("/licenses/{license}"), None)
        .await;
    assert_eq!(view["status"], "ACTIVE");

    // The timeline names the agent.
    b.goto(&format!("{}/console#", server.url)).await?;
    b.goto(&format!("{}/console#license/{license}", server.url)).await?;
    b.wait_for_text("#timeline", "the agent's reset", |t| {
        t.contains("reset") && t.contains("support: ann@acme.com")
    })
    .await?;
    b.run("document.querySelector('#timeline').scrollIntoView({block: 'center'}); arguments[0]();")
        .await?;
    b.screenshot("agent-license").await?;
    b.click("#sign-out").await?;
    b.wait_visible("#sign-in-view").await?;

    // The owner makes an API token (shown once), which works until it is revoked.
    sign_in(b, OWNER_EMAIL, OWNER_PASSWORD).await?;
    b.click("#nav-tokens").await?;
    b.wait_visible("#tokens-view").await?;
    b.fill("#token-name", "shop-backend").await?;
    b.click("#create-token-button").await?;
    let token = b
        .wait_for_text("#new-token-text", "the new token", |t| t.starts_with("kt_"))
        .await?;
    b.wait_count("#tokens-table tr[data-name='shop-backend']", 1).await?;
    b.screenshot("owner-tokens-page").await?;
    let with_token = |token: String| async move {
        let url = format!("{}/admin/v1/licenses", server.url);
        reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(with_token(token.clone()).await, 200);
    b.click("#tokens-table tr[data-name='shop-backend'] .revoke-token")
        .await?;
    b.click("#tokens-table tr[data-name='shop-backend'] .revoke-token")
        .await?;
    b.wait_for_text("#tokens-table tr[data-name='shop-backend']", "revoked", |t| {
        t.contains("revoked")
    })
    .await?;
    assert_eq!(with_token(token).await, 401);

    // What did the agent do? The owner's Activity page, from the Staff page.
    b.click("#nav-staff").await?;
    b.click("#staff-table tr[data-email='ann@acme.com'] .activity-link")
        .await?;
    b.wait_visible("#activity-view").await?;
    b.wait_for_text("#activity-list", "the agent's reset", |t| {
        t.contains("reset") && t.contains("support: ann@acme.com")
    })
    .await?;
    b.screenshot("owner-activity").await?;
    b.click("#sign-out").await?;
    b.wait_visible("#sign-in-view").await?;

    // The agent turns on a second factor; the next sign-in asks for its code.
    sign_in(b, "ann@acme.com", AGENT_PASSWORD).await?;
    b.click("#nav-account").await?;
    b.click("#begin-totp").await?;
    let secret = b
        .wait_for_text("#totp-secret", "a TOTP secret", |t| t.len() >= 32)
        .await?;
    let secret = totp::from_base32(&secret).expect("base32");
    let code = || totp::code_at(&secret, keyturn_server::clock::system_now());
    b.fill("#totp-code", &code()).await?;
    b.click("#confirm-totp-form button[type=submit]").await?;
    b.wait_for_text("#status", "second factor on", |t| t.contains("Second factor on"))
        .await?;
    b.click("#sign-out").await?;
    b.wait_visible("#sign-in-view").await?;
    b.fill("#email", "ann@acme.com").await?;
    b.fill("#password", AGENT_PASSWORD).await?;
    b.click("#staff-sign-in-button").await?;
    b.wait_for_text("#error", "the code is asked for", |t| t.contains("TOTP_REQUIRED"))
        .await?;
    b.wait_visible("#totp").await?;
    b.screenshot("agent-totp-prompt").await?;
    // The code that confirmed the second factor was used: the next step's code signs in.
    let next = totp::code_at(&secret, keyturn_server::clock::system_now() + totp::STEP_SECS);
    b.fill("#totp", &next).await?;
    b.click("#staff-sign-in-button").await?;
    b.wait_visible("#search-view").await?;
    assert!(shown(b, "#nav-account").await?, "ann sees her account link");

    // An owner gives ann a new password: her session ends, and the page she is on becomes the
    // sign-in page without the links.
    let (_, staff) = server.admin(reqwest::Method::GET, "/staff", None).await;
    let ann = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "ann@acme.com")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reset = json!({"password": "an owner-set passphrase"});
    let (status, _) = server
        .admin(reqwest::Method::POST, &format!("/staff/{ann}/password"), Some(reset))
        .await;
    assert_eq!(status.as_u16(), 200);
    b.click("#nav-account").await?;
    no_nav_on_sign_in_page(b, "after the session ended").await?;
    b.screenshot("session-ended").await?;
    Ok(())
}
