//! The app speaks the OS locale's language (German here), unless the vendor config names one.

use keyturn_e2e::app::Options;
use keyturn_e2e::{server, App};

fn german_desktop() -> Options {
    let mut options = Options::default();
    for name in ["LANG", "LC_ALL", "LC_MESSAGES"] {
        options.env.push((name.into(), "de_DE.UTF-8".into()));
    }
    options
}

#[tokio::test]
async fn on_a_german_desktop_the_wizard_speaks_german() {
    let server = server::start();
    let key = server.new_license(3);
    let app = App::launch_with("german", &server, "e2e-german", german_desktop()).await;
    let result = async {
        app.wait_for_text("[data-testid=welcome-title]", "E2E Product aktivieren")
            .await?;
        app.screenshot("welcome").await?;
        app.click_button("Los geht’s").await?;
        app.wait_for_text("[data-testid=key-title]", "Lizenzschlüssel eingeben")
            .await?;
        app.find("#license-key").await?.send_keys("AAAAA-BBBBB").await?;
        app.click_button("Aktivieren").await?;
        let error = app
            .wait_for_text_where("#key-error", "German words", |t| t.contains("Lizenzschlüssel"))
            .await?;
        assert!(
            error.contains("Das sieht nicht wie ein Lizenzschlüssel aus."),
            "{error}"
        );
        app.screenshot("key-error").await?;

        // Backspace over the mistyped text, then type the key.
        let field = app.find("#license-key").await?;
        field.send_keys(&"\u{e003}".repeat("AAAAA-BBBBB".len())).await?;
        field.send_keys(&key).await?;
        app.click_button("Aktivieren").await?;
        app.wait_for_text("[data-testid=activated-title]", "Aktiviert").await?;
        assert_eq!(app.text("[data-testid=seats]").await?, "1 von 3 Plätzen belegt");
        app.screenshot("activated").await?;
        app.click_button("Weiter").await?;
        app.wait_for_text("[data-testid=dashboard-title]", "Ihre Lizenz")
            .await?;
        app.wait_for_text("[data-testid=license-status]", "Aktiv").await?;
        app.screenshot("dashboard").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn the_vendor_config_overrides_the_desktop_language() {
    let server = server::start();
    let mut options = german_desktop();
    options.vendor.insert("language".into(), "es".into());
    let app = App::launch_with("vendor-language", &server, "e2e-spanish", options).await;
    let result = async {
        app.wait_for_text("[data-testid=welcome-title]", "Activar E2E Product")
            .await?;
        app.screenshot("welcome").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
