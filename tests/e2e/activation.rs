//! A user pastes a key into the real app and gets activated by the real server.

mod common;

use common::enter_key;
use keyturn_e2e::app::SUPPORT_URL;
use keyturn_e2e::{server, App};
use keyturn_protocol::LicenseKey;

#[tokio::test]
async fn pasted_key_activates_this_computer_and_later_runs_open_on_the_dashboard() {
    let server = server::start();
    let key = server.new_license(3);
    let app = App::launch("activate", &server, "e2e-device-one").await;
    let result = async {
        app.screenshot("welcome").await?;
        // Pasted the way people paste: lowercase, surrounded by spaces and a line break.
        enter_key(&app, &format!("  {}\n", key.to_lowercase())).await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        assert_eq!(app.text("[data-testid=product-name]").await?, "E2E Product");
        assert_eq!(app.text("[data-testid=seats]").await?, "Seats used 1 of 3");
        app.screenshot("activated").await?;
        assert_eq!(
            server.machine_count(&key).await,
            1,
            "the server has bound exactly this device"
        );
        Ok(())
    }
    .await;
    if result.is_err() {
        return app.finish(result, &server).await;
    }
    let app = app.relaunch(&server, "e2e-device-one").await;
    let result = async {
        app.find("[data-testid=dashboard-title]").await?;
        app.wait_for_text("[data-testid=license-status]", "Active").await?;
        app.find("[data-testid=valid-until]").await?;
        app.screenshot("dashboard").await?;
        assert_eq!(
            server.machine_count(&key).await,
            1,
            "a later run does not take another seat"
        );
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn unknown_key_shows_plain_words_not_a_code() {
    let server = server::start();
    let unknown = LicenseKey::from_random_bytes(rand::random()).to_string();
    let app = App::launch("unknown-key", &server, "e2e-device-two").await;
    let result = async {
        enter_key(&app, &unknown).await?;
        let error = app.find("#key-error").await?;
        let text = error.text().await?;
        assert!(
            text.contains("We couldn't find that license key."),
            "error text was: {text}"
        );
        assert!(text.contains("Check the key for typos"), "error text was: {text}");
        assert_eq!(error.attr("data-code").await?.as_deref(), Some("NOT_FOUND"));
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, unknown, "the typed key is kept after an error");
        let described_by = app.find("#license-key").await?.attr("aria-describedby").await?;
        assert!(
            described_by.unwrap_or_default().contains("key-error"),
            "error not tied to the field"
        );
        app.screenshot("unknown-key").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn suspended_key_says_so_and_links_to_the_vendor() {
    let server = server::start();
    let key = server.new_license(3);
    server.cli(&["license", "suspend", "--license", &key]);
    let app = App::launch("suspended-key", &server, "e2e-device-three").await;
    let result = async {
        enter_key(&app, &key).await?;
        let error = app.find("#key-error[data-code=SUSPENDED]").await?;
        let text = error.text().await?;
        assert!(text.to_lowercase().contains("suspended"), "error text was: {text}");
        let link = app.find("#key-error a[data-testid=support-link]").await?;
        assert_eq!(link.attr("href").await?.as_deref(), Some(SUPPORT_URL));
        app.screenshot("suspended").await?;
        assert_eq!(server.machine_count(&key).await, 0, "a suspended key binds nothing");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn without_a_keychain_the_app_says_so_and_keeps_nothing_in_plain_files() {
    let server = server::start();
    let key = server.new_license(3);
    let app = App::launch_without_keychain("no-keychain", &server, "e2e-no-keychain").await;
    let home = app.home().to_path_buf();
    let result = async {
        // Said at once, on the key screen: reading the keychain is the first thing the app does.
        let at_start = app.find("#key-error[data-code=KEYCHAIN_UNAVAILABLE]").await?;
        app.find("#license-key").await?.send_keys(&key).await?;
        app.find("#activate").await?.click().await?;
        // The attempt replaces the screen (the old error goes stale), then says it again.
        let deadline = std::time::Instant::now() + keyturn_e2e::UI_DEADLINE;
        while at_start.text().await.is_ok() {
            if std::time::Instant::now() > deadline {
                return Err("the activation attempt never ran".into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let error = app.find("#key-error[data-code=KEYCHAIN_UNAVAILABLE]").await?;
        assert_eq!(
            server.machine_count(&key).await,
            0,
            "no seat is taken when the key cannot be kept"
        );
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, key, "the typed key is kept for the next try");
        let text = error.text().await?;
        assert!(
            text.contains("can't reach your system's keychain"),
            "error text was: {text}"
        );
        app.screenshot("no-keychain").await?;
        // Nothing under the app's HOME holds the key or a token.
        let canonical: String = key.chars().filter(|c| *c != '-').collect();
        for file in walk(&home) {
            let bytes = std::fs::read(&file).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(&canonical) && !text.contains("eyJhbGciOiJFZERTQSI"),
                "secret in {}",
                file.display()
            );
        }
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn a_damaged_state_file_is_set_aside_and_the_app_carries_on() {
    let server = server::start();
    let key = server.new_license(1);
    let app = App::launch("damaged-state", &server, "e2e-damaged-state").await;
    let result = async {
        enter_key(&app, &key).await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        Ok(())
    }
    .await;
    if result.is_err() {
        return app.finish(result, &server).await;
    }
    // Something wrote half a file where the app keeps its state.
    let state_file = app.home().join("data/dev.keyturn.app/state.json");
    assert!(
        state_file.is_file(),
        "the app keeps its state at {}",
        state_file.display()
    );
    std::fs::write(&state_file, "{\"license\": {\"activation_id\": \"act_").unwrap();
    let app = app.relaunch(&server, "e2e-damaged-state").await;
    let result = async {
        // The key and token in the keychain still count: the dashboard, not an error.
        app.find("[data-testid=dashboard-title]").await?;
        app.wait_for_text("[data-testid=license-status]", "Active").await?;
        app.screenshot("recovered").await?;
        let damaged = std::fs::read_to_string(state_file.with_extension("json.damaged"))?;
        assert!(damaged.starts_with("{\"license\""), "kept for support: {damaged}");
        assert_eq!(server.machine_count(&key).await, 1, "no second seat");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
