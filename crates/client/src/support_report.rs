//! The support report: what support staff need to help, as plain text. It never holds the
//! license key, the token, or raw hardware values (not even the host name): only which
//! fingerprint components were found, codes, times and versions, and the license and activation
//! ids, which support pastes into the server's console to find the customer.
//!
//! One text for the app's Support screen, `keyturn report` and the C library's `keyturn_report`.

use crate::session::{Diagnostics, Session};
use crate::ErrorCode;
use std::fmt::Write;
use std::time::{Duration, UNIX_EPOCH};

/// The report for `product` (`None`: no usable vendor config) and its session, or why there is
/// none (its code and words).
pub async fn report(product: Option<&str>, session: Result<&Session, (ErrorCode, String)>) -> String {
    let mut out = String::new();
    let product = product.unwrap_or("(no vendor config)");
    let _ = writeln!(out, "Keyturn diagnostics report");
    let _ = writeln!(out, "Generated: {}", time(crate::flow::now()));
    let _ = writeln!(out, "Product: {product}");
    let _ = writeln!(out, "App version: {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        out,
        "OS: {} ({} {})",
        os_name(),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    let session = match session {
        Ok(session) => session,
        Err((code, message)) => {
            let _ = writeln!(out, "Start-up problem: {message} ({code})");
            return out;
        }
    };
    let reachability = match session.api.health().await {
        Ok(rtt) => format!("reachable, answered in {} ms", rtt.as_millis()),
        Err(e) => format!("NOT reachable: {e}"),
    };
    let _ = writeln!(out, "License server: {} ({reachability})", session.api.base_url());
    let keychain = match session.stored_key() {
        Ok(Some(_)) => "reachable, a license key is stored",
        Ok(None) => "reachable, no license key stored",
        Err(_) => "NOT reachable (Secret Service / GNOME Keyring missing or locked)",
    };
    let _ = writeln!(out, "Keychain: {keychain}");
    licensing(&mut out, &session.diagnostics());
    out
}

fn licensing(out: &mut String, d: &Diagnostics) {
    let _ = writeln!(out, "Activated here: {}", if d.activated { "yes" } else { "no" });
    let _ = writeln!(out, "License: {}", d.license_id.as_deref().unwrap_or("none"));
    let _ = writeln!(out, "Activation: {}", d.activation_id.as_deref().unwrap_or("none"));
    if let Some(problem) = &d.local_problem {
        let _ = writeln!(out, "Stored activation: {problem}");
    }
    if let Some(left) = d.offline_seconds_left {
        let _ = writeln!(
            out,
            "Works offline for: {} more",
            humantime::format_duration(Duration::from_secs(left.max(0) as u64))
        );
    }
    let _ = writeln!(out, "Last sync: {}", d.last_sync.map_or("never".into(), time));
    let _ = writeln!(
        out,
        "Next sync: {}",
        d.next_renewal.map_or("not scheduled".into(), time)
    );
    let _ = writeln!(out, "Failed syncs in a row: {}", d.renewal_failures);
    if d.recent_codes.is_empty() {
        let _ = writeln!(out, "Recent server answers: none");
    } else {
        let _ = writeln!(out, "Recent server answers (oldest first):");
        for answer in &d.recent_codes {
            let _ = writeln!(out, "  {} at {}", answer.code, time(answer.at));
        }
    }
    if let Some(error) = &d.last_error {
        let _ = writeln!(out, "Last error: {error}");
    }
    let f = &d.fingerprint;
    let components: Vec<String> = f
        .components
        .iter()
        .map(|c| format!("{} {}", c.name, if c.present { "present" } else { "absent" }))
        .collect();
    let _ = writeln!(
        out,
        "Fingerprint: encoding v{}; {}",
        f.encoding_version,
        components.join(", ")
    );
    let _ = writeln!(
        out,
        "Fingerprint override ({}): {}",
        f.override_env,
        if f.override_in_use { "IN USE" } else { "not in use" }
    );
    let kind = f.virt_kind.as_deref().unwrap_or("none detected");
    let _ = writeln!(
        out,
        "Virtual machine: {}; container: {}; kind: {kind}",
        yes_no(f.vm),
        yes_no(f.container)
    );
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn time(unix: i64) -> String {
    humantime::format_rfc3339_seconds(UNIX_EPOCH + Duration::from_secs(unix.max(0) as u64)).to_string()
}

/// e.g. "Debian GNU/Linux 12 (bookworm)" from /etc/os-release, where there is one.
fn os_name() -> String {
    std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string()))
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string())
}
