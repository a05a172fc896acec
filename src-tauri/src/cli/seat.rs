//! `keyturn run`, `borrow` and `return`: floating seats from the command line, wired to
//! keyturn-client (`run`, `seat_guard`), which does the work.

use keyturn_client::exit_code as exit;
use keyturn_client::run::{self, RunOptions};
use keyturn_client::seat::SeatClient;
use keyturn_client::{seat_guard, Device, VendorConfig};
use keyturn_protocol::LicenseKey;
use std::ffi::OsString;

use super::output::{time, Outcome};
use crate::error::CommandError;

/// The key given (`-`: from stdin), else the one stored on this computer.
fn key(config: &VendorConfig, given: Option<&str>) -> Result<LicenseKey, CommandError> {
    if let Some(given) = given {
        return super::license::read_key(given);
    }
    super::license::open(config)?
        .stored_key()
        .map_err(CommandError::Store)?
        .ok_or_else(|| CommandError::Config("no license key: pass --key KEY (or --key - to read it from stdin)".into()))
}

fn say(line: &str) {
    eprintln!("{line}");
}

/// `keyturn run [--wait] [--key K] -- PROGRAM ARGS`: PROGRAM's exit code, or one of the table's.
pub fn run(config: &VendorConfig, given_key: Option<&str>, wait: bool, command: Vec<OsString>) -> i32 {
    let key = match key(config, given_key) {
        Ok(key) => key,
        Err(e) => return Outcome::failed(&e).print(false),
    };
    let mut command = command.into_iter();
    let Some(program) = command.next() else {
        say("error: no program to run (keyturn run -- PROGRAM ARGS)");
        return exit::USAGE;
    };
    let options = RunOptions {
        wait,
        program,
        args: command.collect(),
    };
    run::run(config, key, &options, &say)
}

fn client(config: &VendorConfig, given_key: Option<&str>) -> Result<SeatClient, CommandError> {
    let key = key(config, given_key)?;
    let device = Device::detect(&config.product_id, &config.fingerprint_env)?;
    SeatClient::new(config, &device, key).map_err(|e| CommandError::Config(e.to_string()))
}

/// `keyturn borrow --days N`: a seat for offline use until it ends or is returned.
pub fn borrow(config: &VendorConfig, given_key: Option<&str>, days: u32) -> Outcome {
    let client = match client(config, given_key) {
        Ok(client) => client,
        Err(e) => return Outcome::failed(&e),
    };
    let secs = i64::from(days) * 86_400;
    match seat_guard::hold(client, Some(secs), seat_guard::seat_file(config)) {
        Ok(guard) => {
            let seat = guard.state();
            drop(guard); // a borrowed seat stays borrowed
            let until = seat.lease.as_ref().map_or(0, |l| l.ends_at);
            let text = format!(
                "Borrowed a seat until {}; `keyturn return` gives it back early.\n",
                time(until)
            );
            Outcome::new("OK", serde_json::json!({ "seat": seat }), text)
        }
        Err(e) => {
            let code = e.error_code();
            let message = match &e {
                keyturn_client::seat::SeatError::Full { seats, next_free_at } => {
                    run::full_message(*seats, *next_free_at, now())
                }
                other => other.to_string(),
            };
            refused(code.as_str(), message)
        }
    }
}

/// `keyturn return`: gives a borrowed seat back early.
pub async fn give_back(config: &VendorConfig, given_key: Option<&str>) -> Outcome {
    let client = match client(config, given_key) {
        Ok(client) => client,
        Err(e) => return Outcome::failed(&e),
    };
    match seat_guard::return_borrowed(config, &client).await {
        Ok(true) => Outcome::new("OK", serde_json::json!({}), "The seat is returned.\n".into()),
        Ok(false) => Outcome::new("OK", serde_json::json!({}), "No borrowed seat here.\n".into()),
        Err(e) => refused(e.error_code().as_str(), e.to_string()),
    }
}

/// A refusal: its code (which decides the exit code) and words (stderr in text mode).
fn refused(code: &str, message: String) -> Outcome {
    let mut outcome = Outcome::new(code, serde_json::json!({ "message": message }), String::new());
    outcome.error = Some(message);
    outcome
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
