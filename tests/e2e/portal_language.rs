//! The customer portal in the customer's language: English by default (the browser's), German,
//! French and Spanish through the switch in the header (kept for the next visit); errors as plain
//! words and a next step with the code; product name in the header; axe-core finds no serious or
//! critical violation in any of the four languages.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::audit::serious_violations;
use keyturn_e2e::{server, Browser, Server};

async fn text_is(b: &Browser, css: &str, expected: &str) -> TestResult {
    b.wait_for_text(css, expected, |text| text == expected).await.map(drop)
}

async fn audit(b: &Browser, name: &str) -> TestResult {
    b.screenshot(name).await?;
    let violations = serious_violations(&b.client).await?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(format!("accessibility ({name}): {}", violations.join("\n")).into())
    }
}

#[tokio::test]
async fn the_portal_speaks_english_german_french_and_spanish() {
    let server = server::start();
    let key = server.new_license(2);
    server.activate_other_device(&key, "fp-office", "Office PC").await;
    let browser = Browser::launch("portal-language").await;
    let result = walk_through(&browser, &server, &key).await;
    browser.finish(result, &server.logs()).await;
}

async fn walk_through(b: &Browser, server: &Server, key: &str) -> TestResult {
    b.goto(&format!("{}/portal", server.url)).await?;
    text_is(b, "#sign-in-heading", "Sign in with your license key").await?;
    b.fill("#key", "AAAAA").await?;
    b.click("#sign-in-button").await?;
    let error = b
        .wait_for_text("#error", "plain words", |t| t.contains("license key"))
        .await?;
    assert!(error.contains("That does not look like a license key."), "{error}");
    assert!(error.contains("Code: INVALID_KEY_FORMAT"), "{error}");
    b.fill("#key", key).await?;
    b.click("#sign-in-button").await?;
    b.wait_visible("#devices-view").await?;
    let line = b
        .wait_for_text("#license-line", "seats", |t| t.contains("seats used"))
        .await?;
    assert!(line.contains("1 of 2 seats used"), "{line}");
    let header = b.find("header h1").await?.text().await?;
    assert!(header.starts_with("Your license · "), "the product is named: {header}");
    audit(b, "devices-en").await?;

    b.find("#language").await?.send_keys("Deutsch").await?;
    text_is(b, "#devices-heading", "Ihre Geräte").await?;
    let line = b
        .wait_for_text("#license-line", "German", |t| t.contains("Plätzen belegt"))
        .await?;
    assert!(line.contains("aktiv · 1 von 2 Plätzen belegt"), "{line}");
    b.fill("#deactivation-code", "KT-DEACT1.nonsense").await?;
    b.click("#deactivate-button").await?;
    let error = b
        .wait_for_text("#error", "German error", |t| t.contains("Code:"))
        .await?;
    assert!(error.contains("Dieser Code konnte nicht verwendet werden."), "{error}");
    audit(b, "devices-de").await?;

    // French and Spanish: the same page and the same refusal, in their words.
    let others = [
        (
            "Français",
            "fr",
            "Vos appareils",
            "active · 1 place(s) utilisée(s) sur 2",
            "Ce code n’a pas pu être utilisé.",
        ),
        (
            "Español",
            "es",
            "Sus dispositivos",
            "activa · 1 de 2 plazas en uso",
            "No se pudo usar ese código.",
        ),
    ];
    for (language, code, heading, seats, refusal) in others {
        b.find("#language").await?.send_keys(language).await?;
        text_is(b, "#devices-heading", heading).await?;
        let line = b.wait_for_text("#license-line", seats, |t| t.contains(seats)).await?;
        assert!(line.contains(seats), "{line}");
        b.click("#deactivate-button").await?;
        let error = b.wait_for_text("#error", refusal, |t| t.contains(refusal)).await?;
        assert!(error.contains("Code: BAD_REQUEST"), "{error}");
        audit(b, &format!("devices-{code}")).await?;
    }
    b.find("#language").await?.send_keys("Deutsch").await?;
    text_is(b, "#devices-heading", "Ihre Geräte").await?;

    // Kept for the next visit.
    b.goto(&format!("{}/portal", server.url)).await?;
    text_is(b, "#sign-in-heading", "Mit Ihrem Lizenzschlüssel anmelden").await?;
    audit(b, "sign-in-de").await?;
    let missing = b
        .client
        .execute_async(
            "const done = arguments[0]; import('/portal/i18n.js').then((m) => done(m.missingKeys()));",
            vec![],
        )
        .await?;
    assert_eq!(missing, serde_json::json!([]), "every language has every word");
    Ok(())
}
