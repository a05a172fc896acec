//! "Activate without internet" through the system's real file dialogs (GTK, in the real app on
//! the test's Xvfb display): the request code is saved where the user types, and the portal's
//! response is read from the file the user picks. WebDriver cannot reach native dialogs, so the
//! test types into them with xdotool, as a person would with a keyboard.

use keyturn_e2e::app::TestResult;
use keyturn_e2e::{server, App};

/// Types `path` into the system's file dialog titled `title` and confirms it, as a person would
/// (WebDriver cannot reach native dialogs; xdotool can, on the test's own X display).
fn answer_file_dialog(app: &App, title: &str, save: bool, path: &std::path::Path) -> TestResult {
    let xdotool = |args: &[&str]| -> Result<String, Box<dyn std::error::Error>> {
        let output = std::process::Command::new("xdotool")
            .args(args)
            .env("DISPLAY", app.display_name())
            .output()?;
        if !output.status.success() {
            return Err(format!("xdotool {args:?}: {}", String::from_utf8_lossy(&output.stderr)).into());
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    // --sync waits (bounded by the tool's own polling) until the dialog's window exists.
    let window = std::process::Command::new("timeout")
        .args(["20", "xdotool", "search", "--sync", "--onlyvisible", "--name", title])
        .env("DISPLAY", app.display_name())
        .output()?;
    let window = String::from_utf8_lossy(&window.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    if window.is_empty() {
        return Err(format!("no file dialog titled {title:?} appeared").into());
    }
    xdotool(&["windowfocus", "--sync", &window])?;
    // The save dialog's name field has focus (select its text to replace it); in the open dialog
    // typing a "/" opens the location field.
    if save {
        xdotool(&["key", "ctrl+a"])?;
    }
    xdotool(&["type", "--delay", "20", &path.display().to_string()])?;
    xdotool(&["key", "Return"])?;
    Ok(())
}

#[tokio::test]
async fn the_offline_request_is_saved_and_the_response_opened_through_the_systems_file_dialogs() {
    let server = server::start();
    let app = App::launch("file-dialogs", &server, "e2e-file-dialogs").await;
    let result = async {
        app.find("button.primary").await?.click().await?;
        app.find("#offline-link").await?.click().await?;
        app.find("#offline-create").await?.click().await?;
        let request = app
            .find("#offline-request")
            .await?
            .prop("value")
            .await?
            .unwrap_or_default();
        let saved = app.home().join("chosen-request.txt");
        app.find("#offline-save").await?.click().await?;
        answer_file_dialog(&app, "Save request file…", true, &saved)?;
        app.wait_for_text_where("[data-testid=offline-saved]", "the chosen path", |t| {
            t.contains("chosen-request.txt")
        })
        .await?;
        assert_eq!(
            std::fs::read_to_string(&saved)?.trim(),
            request,
            "the file holds the shown code"
        );

        let response = app.home().join("portal-response.txt");
        std::fs::write(&response, "KT-RES1.from-a-file\n")?;
        // GTK's open dialog sometimes drops the first typed characters while its location field
        // opens (a race of xdotool with GTK, not of the app): a person would type again, and so
        // does the test, at most three times.
        let mut read = String::new();
        for _ in 0..3 {
            app.find("#offline-open").await?.click().await?;
            answer_file_dialog(&app, "Open response file…", false, &response)?;
            let arrived = app
                .client
                .wait()
                .at_most(std::time::Duration::from_secs(5))
                .for_element(fantoccini::Locator::Css("#offline-response[data-filled=true]"))
                .await;
            if arrived.is_ok() {
                read = app
                    .find("#offline-response")
                    .await?
                    .prop("value")
                    .await?
                    .unwrap_or_default();
                break;
            }
            // Still open with a wrong path typed: close it and try again.
            let _ = std::process::Command::new("xdotool")
                .args(["key", "Escape"])
                .env("DISPLAY", app.display_name())
                .status();
        }
        assert_eq!(read, "KT-RES1.from-a-file");
        app.screenshot("response-opened").await?;
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
