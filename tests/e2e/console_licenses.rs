//! The console's "All licenses" page and the license page's confirmations in real chromium
//! against a real server: filters by keyboard, the expired state, CSV link, bulk extend after a
//! confirmation that names the count, suspend with a reason (in the timeline), owner edit and a
//! note; in English and German; axe-core finds no serious or critical violation on any of them.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::audit::serious_violations;
use keyturn_e2e::server::ADMIN_TOKEN;
use keyturn_e2e::{server, Browser, Server};
use serde_json::Value;

const ENTER: &str = "\u{e007}";

/// Waits until the element's text is exactly `expected`.
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

fn license(server: &Server, policy: &str, email: &str, extra: &[&str]) -> String {
    let mut options = vec!["--owner-name", "Customer", "--owner-email", email, "--json"];
    options.extend_from_slice(extra);
    let created: Value = serde_json::from_str(&server.license_with(policy, &options)).expect("license json");
    created["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn all_licenses_filters_bulk_and_confirmations_in_english_and_german() {
    let server = server::start();
    let policy = server.new_policy(3, &[]);
    let ann = license(&server, &policy, "ann@example.com", &[]);
    license(&server, &policy, "bob@example.com", &[]);
    license(&server, &policy, "old@example.com", &["--expires-at", "1000000000"]);
    let browser = Browser::launch("console-licenses").await;
    let result = walk_through(&browser, &server, &ann).await;
    browser.finish(result, &server.logs()).await;
}

async fn walk_through(b: &Browser, server: &Server, ann: &str) -> TestResult {
    b.console_sign_in_with_token(&server.url, ADMIN_TOKEN).await?;
    b.client
        .execute("localStorage.setItem('keyturn-console-language', 'en')", vec![])
        .await?;

    // All licenses, then by keyboard: the text filter, Enter.
    b.click("#nav-licenses").await?;
    text_is(b, "#licenses-count", "3 licenses match.").await?;
    audit(b, "list").await?;
    b.find("#f-text")
        .await?
        .send_keys(&format!("example.com{ENTER}"))
        .await?;
    text_is(b, "#licenses-count", "3 licenses match.").await?;
    b.find("#f-status").await?.send_keys("Expired").await?;
    b.find("#f-text").await?.send_keys(ENTER).await?;
    text_is(b, "#licenses-count", "1 license matches.").await?;
    let status = b.find("#licenses-table tbody td[data-status]").await?.text().await?;
    assert_eq!(status, "Expired", "an expired license shows as expired");
    let csv = b.find("#licenses-csv").await?.attr("href").await?.unwrap_or_default();
    assert!(csv.contains("export.csv?status=EXPIRED"), "{csv}");

    // Bulk extend of the filtered list: the dialog names the count; the reason is kept.
    b.click("#bulk-extend").await?;
    text_is(b, "#ask-title", "Extend 1 license by 30 days?").await?;
    audit(b, "bulk-confirm").await?;
    b.fill("#ask-reason", "outage in November").await?;
    b.click("[data-testid=ask-yes]").await?;
    text_is(b, "#licenses-status", "Changed: 1. Left as they were: 0.").await?;
    text_is(b, "#licenses-count", "No license matches these filters.").await?;

    // The license page: suspend asks first, with a reason that lands in the timeline.
    b.goto(&format!("{}/console#license/{ann}", server.url)).await?;
    b.wait_visible("#license-view").await?;
    b.click("#license-view button[data-action=suspend]").await?;
    text_is(b, "#ask-title", "Suspend this license?").await?;
    b.fill("#ask-reason", "chargeback").await?;
    b.click("[data-testid=ask-yes]").await?;
    text_is(b, "#license-status", "Suspended").await?;
    let suspended = b.find("#timeline li[data-action=suspend]").await?.text().await?;
    assert!(suspended.contains("reason: chargeback"), "{suspended}");
    // Owner details and a note.
    b.fill("#edit-email", "ann@new.example").await?;
    b.fill("#edit-entitlements", "export\npro").await?;
    b.click("#edit-save").await?;
    text_is(b, "#extra-status", "Saved.").await?;
    let (_, edited) = server
        .admin(reqwest::Method::GET, &format!("/licenses/{ann}"), None)
        .await;
    assert_eq!(edited["entitlements"], serde_json::json!(["export", "pro"]), "{edited}");
    assert_eq!(edited["owner_email"], "ann@new.example");
    b.fill("#note-text", "Called about the refund.").await?;
    b.click("#note-add").await?;
    text_is(b, "#extra-status", "Note added.").await?;
    let note = b.find("#timeline li[data-action=note]").await?.text().await?;
    assert!(note.contains("Called about the refund."), "{note}");
    audit(b, "license").await?;

    // German: the switch in the header; the list and the dialog speak German.
    b.find("#language").await?.send_keys("Deutsch").await?;
    b.click("#nav-licenses").await?;
    text_is(b, "#licenses-heading", "Alle Lizenzen").await?;
    // The status filter is kept from before (Expired): back to every status.
    b.find("#f-status").await?.send_keys("Alle").await?;
    b.click("#licenses-show").await?;
    text_is(b, "#licenses-count", "3 Lizenzen passen.").await?;
    audit(b, "list-de").await?;
    b.click("#bulk-suspend").await?;
    text_is(b, "#ask-title", "3 Lizenzen sperren?").await?;
    audit(b, "bulk-confirm-de").await?;
    b.client
        .execute(
            "document.querySelector('dialog.ask button:not(.danger)').click()",
            vec![],
        )
        .await?;
    let missing = b
        .client
        .execute_async(
            "const done = arguments[0]; import('/console/i18n.js').then((m) => done(m.missingKeys()));",
            vec![],
        )
        .await?;
    assert_eq!(missing, serde_json::json!([]), "every language has every word");
    Ok(())
}
