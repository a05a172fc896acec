//! The dashboard of an activated computer: Check now, offline, removed elsewhere, deactivate.

mod common;

use common::activate_to_dashboard;
use keyturn_e2e::{server, App};

#[tokio::test]
async fn check_now_renews_and_notices_removal_elsewhere() {
    let server = server::start();
    let key = server.new_license(2);
    let app = App::launch("check-now", &server, "e2e-check").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        app.click_button("Check now").await?;
        app.wait_for_text("[data-testid=license-status]", "Active").await?;
        app.find("[data-testid=last-sync]").await?;
        assert_eq!(
            app.text("[data-testid=seats]").await?,
            "1 of 2",
            "the dashboard says seats once"
        );
        assert!(
            app.client
                .find(fantoccini::Locator::Css("[data-testid=error]"))
                .await
                .is_err(),
            "no error after a renewal"
        );
        app.screenshot("checked").await?;
        // The vendor frees this computer on the server: the next check says so.
        let id = server.machines(&key).await[0]["id"].as_str().unwrap().to_string();
        server.cli(&["license", "remove-machine", "--license", &key, "--machine", &id]);
        app.click_button("Check now").await?;
        app.find("[data-code=ACTIVATION_NOT_FOUND]").await?;
        app.screenshot("removed-elsewhere").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn server_down_after_activation_still_licensed_until_a_date() {
    let mut server = server::start();
    let key = server.new_license(2);
    let app = App::launch("offline", &server, "e2e-offline").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        server.stop();
        app.click_button("Check now").await?;
        let notice = app.text("[data-testid=offline-notice]").await?;
        assert!(notice.contains("until"), "offline notice was: {notice}");
        app.wait_for_text("[data-testid=license-status]", "Active").await?;
        app.find("[data-testid=valid-until]").await?;
        app.screenshot("offline").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn deactivate_this_computer_frees_the_seat() {
    let server = server::start();
    let key = server.new_license(2);
    let app = App::launch("deactivate", &server, "e2e-deactivate").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        assert_eq!(server.machine_count(&key).await, 1);
        common::open_more(&app).await?;
        app.click_button("Deactivate this computer").await?;
        app.find("[data-testid=confirm-deactivate]").await?;
        app.screenshot("confirm-deactivate").await?;
        app.find("[data-testid=confirm-deactivate]").await?.click().await?;
        // Welcome again, so the trial and the key screen are both reachable.
        app.find("[data-testid=deactivated-notice]").await?;
        app.click_button("Start").await?;
        app.find("[data-testid=key-title]").await?;
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, "", "the key field starts empty");
        assert_eq!(server.machine_count(&key).await, 0, "the seat is free on the server");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn support_report_has_no_key_or_token() {
    let server = server::start();
    let key = server.new_license(2);
    let app = App::launch("support", &server, "e2e-support").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        app.click_button("Help and support").await?;
        let report = app
            .wait_for_text_where("[data-testid=diagnostics]", "a report", |t| {
                t.starts_with("Keyturn diagnostics report")
            })
            .await?;
        assert!(
            report.contains("License server:") && report.contains("reachable"),
            "report: {report}"
        );
        assert!(
            report.contains("Fingerprint override (KEYTURN_FINGERPRINT): IN USE"),
            "report: {report}"
        );
        let canonical: String = key.chars().filter(|c| *c != '-').collect();
        assert!(
            !report.contains(&key) && !report.contains(&canonical),
            "the key is in the report"
        );
        assert!(!report.contains("eyJ"), "a token is in the report");
        // Support pastes the report into the console's search: it names license and activation.
        let activation = server.machines(&key).await[0]["id"].as_str().unwrap().to_string();
        assert!(
            report.contains(&format!("Activation: {activation}")),
            "report: {report}"
        );
        assert!(report.contains("License: lic_"), "report: {report}");
        assert!(!report.contains("e2e-support"), "the raw fingerprint is in the report");
        app.screenshot("support").await?;
        app.click_button("Save").await?;
        let saved = app.text("[data-testid=saved-path]").await?;
        assert!(saved.contains("keyturn-diagnostics-"), "saved: {saved}");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn manage_devices_removes_another_computer() {
    let server = server::start();
    let key = server.new_license(2);
    let office = server
        .activate_other_device(&key, "office-pc-fingerprint", "Office PC")
        .await;
    let app = App::launch("devices", &server, "e2e-devices").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        common::open_more(&app).await?;
        app.click_button("Manage devices").await?;
        app.find("[data-testid=devices-title]").await?;
        let this = app.find("[data-testid=machine-row][data-this-device=true]").await?;
        assert!(
            this.find(fantoccini::Locator::Css("button[data-testid=remove]"))
                .await
                .is_err(),
            "this computer cannot be removed here (only renamed)"
        );
        let row = app
            .find(&format!("[data-testid=machine-row][data-machine-id='{office}']"))
            .await?;
        app.screenshot("devices").await?;
        row.find(fantoccini::Locator::Css("button")).await?.click().await?;
        app.find("[data-testid=confirm-remove]").await?.click().await?;
        app.wait_for_text_where("[data-testid=removed-notice]", "the removal notice", |t| {
            t.contains("Office PC was removed")
        })
        .await?;
        let machines = server.machines(&key).await;
        assert_eq!(machines.len(), 1, "only this computer is left: {machines:?}");
        assert_ne!(machines[0]["id"], office.as_str());
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn background_renewal_renews_at_the_servers_interval() {
    let server = server::start();
    // Renew every 2 seconds: the app's background task must do it without any click.
    let key = server.new_license_with(2, &["--renew-interval", "2"]);
    let app = App::launch("background-renewal", &server, "e2e-renewal").await;
    let result = async {
        activate_to_dashboard(&app, &key).await?;
        let first_seen = server.machines(&key).await[0]["last_seen_at"]
            .as_i64()
            .ok_or("last_seen_at")?;
        // Poll the server (never sleep for a fixed time) until the activation was renewed.
        let deadline = std::time::Instant::now() + keyturn_e2e::UI_DEADLINE;
        loop {
            let seen = server.machines(&key).await[0]["last_seen_at"]
                .as_i64()
                .ok_or("last_seen_at")?;
            if seen > first_seen {
                break;
            }
            if std::time::Instant::now() > deadline {
                return Err("the app did not renew in the background".into());
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        app.wait_for_text("[data-testid=license-status]", "Active").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn keyboard_only_activation() {
    use fantoccini::key::Key;
    let server = server::start();
    let key = server.new_license(2);
    let app = App::launch("keyboard", &server, "e2e-keyboard").await;
    let result = async {
        app.find("[data-testid=welcome-title]").await?;
        let (tab, enter) = (Key::Tab.to_string(), Key::Enter.to_string());
        // Welcome heading has focus; Tab reaches Start, Enter presses it.
        app.press(&tab).await?;
        app.press(&enter).await?;
        app.find("[data-testid=key-title]").await?;
        // The key field has focus: type, and Enter submits.
        assert_eq!(app.focused_testid().await?, "key-input");
        app.press(&key).await?;
        app.press(&enter).await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        assert_eq!(app.focused_testid().await?, "activated-title");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
