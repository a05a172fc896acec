//! status, activate, deactivate, check: the same keyturn-client calls the app's commands make,
//! on the same keychain entries and state file (`keyturn_client::host::open_installed`).

use keyturn_client::flow::ActivationOutcome;
use keyturn_client::host::{self, OpenError};
use keyturn_client::{answers, Machine, Session, StatusReport, VendorConfig};
use keyturn_protocol::LicenseKey;
use serde_json::json;
use std::fmt::Write;
use std::io::BufRead;

use super::output::{time, Outcome};
use crate::error::CommandError;

pub fn open(config: &VendorConfig) -> Result<Session, CommandError> {
    host::open_installed(config.clone()).map_err(|e| match e {
        OpenError::Fingerprint(e) => CommandError::Fingerprint(e),
        OpenError::Store(e) => CommandError::Store(e),
        OpenError::Session(e) => CommandError::Flow(e),
    })
}

/// The offline check; "not licensed" is an answer here, so it goes to stdout.
pub fn status(config: &VendorConfig) -> Outcome {
    let report = host::check(config);
    let text = status_text(&report);
    Outcome::new(&report.code.clone(), report, text)
}

fn status_text(r: &StatusReport) -> String {
    let mut out = String::new();
    if !r.licensed {
        let reason = r.message.as_deref().unwrap_or("");
        let _ = writeln!(out, "Not licensed: {} ({}): {reason}", r.product_name, r.code);
        return out;
    }
    let _ = writeln!(out, "Licensed: {}", r.product_name);
    let status = r
        .status
        .map_or("unknown".to_string(), |s| format!("{s:?}").to_uppercase());
    let _ = writeln!(
        out,
        "License: {} ({status}), expires: {}",
        r.license_id.as_deref().unwrap_or("?"),
        r.expires_at.map_or("never".to_string(), time)
    );
    let entitlements = if r.entitlements.is_empty() {
        "none".to_string()
    } else {
        r.entitlements.join(", ")
    };
    let _ = writeln!(out, "Entitlements: {entitlements}");
    if let (Some(until), Some(renew_by)) = (r.works_offline_until, r.renew_by) {
        let _ = writeln!(
            out,
            "Works offline until: {} (renews by {})",
            time(until),
            time(renew_by)
        );
    }
    out
}

/// `--key -` reads the key from the first line of stdin.
pub(super) fn read_key(argument: &str) -> Result<LicenseKey, CommandError> {
    if argument != "-" {
        return Ok(LicenseKey::parse(argument)?);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CommandError::Config(format!("cannot read the key from stdin: {e}")))?;
    Ok(LicenseKey::parse(line.trim())?)
}

pub async fn activate(config: &VendorConfig, key: &str, free: Option<&str>) -> Result<Outcome, CommandError> {
    let key = read_key(key)?;
    let session = open(config)?;
    let outcome = match free {
        Some(machine_id) => session.free_and_activate(&key, machine_id, |_| {}).await,
        None => session.activate(&key, |_| {}).await,
    };
    let outcome = match outcome {
        // A floating license binds no computer (the session kept its key for `keyturn run`).
        Err(e) if e.error_code() == keyturn_client::ErrorCode::FloatingLicense => {
            let text = "This is a floating license: nothing to activate. The key is kept here; \
                        `keyturn run -- PROGRAM` takes a seat while PROGRAM runs.\n";
            return Ok(Outcome::new("OK", json!({ "floating": true }), text.into()));
        }
        other => other?,
    };
    let answer = answers::activation(&outcome);
    let text = match &outcome {
        ActivationOutcome::Activated(a) => format!(
            "Activated this computer ({}) for {}: {} of {} seats in use.\n",
            session.device_name(),
            a.license.product_name,
            a.license.seats_used,
            a.license.seats_max
        ),
        ActivationOutcome::LimitReached { license, machines } => format!(
            "This license is in use on {} of {} computers:\n{}",
            license.seats_used,
            license.seats_max,
            machine_lines(machines)
        ),
    };
    let mut result = Outcome::new(&answer.code, answer.json, text);
    if let ActivationOutcome::LimitReached { .. } = outcome {
        result.error = Some("every seat is taken: free one with `keyturn activate --key K --free MACHINE_ID`, or deactivate it on that computer".into());
    }
    Ok(result)
}

fn machine_lines(machines: &[Machine]) -> String {
    let mut out = String::new();
    for m in machines {
        let _ = writeln!(
            out,
            "  {}  {}  {}  last seen {}",
            m.id,
            m.name,
            m.platform,
            time(m.last_seen_at)
        );
    }
    out
}

pub async fn deactivate(config: &VendorConfig) -> Result<Outcome, CommandError> {
    open(config)?.deactivate_this(true).await?;
    Ok(Outcome::new(
        "OK",
        json!({}),
        "Deactivated: this computer's seat is free again.\n".into(),
    ))
}

/// Renews now; answers the sync's code and the status after it.
pub async fn check(config: &VendorConfig) -> Result<Outcome, CommandError> {
    let session = open(config)?;
    let (answer, message, report) = answers::check(&session).await?;
    let mut text = match &message {
        None => "Synced with the license server.\n".to_string(),
        Some(_) => String::new(),
    };
    text.push_str(&status_text(&report));
    let mut outcome = Outcome::new(&answer.code, answer.json, text);
    outcome.error = message;
    Ok(outcome)
}
