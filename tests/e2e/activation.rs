//! A user pastes a key into the real app and gets activated by the real server.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::{App, Server};
use keyturn_protocol::LicenseKey;

async fn enter_key(app: &App, key: &str) -> TestResult {
    app.click_button("Start").await?;
    app.find("#license-key").await?.send_keys(key).await?;
    app.screenshot("enter-key").await?;
    app.find("#activate").await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn pasted_key_activates_this_computer() {
    let server = Server::start();
    let key = server.new_license(3);
    let app = App::launch("activate", &server, "e2e-device-one").await;
    let result = async {
        // Pasted the way people paste: lowercase, surrounded by spaces and a line break.
        enter_key(&app, &format!("  {}\n", key.to_lowercase())).await?;
        let title = app.text("[data-testid=activated-title]").await?;
        assert_eq!(title, "Activated");
        assert_eq!(app.text("[data-testid=product-name]").await?, "E2E Product");
        assert_eq!(app.text("[data-testid=seats]").await?, "Seats used 1 of 3");
        app.screenshot("activated").await?;
        assert_eq!(server.machine_count(&key).await, 1, "the server has bound exactly this device");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn unknown_key_shows_plain_words_not_a_code() {
    let server = Server::start();
    let unknown = LicenseKey::from_random_bytes(rand::random()).to_string();
    let app = App::launch("unknown-key", &server, "e2e-device-two").await;
    let result = async {
        enter_key(&app, &unknown).await?;
        let error = app.find("#key-error").await?;
        let text = error.text().await?;
        assert!(text.contains("We couldn't find that license key."), "error text was: {text}");
        assert!(text.contains("Check the key for typos"), "error text was: {text}");
        assert!(!text.contains("NOT_FOUND"), "a raw code was shown: {text}");
        assert_eq!(error.attr("data-code").await?.as_deref(), Some("NOT_FOUND"));
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, unknown, "the typed key is kept after an error");
        let described_by = app.find("#license-key").await?.attr("aria-describedby").await?;
        assert!(described_by.unwrap_or_default().contains("key-error"), "error not tied to the field");
        app.screenshot("unknown-key").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
