//! The console by keyboard alone, in real chromium: sign in, search (Enter searches), open the
//! license, suspend it through the confirmation, all with Tab, Enter and typing; focus lands
//! where the next step is.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::server::ADMIN_TOKEN;
use keyturn_e2e::{server, Browser, Server};
use serde_json::Value;

const TAB: &str = "\u{e004}";
const ENTER: &str = "\u{e007}";

async fn keys(b: &Browser, keys: &str) -> TestResult {
    b.client.active_element().await?.send_keys(keys).await?;
    Ok(())
}

async fn focused(b: &Browser) -> Result<String, Box<dyn std::error::Error>> {
    let id = b.client.execute("return document.activeElement?.id || document.activeElement?.dataset?.testid || document.activeElement?.tagName", vec![]).await?;
    Ok(id.as_str().unwrap_or_default().to_string())
}

/// Tabs forward until the focused element matches `css` (at most 40 stops).
async fn tab_to(b: &Browser, css: &str) -> TestResult {
    for _ in 0..40 {
        let here = b
            .client
            .execute(
                &format!("return document.activeElement?.matches({css:?}) === true"),
                vec![],
            )
            .await?;
        if here.as_bool() == Some(true) {
            return Ok(());
        }
        keys(b, TAB).await?;
    }
    Err(format!("Tab never reached {css}").into())
}

#[tokio::test]
async fn search_license_and_suspend_by_keyboard_alone() {
    let server = server::start();
    let policy = server.new_policy(2, &[]);
    let options = ["--owner-name", "Kim Keys", "--owner-email", "kim@example.com", "--json"];
    let created: Value = serde_json::from_str(&server.license_with(&policy, &options)).unwrap();
    let browser = Browser::launch("console-keyboard").await;
    let result = walk(&browser, &server, created["key"].as_str().unwrap()).await;
    browser.finish(result, &server.logs()).await;
}

async fn walk(b: &Browser, server: &Server, key: &str) -> TestResult {
    b.goto(&format!("{}/console", server.url)).await?;
    b.wait_visible("#sign-in-view").await?;
    // The admin token is behind a fold (staff sign in by email): open it by keyboard.
    tab_to(b, "#root-sign-in summary").await?;
    keys(b, ENTER).await?;
    tab_to(b, "#token").await?;
    keys(b, &format!("{ADMIN_TOKEN}{ENTER}")).await?;
    b.wait_visible("#search-view").await?;
    tab_to(b, "#q").await?;
    keys(b, &format!("kim@example{ENTER}")).await?;
    b.wait_for_text("#status", "1 found.", |t| t == "1 found.").await?;
    tab_to(b, "a.license-link").await?;
    keys(b, ENTER).await?;
    b.wait_visible("#license-view").await?;
    assert_eq!(
        focused(b).await?,
        "license-title",
        "focus moves to the license's heading"
    );
    tab_to(b, "#license-view button[data-action=suspend]").await?;
    keys(b, ENTER).await?;
    b.wait_visible("dialog.ask").await?;
    assert_eq!(focused(b).await?, "ask-reason", "focus moves into the confirmation");
    keys(b, "customer asked").await?;
    tab_to(b, "[data-testid=ask-yes]").await?;
    keys(b, ENTER).await?;
    b.wait_for_text("#license-status", "Suspended", |t| t == "Suspended")
        .await?;
    b.screenshot("suspended").await?;
    let (_, v) = server.validate(key, "any").await;
    assert_eq!(v["code"], "SUSPENDED");
    Ok(())
}
