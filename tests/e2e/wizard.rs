//! The wizard strands no one, in the real WebKit window: the whole activation, freeing a seat and
//! deactivating by keyboard alone (Tab, Enter, Escape), with axe-core auditing every screen (no
//! serious or critical WCAG 2.1 A/AA violation), in English and German; and the ways out people
//! needed: Help before any activation and after a failure (the report carries the error), Back
//! from the trial's key screen, Welcome (with its trial) after deactivating.

mod common;

use keyturn_e2e::app::{Options, TestResult};
use keyturn_e2e::{server, App};
use serde_json::json;

const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";
const BACKSPACE: &str = "\u{E003}";
/// Ctrl+A then releases every modifier (WebDriver modifiers stick until NULL).
const SELECT_ALL: &str = "\u{E009}a\u{E000}";

fn language(lang: &str) -> Options {
    let mut options = Options::default();
    options.vendor.insert("language".into(), lang.into());
    options
}

/// Presses Tab until the focused element matches `css` (at most 30 times).
async fn tab_to(app: &App, css: &str) -> TestResult {
    for _ in 0..30 {
        let here = app
            .client
            .execute(
                "return document.activeElement?.matches(arguments[0]) === true",
                vec![json!(css)],
            )
            .await?;
        if here.as_bool() == Some(true) {
            return Ok(());
        }
        app.press(TAB).await?;
    }
    Err(format!("Tab never reached {css}").into())
}

/// Tabs to `css` and presses Enter on it.
async fn activate(app: &App, css: &str) -> TestResult {
    tab_to(app, css).await?;
    app.press(ENTER).await
}

async fn keyboard_only(lang: &str) {
    let server = server::start();
    let key = server.new_license(1);
    let office = server
        .activate_other_device(&key, "office-pc-fingerprint", "Office PC")
        .await;
    let test = format!("keyboard-{lang}");
    let app = App::launch_with(&test, &server, "e2e-keyboard", language(lang)).await;
    let result = async {
        app.find("[data-testid=welcome-title]").await?;
        app.audit("welcome").await?;
        activate(&app, "button.primary").await?;

        // The key screen: focus is in the field; Escape goes back to Welcome and Enter returns.
        app.find("[data-testid=key-title]").await?;
        assert_eq!(app.focused_testid().await?, "key-input", "focus is in the key field");
        app.press(ESCAPE).await?;
        app.find("[data-testid=welcome-title]").await?;
        activate(&app, "button.primary").await?;
        app.find("[data-testid=key-title]").await?;

        // A mistyped key: plain words and a next step; the detail only behind "Details".
        app.press("ABC-123").await?;
        app.press(ENTER).await?;
        let error = app.find("#key-error").await?;
        assert_eq!(error.attr("data-code").await?.as_deref(), Some("INVALID_KEY_FORMAT"));
        app.audit("key-error").await?;
        app.find("[data-testid=key-input]").await?.click().await?;
        app.press(SELECT_ALL).await?;
        app.press(BACKSPACE).await?;
        // Pasted with spaces instead of dashes: the key still reads.
        app.press(&key.replace('-', " ")).await?;
        app.press(ENTER).await?;

        // Every seat is taken: free the office PC by keyboard.
        app.find("[data-testid=limit-title]").await?;
        app.audit("limit").await?;
        activate(&app, &format!("[data-machine-id='{office}'] button")).await?;
        app.find("[data-testid=confirm-remove]").await?;
        app.audit("confirm-remove").await?;
        activate(&app, "[data-testid=confirm-remove]").await?;
        app.find("[data-testid=activated-title]").await?;
        app.audit("activated").await?;
        let machines = server.machines(&key).await;
        assert_eq!(machines.len(), 1, "the office PC's seat went to this one: {machines:?}");
        assert_ne!(machines[0]["id"], office.as_str());
        let tag = machines[0]["tag"].as_str().unwrap_or_default().to_string();
        assert_eq!(tag.len(), 6, "the server sends each machine's tag: {machines:?}");

        activate(&app, "button.primary").await?;
        app.find("[data-testid=dashboard-title]").await?;
        app.audit("dashboard").await?;
        activate(&app, "[data-testid=more] > summary").await?;
        app.audit("dashboard-more").await?;

        // Manage devices: this computer marked, with the tag the portal and console show.
        activate(&app, "[data-testid=manage-devices]").await?;
        app.find("[data-testid=devices-title]").await?;
        let row = app.find("[data-testid=machine-row][data-this-device=true]").await?;
        let shown = row
            .find(fantoccini::Locator::Css("[data-testid=device-tag]"))
            .await?
            .text()
            .await?;
        assert_eq!(shown, tag, "the app shows the server's device tag");
        app.find("[data-testid=this-device]").await?;
        app.audit("devices").await?;
        app.press(ESCAPE).await?;
        app.find("[data-testid=dashboard-title]").await?;

        // Help and back.
        activate(&app, "[data-testid=help]").await?;
        app.wait_for_text_where("[data-testid=diagnostics]", "a report", |t| {
            t.contains("diagnostics report")
        })
        .await?;
        app.audit("support").await?;
        app.press(ESCAPE).await?;
        app.find("[data-testid=dashboard-title]").await?;

        // Deactivate: the seat is free and Welcome is back.
        activate(&app, "[data-testid=more] > summary").await?;
        activate(&app, "[data-testid=deactivate]").await?;
        app.find("[data-testid=confirm-deactivate]").await?;
        app.audit("confirm-deactivate").await?;
        activate(&app, "[data-testid=confirm-deactivate]").await?;
        app.find("[data-testid=deactivated-notice]").await?;
        app.audit("welcome-deactivated").await?;
        assert_eq!(server.machine_count(&key).await, 0, "the seat is free on the server");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn keyboard_alone_activates_frees_a_seat_and_deactivates_in_english() {
    keyboard_only("en").await;
}

#[tokio::test]
async fn keyboard_alone_activates_frees_a_seat_and_deactivates_in_german() {
    keyboard_only("de").await;
}

#[tokio::test]
async fn help_before_activation_after_a_failure_and_ways_back_from_a_trial() {
    ways_out("en").await;
}

#[tokio::test]
async fn help_before_activation_after_a_failure_and_ways_back_from_a_trial_in_german() {
    ways_out("de").await;
}

async fn ways_out(lang: &str) {
    let server = server::start();
    server.new_policy(1, &["--duration", "1209600", "--trial"]);
    let mut options = language(lang);
    options.vendor.insert("trial".into(), true.into());
    let app = App::launch_with(&format!("ways-out-{lang}"), &server, "e2e-ways-out", options).await;
    let result = async {
        // Help before any activation.
        app.find("[data-testid=welcome-title]").await?;
        app.find("[data-testid=help]").await?.click().await?;
        app.wait_for_text_where("[data-testid=diagnostics]", "a report", |t| {
            t.contains("Errors shown in the app: none")
        })
        .await?;
        app.press(ESCAPE).await?;
        app.find("[data-testid=welcome-title]").await?;

        // A key the server does not know: words, next step, details; Help's report names it.
        app.find("button.primary").await?.click().await?;
        let unknown = keyturn_protocol::LicenseKey::from_random_bytes([9; 18]).to_string();
        app.press(&unknown).await?;
        app.press(ENTER).await?;
        let error = app.find("#key-error").await?;
        assert_eq!(error.attr("data-code").await?.as_deref(), Some("NOT_FOUND"));
        let words = app.text("[data-testid=error-title]").await?;
        let expected = match lang {
            "de" => "Diesen Lizenzschlüssel haben wir nicht gefunden.",
            _ => "We couldn't find that license key.",
        };
        assert_eq!(words, expected);
        app.screenshot("key-not-found").await?;
        app.find("#key-error details > summary").await?.click().await?;
        app.find("[data-testid=error-detail]").await?;
        app.audit("key-not-found-details").await?;
        app.find("[data-testid=help]").await?.click().await?;
        let report = app
            .wait_for_text_where("[data-testid=diagnostics]", "the error", |t| {
                t.contains("NOT_FOUND at ")
            })
            .await?;
        assert!(report.contains("Errors shown in the app (oldest first):"), "{report}");
        // Back returns to the key screen, without the old error on it.
        app.press(ESCAPE).await?;
        app.find("[data-testid=key-title]").await?;
        let errors = app
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=error]"))
            .await?;
        assert!(errors.is_empty(), "an old error does not stay on the next screen");

        // Activate without internet: numbered steps and a way back.
        app.find("#offline-link").await?.click().await?;
        app.find("[data-testid=offline-title]").await?;
        app.find("#offline-create").await?.click().await?;
        app.find("#offline-request").await?;
        app.audit("offline").await?;
        app.press(ESCAPE).await?;
        app.find("[data-testid=key-title]").await?;
        app.press(ESCAPE).await?;
        app.find("[data-testid=welcome-title]").await?;

        // The trial: its dashboard offers the key screen, and Back/Escape return from it.
        app.find("[data-testid=start-trial]").await?.click().await?;
        app.find("[data-testid=activated-title]").await?;
        app.audit("activated-trial").await?;
        app.find("button.primary").await?.click().await?;
        app.find("[data-testid=dashboard-title]").await?;
        app.audit("dashboard-trial").await?;
        common::open_more(&app).await?;
        let offline = app
            .client
            .find_all(fantoccini::Locator::Css("#deactivate-offline"))
            .await?;
        assert!(offline.is_empty(), "no offline deactivation on a trial");
        app.find("[data-testid=enter-key].primary").await?.click().await?;
        app.find("[data-testid=key-title]").await?;
        app.find("[data-testid=back]").await?.click().await?;
        app.find("[data-testid=dashboard-title]").await?;
        app.find("[data-testid=enter-key].primary").await?.click().await?;
        app.find("[data-testid=key-title]").await?;
        app.press(ESCAPE).await?;
        app.find("[data-testid=dashboard-title]").await?;
        // Alt+Left, as in a browser, is Back too.
        app.find("[data-testid=enter-key].primary").await?.click().await?;
        app.find("[data-testid=key-title]").await?;
        app.press("\u{E00A}\u{E012}\u{E000}").await?;
        app.find("[data-testid=dashboard-title]").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn activating_again_after_the_fingerprint_changed_reuses_this_computers_seat() {
    let server = server::start();
    let key = server.new_license(1);
    let app = App::launch("reactivate", &server, "e2e-reactivate-before").await;
    let result = common::activate_to_dashboard(&app, &key).await;
    if result.is_err() {
        return app.finish(result, &server).await;
    }
    let before = server.machines(&key).await;
    assert_eq!(before.len(), 1);
    // The same computer after a hardware change: its fingerprint is another one now, and the
    // license has no second seat. Activating again must not say "every seat is taken".
    let app = app.relaunch(&server, "e2e-reactivate-after").await;
    let result = async {
        app.find("[data-testid=key-title]").await?;
        app.find("[data-testid=key-input]").await?.send_keys(&key).await?;
        app.press(ENTER).await?;
        app.find("[data-testid=activated-title]").await?;
        app.screenshot("activated").await?;
        let after = server.machines(&key).await;
        assert_eq!(after.len(), 1, "one seat for one computer: {after:?}");
        assert_ne!(after[0]["id"], before[0]["id"], "the old activation was freed");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
