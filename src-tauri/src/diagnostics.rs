//! The support report: what support staff need to help, as plain text. It never holds the
//! license key, the token, or raw hardware values (not even the host name): only which
//! fingerprint components were found, codes, times and versions, and the license and activation
//! ids, which support pastes into the server's console to find the customer.

use keyturn_client::session::Diagnostics;
use std::fmt::Write;
use std::time::{Duration, UNIX_EPOCH};

use crate::state::AppState;
use crate::views::SeenErrorView;

/// The report; `seen` are the errors the window showed (code, technical message, time), so
/// support sees them even when nothing was activated or the failure never reached the server.
pub async fn report(state: &AppState, seen: &[SeenErrorView]) -> String {
    let mut out = String::new();
    let product = state
        .config
        .as_ref()
        .map_or("(no vendor config)", |c| c.product_name.as_str());
    let _ = writeln!(out, "Keyturn diagnostics report");
    let _ = writeln!(out, "Generated: {}", time(keyturn_client::flow::now()));
    let _ = writeln!(out, "Product: {product}");
    let _ = writeln!(out, "App version: {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        out,
        "OS: {} ({} {})",
        os_name(),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    seen_errors(&mut out, seen);
    let session = match state.session() {
        Ok(session) => session,
        Err(e) => {
            let _ = writeln!(out, "Start-up problem: {} ({})", e, e.code());
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
        let _ = writeln!(out, "Works offline for: {} more", plain_duration(left));
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

fn seen_errors(out: &mut String, seen: &[SeenErrorView]) {
    if seen.is_empty() {
        let _ = writeln!(out, "Errors shown in the app: none");
        return;
    }
    let _ = writeln!(out, "Errors shown in the app (oldest first):");
    for error in seen {
        // The message is the app's own technical text: it never holds a key or token. One line
        // each, so a pasted report stays readable.
        let message: String = error.message.split_whitespace().collect::<Vec<_>>().join(" ");
        let code: String = error
            .code
            .chars()
            .filter(|c| c.is_ascii_uppercase() || *c == '_')
            .take(40)
            .collect();
        let _ = writeln!(
            out,
            "  {code} at {}{}",
            time(error.at),
            if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            }
        );
    }
}

/// A duration as people write it: "13 days 23 hours", "5 hours 10 minutes", "42 minutes".
fn plain_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (seconds / 86400, seconds % 86400 / 3600, seconds % 3600 / 60);
    let unit = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match (days, hours) {
        (0, 0) => unit(minutes, "minute", "minutes"),
        (0, _) => format!(
            "{} {}",
            unit(hours, "hour", "hours"),
            unit(minutes, "minute", "minutes")
        ),
        _ => format!("{} {}", unit(days, "day", "days"), unit(hours, "hour", "hours")),
    }
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

#[cfg(test)]
mod tests {
    use super::plain_duration;

    #[test]
    fn durations_read_as_words_with_spaces() {
        assert_eq!(plain_duration(13 * 86400 + 23 * 3600 + 59 * 60), "13 days 23 hours");
        assert_eq!(plain_duration(86400 + 3600), "1 day 1 hour");
        assert_eq!(plain_duration(5 * 3600 + 10 * 60), "5 hours 10 minutes");
        assert_eq!(plain_duration(42 * 60 + 5), "42 minutes");
        assert_eq!(plain_duration(-5), "0 minutes");
    }
}
