//! Activation links: `keyturn://activate?key=...` opens the key screen with the key filled in.
//! A second launch with a link hands it to the running app over D-Bus and exits: one app, one
//! window. The key of a link never reaches a log. `keyturn open --wait` next to an open window
//! waits for that window to close.

mod common;

use keyturn_e2e::app::Options;
use keyturn_e2e::server::PRODUCT_NAME;
use keyturn_e2e::{server, App, UI_DEADLINE};
use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_second_launch_hands_its_link_to_the_running_window() {
    let server = server::start();
    let key = server.new_license(3);
    let app = App::launch("deep-link", &server, "e2e-link-device").await;
    let result = async {
        app.find("[data-testid=welcome-title]").await?;
        assert_eq!(app.app_processes(), 1, "the app runs once");

        let link = format!("keyturn://activate?key={key}");
        let second = app.launch_again(&[&link])?;
        assert!(
            second.success(),
            "the second launch hands over and exits cleanly: {second}"
        );

        app.find("[data-testid=key-title]").await?;
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, key, "the link's key is filled in");
        app.find("[data-testid=link-notice]").await?;
        assert_eq!(app.client.windows().await?.len(), 1, "still one window");
        assert_eq!(app.app_processes(), 1, "still one app process");
        app.screenshot("key-from-link").await?;

        app.find("#activate").await?.click().await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        app.screenshot("activated").await?;
        assert_eq!(server.machine_count(&key).await, 1);

        let log = app.log();
        let canonical: String = key.chars().filter(|c| *c != '-').collect();
        assert!(
            !log.contains(&key) && !log.contains(&canonical),
            "the key from the link is in the log:\n{log}"
        );
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn a_link_in_the_vendors_scheme_starts_the_app_on_the_key_screen() {
    let server = server::start();
    let key = server.new_license(1);
    let mut options = Options::default();
    options.vendor.insert("link_scheme".into(), "acme".into());
    options.args = vec![format!("acme://activate?key={}", key.to_lowercase())];
    let app = App::launch_with("deep-link-start", &server, "e2e-link-start", options).await;
    let result = async {
        app.find("[data-testid=key-title]").await?;
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, key.to_lowercase());
        // Another vendor's scheme is not ours: a second launch with it changes nothing.
        let other = format!("keyturn://activate?key={key}");
        assert!(app.launch_again(&[&other])?.success());
        let typed = app.find("#license-key").await?.prop("value").await?.unwrap_or_default();
        assert_eq!(typed, key.to_lowercase(), "unchanged by a link in a scheme not ours");
        app.screenshot("key-from-start-link").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}

#[tokio::test]
async fn open_wait_waits_for_the_window_that_is_already_open() {
    let server = server::start();
    let key = server.new_license(1);
    let app = App::launch("open-wait", &server, "e2e-open-wait").await;
    let result = async {
        app.find("[data-testid=welcome-title]").await?;
        // A host program opens the window and waits; the window was open already.
        let mut waiting = app.start_again(&["open", "--wait"])?;
        let stderr = waiting.child_mut().stderr.take().expect("piped stderr");
        let (said, first_line) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stderr).read_line(&mut line);
            let _ = said.send(line);
        });
        let line = first_line.recv_timeout(UI_DEADLINE)?;
        assert_eq!(
            line.trim(),
            format!("Waiting for the {PRODUCT_NAME} window to close...")
        );
        assert!(
            waiting.child_mut().try_wait()?.is_none(),
            "it waits while the window is open"
        );
        assert_eq!(app.client.windows().await?.len(), 1, "still one window");

        // The user activates in that window and closes it: the wait ends with the new status.
        app.click_button("Start").await?;
        app.find("#license-key").await?.send_keys(&key).await?;
        app.find("#activate").await?.click().await?;
        app.wait_for_text("[data-testid=activated-title]", "Activated").await?;
        app.client.close_window().await?;
        let end = Instant::now() + UI_DEADLINE;
        let status = loop {
            if let Some(status) = waiting.child_mut().try_wait()? {
                break status;
            }
            if Instant::now() > end {
                return Err("open --wait still waits after the window closed".into());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        let mut out = String::new();
        waiting
            .child_mut()
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_string(&mut out)?;
        assert_eq!(status.code(), Some(0), "{out}");
        assert!(out.contains(&format!("Licensed: {PRODUCT_NAME}")), "{out}");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
