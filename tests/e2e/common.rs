//! Steps several end-to-end tests share.
#![allow(dead_code)] // each test binary uses some of these steps

use keyturn_e2e::app::TestResult;
use keyturn_e2e::App;

/// Welcome → Enter key → types `key` → Activate.
pub async fn enter_key(app: &App, key: &str) -> TestResult {
    app.click_button("Start").await?;
    app.find("#license-key").await?;
    // Focus moves straight into the key field: typing or pasting needs no Tab first.
    assert_eq!(app.focused_testid().await?, "key-input", "focus is in the key field");
    app.find("#license-key").await?.send_keys(key).await?;
    app.find("#activate").await?.click().await?;
    Ok(())
}

/// Opens the dashboard's "More" group (its less used and destructive actions).
pub async fn open_more(app: &App) -> TestResult {
    let open = app
        .client
        .execute(
            "return document.querySelector('[data-testid=more]')?.open === true",
            vec![],
        )
        .await?;
    if open.as_bool() != Some(true) {
        app.find("[data-testid=more] > summary").await?.click().await?;
    }
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
