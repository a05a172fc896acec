//! The JSON answers of the headless commands that `keyturn ... --json` prints and the C library
//! (`libkeyturn`) writes into the caller's buffer: one shape for both. Each answer has `"schema"`
//! ([`crate::host::SCHEMA`]) and `"code"`; the result code is `exit_code::for_code(code)`.

use crate::flow::ActivationOutcome;
use crate::host::{StatusReport, SCHEMA};
use crate::renewal::{RenewalError, RenewalOutcome};
use crate::session::Session;
use serde_json::{json, Map, Value};

/// A command's answer: a stable code and the JSON object (with `schema` and `code` in it).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub code: String,
    pub json: Map<String, Value>,
}

impl Answer {
    /// `fields` (an object) plus `schema` and `code`.
    pub fn new(code: &str, fields: Value) -> Answer {
        let mut json = match fields {
            Value::Object(map) => map,
            other => Map::from_iter([("value".to_string(), other)]),
        };
        json.insert("schema".into(), Value::from(SCHEMA));
        json.insert("code".into(), Value::String(code.to_string()));
        Answer {
            code: code.to_string(),
            json,
        }
    }

    /// The result code (0 for `OK`/`VALID`).
    pub fn result_code(&self) -> i32 {
        crate::exit_code::for_code(&self.code)
    }

    pub fn to_json_string(&self) -> String {
        Value::Object(self.json.clone()).to_string()
    }
}

/// `status --json`: the offline check of the session's stored activation, now.
pub fn status(session: &Session) -> StatusReport {
    StatusReport::new(&session.config, &session.status())
}

/// `activate --json`: the activation, or (seat limit) the license and its machines to free one of.
pub fn activation(outcome: &ActivationOutcome) -> Answer {
    match outcome {
        ActivationOutcome::Activated(a) => {
            Answer::new("OK", json!({ "activation_id": a.machine.id, "license": a.license }))
        }
        ActivationOutcome::LimitReached { license, machines } => Answer::new(
            "MACHINE_LIMIT_EXCEEDED",
            json!({ "license": license, "machines": machines }),
        ),
    }
}

/// `check --json`: syncs with the server now; the sync's code, its failure in words (if any) and
/// the status after it.
pub async fn check(session: &Session) -> Result<(Answer, Option<String>, StatusReport), RenewalError> {
    let synced = session.sync_now().await?;
    let report = status(session);
    let (code, message) = match &synced {
        RenewalOutcome::Renewed { .. } => (report.code.clone(), None),
        RenewalOutcome::Postponed {
            error, offline, code, ..
        } => {
            let code = match code {
                _ if *offline => "OFFLINE".to_string(),
                Some(code) => code.as_str().to_string(),
                None => "INTERNAL".to_string(),
            };
            (code, Some(error.clone()))
        }
        RenewalOutcome::Ended { code, message } => (code.as_str().to_string(), Some(message.clone())),
    };
    let answer = Answer::new(&code, json!({ "message": message, "status": report }));
    Ok((answer, message, report))
}
