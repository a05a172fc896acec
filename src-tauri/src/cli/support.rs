//! fingerprint, report, open: what support staff and installers ask for.

use keyturn_client::{window_lock, Device, VendorConfig};
use serde_json::json;
use std::fmt::Write;
use std::sync::Arc;

use super::license;
use super::output::Outcome;
use crate::error::CommandError;
use crate::state::{AppState, StartupError};

/// The fingerprint, or with `explain` which components were found (never their values).
pub fn fingerprint(config: &VendorConfig, explain: bool) -> Result<Outcome, CommandError> {
    let device = Device::detect(&config.product_id, &config.fingerprint_env)?;
    if !explain {
        let text = format!("{}\n", device.fingerprint);
        return Ok(Outcome::new("OK", json!({ "fingerprint": device.fingerprint }), text));
    }
    let e = device.explain();
    let mut text = format!("Fingerprint encoding v{}\n", e.encoding_version);
    for c in &e.components {
        let _ = writeln!(
            text,
            "  {:<11} {}",
            c.name,
            if c.present { "present" } else { "absent" }
        );
    }
    let using = if e.override_in_use {
        "IN USE (it is the fingerprint)"
    } else {
        "not in use"
    };
    let _ = writeln!(text, "Override {}: {using}", e.override_env);
    let _ = writeln!(
        text,
        "Virtual machine: {}; container: {}; kind: {}",
        e.vm,
        e.container,
        e.virt_kind.as_deref().unwrap_or("none detected")
    );
    let _ = writeln!(text, "Platform: {}", e.platform);
    Ok(Outcome::new("OK", json!({ "fingerprint": e }), text))
}

/// The support report, as the app's Support screen shows it.
pub async fn report(config: &VendorConfig) -> Outcome {
    let session = license::open(config).map(Arc::new).map_err(|e| StartupError {
        code: e.code(),
        message: e.to_string(),
    });
    let state = AppState::new(Some(config.clone()), session);
    let text = crate::diagnostics::report(&state, &[]).await;
    Outcome::new("OK", json!({ "report": text }), text)
}

/// Opens the window: in the background, or with `wait` until it closes (then the status's exit
/// code). When the window is already open (a second start only brings it to the front), `wait`
/// waits for that window: the app holds the window lock while it runs.
pub fn open(config: &VendorConfig, wait: bool) -> i32 {
    let spawned = std::env::current_exe().and_then(|exe| {
        let mut command = std::process::Command::new(exe);
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // In the background the window outlives this command (and its terminal's ctrl-c).
        #[cfg(unix)]
        if !wait {
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
        }
        command.spawn()
    });
    let mut window = match spawned {
        Ok(window) => window,
        Err(e) => return Outcome::failed(&CommandError::Config(format!("cannot start the app: {e}"))).print(false),
    };
    if !wait {
        return 0;
    }
    let _ = window.wait();
    if let Err(e) = wait_for_open_window(config) {
        return Outcome::failed(&CommandError::Config(format!("cannot wait for the window: {e}"))).print(false);
    }
    license::status(config).print(false)
}

/// Waits while another start's window is still open.
fn wait_for_open_window(config: &VendorConfig) -> std::io::Result<()> {
    let Ok(state_file) = keyturn_client::state_file::state_path(&config.identifier) else {
        return Ok(());
    };
    let lock = window_lock::lock_path(&state_file);
    if window_lock::is_held(&lock)? {
        eprintln!("Waiting for the {} window to close...", config.product_name);
    }
    window_lock::wait_until_released(&lock)
}
