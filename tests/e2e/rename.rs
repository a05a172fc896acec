//! "Rename this computer" in the real app (WebKit) against the real server: the new name shows
//! on Manage devices, on the dashboard and on the server (what the portal and the console list);
//! a name the server would refuse is said in plain words, in the user's language.

mod common;

use common::{activate_to_dashboard, open_more};
use keyturn_e2e::app::{Options, TestResult};
use keyturn_e2e::{server, App, Server};

const ENTER: &str = "\u{e007}";
const BACKSPACE: &str = "\u{e003}";

/// Dashboard → More → Manage devices → Rename (this computer's row).
async fn open_rename(app: &App) -> TestResult {
    open_more(app).await?;
    app.find("[data-testid=manage-devices]").await?.click().await?;
    app.find("[data-testid=devices-title]").await?;
    app.find("[data-testid=machine-row][data-this-device=true] [data-testid=rename]")
        .await?
        .click()
        .await?;
    app.find("[data-testid=rename-form]").await?;
    assert_eq!(
        app.focused_testid().await?,
        "rename-input",
        "focus moves into the name field"
    );
    Ok(())
}

/// The name the server keeps for the device that is not `other`.
async fn server_name(server: &Server, key: &str, other: &str) -> String {
    let machines = server.machines(key).await;
    let this = machines
        .iter()
        .find(|m| m["id"] != other)
        .expect("this computer is bound");
    this["name"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn renaming_this_computer_shows_the_new_name_everywhere() {
    let server = server::start();
    let key = server.new_license(2);
    let office = server
        .activate_other_device(&key, "office-fingerprint", "Office PC")
        .await;
    let app = App::launch("rename", &server, "e2e-rename").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        open_rename(&app).await?;
        app.audit("form").await?;
        // The field starts with the current name, selected: typing replaces it; Enter saves.
        app.press("Studio PC").await?;
        app.press(ENTER).await?;
        app.wait_for_text("[data-testid=renamed-notice]", "This computer is now called Studio PC.")
            .await?;
        app.wait_for_text("[data-testid=machine-row][data-this-device=true] strong", "Studio PC")
            .await?;
        assert_eq!(app.focused_testid().await?, "rename", "focus returns to Rename");
        app.audit("renamed").await?;
        assert_eq!(server_name(&server, &key, &office).await, "Studio PC");
        let others = server.machines(&key).await;
        let office_row = others.iter().find(|m| m["id"] == office.as_str()).unwrap();
        assert_eq!(office_row["name"], "Office PC", "only this computer changed");

        app.press("\u{e00c}").await?; // Escape: back to the dashboard
        app.wait_for_text("[data-testid=device-name]", "Studio PC").await?;
        app.screenshot("dashboard").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn in_german_a_refused_name_is_explained_and_a_good_one_kept() {
    let server = server::start();
    let key = server.new_license(2);
    let mut options = Options::default();
    options.vendor.insert("language".into(), "de".into());
    let app = App::launch_with("rename-de", &server, "e2e-rename-de", options).await;
    let result = async {
        app.click_button("Los geht’s").await?;
        app.find("#license-key").await?.send_keys(&key).await?;
        app.find("#activate").await?.click().await?;
        app.find("[data-testid=activated-title]").await?;
        app.click_button("Weiter").await?;
        app.find("[data-testid=dashboard-title]").await?;
        let before = app.text("[data-testid=device-name]").await?;
        open_rename(&app).await?;
        // An empty name: plain German words under the field, nothing sent to the server.
        app.press(BACKSPACE).await?;
        app.press(ENTER).await?;
        app.wait_for_text(
            "#rename-error [data-testid=error-title]",
            "Dieser Name kann nicht verwendet werden.",
        )
        .await?;
        let invalid = app
            .find("[data-testid=rename-input]")
            .await?
            .attr("aria-invalid")
            .await?;
        assert_eq!(invalid.as_deref(), Some("true"));
        app.audit("refused").await?;
        assert_eq!(server_name(&server, &key, "").await, before, "nothing changed");

        app.press("Büro-Rechner").await?;
        app.press(ENTER).await?;
        app.wait_for_text(
            "[data-testid=renamed-notice]",
            "Dieser Computer heißt jetzt Büro-Rechner.",
        )
        .await?;
        app.audit("renamed").await?;
        assert_eq!(server_name(&server, &key, "").await, "Büro-Rechner");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
