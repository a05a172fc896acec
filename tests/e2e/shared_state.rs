//! One activation for the app, the command line and programs using the C library: while the
//! app's window is open, a Python program activates through libkeyturn and the window shows it;
//! then `keyturn deactivate` frees the seat and the window shows that. The app keeps no copy of
//! the state that could undo either.

use keyturn_e2e::binaries;
use keyturn_e2e::ffi;
use keyturn_e2e::{server, App};
use std::path::Path;

#[tokio::test]
async fn the_window_shows_what_the_library_and_the_command_line_did() {
    let server = server::start();
    let key = server.new_license(2);
    let app = App::launch("shared-state", &server, "e2e-shared-1").await;
    let result = async {
        app.find("[data-testid=welcome-title]").await?;

        let mut library = ffi::python(app.command_beside(Path::new("python3"))?);
        library.args([
            "-c",
            "import os, sys\nfrom keyturn import Keyturn\n\
             with Keyturn(os.environ['KEYTURN_CONFIG']) as kt:\n    print(kt.activate(sys.argv[1])['code'])",
            &key,
        ]);
        let activated = library.output()?;
        assert_eq!(
            String::from_utf8_lossy(&activated.stdout).trim(),
            "OK",
            "{}",
            String::from_utf8_lossy(&activated.stderr)
        );
        app.wait_for_text("[data-testid=license-status]", "Active").await?;
        app.find("[data-testid=dashboard-title]").await?;
        app.screenshot("activated-by-the-library").await?;

        let mut cli = app.command_beside(&binaries::app())?;
        cli.arg("deactivate");
        let deactivated = cli.output()?;
        assert!(deactivated.status.success(), "{deactivated:?}");
        app.find("[data-testid=welcome-title]").await?;
        app.screenshot("deactivated-by-the-command-line").await?;
        assert_eq!(server.machine_count(&key).await, 0, "the seat is free");
        // The app, still open, did not write its own idea of the state back.
        let mut status = app.command_beside(&binaries::app())?;
        status.args(["status", "--json"]);
        let status: serde_json::Value = serde_json::from_slice(&status.output()?.stdout)?;
        assert_eq!(status["code"], "NOT_ACTIVATED", "{status}");
        Ok(())
    }
    .await;
    app.finish(result, &server).await;
}
