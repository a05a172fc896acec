//! The vendor offers a free trial: Welcome starts it, the dashboard counts its days down, and the
//! same computer never gets a second one (a fresh install included).

use keyturn_e2e::app::{Options, TestResult};
use keyturn_e2e::{server, App};

const FOURTEEN_DAYS: &str = "1209600";

fn trial_offered() -> Options {
    let mut options = Options::default();
    options.vendor.insert("trial".into(), true.into());
    options
}

#[tokio::test]
async fn a_free_trial_starts_from_welcome_and_counts_its_days_down() {
    let server = server::start();
    server.new_policy(1, &["--duration", FOURTEEN_DAYS, "--trial"]);
    let app = App::launch_with("trial", &server, "e2e-trial-device", trial_offered()).await;
    let result = async {
        app.find("[data-testid=welcome-title]").await?;
        app.screenshot("welcome").await?;
        app.click_button("Start a free trial").await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        app.wait_for_text("[data-testid=trial-left]", "Free trial: 14 days left")
            .await?;
        app.screenshot("activated").await?;
        app.click_button("Continue").await?;
        app.find("[data-testid=dashboard-title]").await?;
        app.wait_for_text_where("[data-testid=trial-left]", "in 14 days", |t| {
            t.ends_with("(in 14 days)")
        })
        .await?;
        app.wait_for_text("[data-testid=license-status]", "Free trial").await?;
        app.screenshot("dashboard").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;

    // The same computer, the app installed afresh (empty keychain and data): no second trial.
    let again = App::launch_with("trial-used", &server, "e2e-trial-device", trial_offered()).await;
    let result: TestResult = async {
        again.click_button("Start a free trial").await?;
        let error = again.find("#welcome-error").await?;
        assert_eq!(error.attr("data-code").await?.as_deref(), Some("TRIAL_USED"));
        let text = again
            .wait_for_text_where("#welcome-error", "the trial-used words", |t| t.contains("free trial"))
            .await?;
        assert!(text.contains("This computer has already had its free trial."), "{text}");
        assert!(text.contains("Buy a license"), "a way forward: {text}");
        again.find("[data-testid=welcome-title]").await?;
        again.screenshot("trial-used").await?;
        Ok(())
    }
    .await;
    again.finish(result, &server).await;
}

#[tokio::test]
async fn without_a_trial_in_the_vendor_config_welcome_offers_none() {
    let server = server::start();
    let app = App::launch("no-trial", &server, "e2e-no-trial").await;
    let result = async {
        app.find("[data-testid=welcome-title]").await?;
        let offered = app
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=start-trial]"))
            .await?;
        assert!(offered.is_empty(), "no trial button without `trial: true`");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
