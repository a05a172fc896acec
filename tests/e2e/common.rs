//! Steps several end-to-end tests share.
#![allow(dead_code)] // each test binary uses some of these steps

use keyturn_e2e::app::TestResult;
use keyturn_e2e::App;

/// Welcome → Enter key → types `key` → Activate.
pub async fn enter_key(app: &App, key: &str) -> TestResult {
    app.click_button("Start").await?;
    app.find("#license-key").await?;
    // Focus moves to the new screen's heading (WAI multi-page form pattern).
    assert_eq!(
        app.focused_testid().await?,
        "key-title",
        "focus is on the key screen's heading"
    );
    app.find("#license-key").await?.send_keys(key).await?;
    app.find("#activate").await?.click().await?;
    Ok(())
}

/// Activates with `key` and goes on to the dashboard.
pub async fn activate_to_dashboard(app: &App, key: &str) -> TestResult {
    enter_key(app, key).await?;
    app.find("[data-testid=activated-title]").await?;
    app.click_button("Continue").await?;
    app.find("[data-testid=dashboard-title]").await?;
    Ok(())
}
