//! What a command answers: a stable code (which decides the exit code), a JSON object for
//! scripts (`"schema": 1` and `"code"` always in it) and lines for people. Errors go to stderr
//! as `error: CODE: message` in text mode; with --json everything is one object on stdout.

use serde::Serialize;
use serde_json::{Map, Value};

use super::exit;
use crate::error::CommandError;

pub struct Outcome {
    pub code: String,
    pub json: Map<String, Value>,
    pub text: String,
    /// The failure in words (text mode: on stderr).
    pub error: Option<String>,
}

impl Outcome {
    /// A result: `fields` (an object) plus the code.
    pub fn new(code: &str, fields: impl Serialize, text: String) -> Outcome {
        let json = match serde_json::to_value(fields) {
            Ok(Value::Object(map)) => map,
            Ok(other) => Map::from_iter([("value".to_string(), other)]),
            Err(e) => Map::from_iter([("serialize_error".to_string(), Value::String(e.to_string()))]),
        };
        Outcome {
            code: code.to_string(),
            json,
            text,
            error: None,
        }
    }

    /// A failure, with the command error's code, message and hint.
    pub fn failed(error: &CommandError) -> Outcome {
        let hint = error.hint();
        let mut outcome = Outcome::new(
            error.code().as_str(),
            serde_json::json!({ "message": error.to_string(), "hint": hint }),
            String::new(),
        );
        let mut words = error.to_string();
        if !hint.is_empty() {
            words.push_str(&format!("\nhint: {hint}"));
        }
        outcome.error = Some(words);
        outcome
    }

    pub fn exit_code(&self) -> i32 {
        exit::for_code(&self.code)
    }

    /// Prints the outcome and answers the exit code.
    pub fn print(mut self, json: bool) -> i32 {
        if json {
            self.json
                .insert("schema".into(), Value::from(keyturn_client::host::SCHEMA));
            self.json.insert("code".into(), Value::String(self.code.clone()));
            println!("{}", Value::Object(self.json.clone()));
        } else {
            if !self.text.is_empty() {
                print!("{}", self.text);
            }
            if let Some(error) = &self.error {
                eprintln!("error: {}: {error}", self.code);
            }
        }
        self.exit_code()
    }
}

/// A Unix time for people (RFC 3339, UTC).
pub fn time(unix: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix.max(0) as u64);
    humantime::format_rfc3339_seconds(at).to_string()
}
