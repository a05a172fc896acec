//! Floating seats through the C library: a handle checks a seat out and holds it with
//! keyturn_client's [`SeatGuard`] (heartbeats on a thread of its own, release on drop), so a
//! program in any language holds a seat as `keyturn run` and the Rust host API do.

use crate::call::{Handle, Outcome};
use keyturn_client::answers::Answer;
use keyturn_client::seat::{SeatClient, SeatError};
use keyturn_client::seat_guard::{self, SeatState};
use keyturn_client::{exit_code, ErrorCode, LicenseKey};
use serde_json::json;

/// The answer for a held seat: `{"code": "OK", "license_id", "seats", "lease": {...},
/// "problem"}` (`problem`: the code while a heartbeat could not keep it, e.g. `OFFLINE`).
fn held(state: &SeatState) -> Answer {
    Answer::new("OK", serde_json::to_value(state).unwrap_or_default())
}

/// Why no seat: `SEATS_IN_USE` with `seats` and `next_free_at` (Unix seconds; try again then),
/// or the server's or client's code.
fn refused(error: &SeatError) -> (Answer, Outcome) {
    let code = error.error_code();
    let fields = match error {
        SeatError::Full { seats, next_free_at } => json!({ "seats": seats, "next_free_at": next_free_at }),
        _ => json!({}),
    };
    let message = match error {
        SeatError::Full { seats, next_free_at } => {
            keyturn_client::run::full_message(*seats, *next_free_at, keyturn_client::flow::now())
        }
        other => other.to_string(),
    };
    let mut answer = Answer::new(code.as_str(), fields);
    answer.json.insert("message".into(), message.clone().into());
    let outcome = Outcome::answer(code.as_str(), Some(message));
    (answer, outcome)
}

/// The key given, else the one stored on this computer.
fn key(h: &Handle, given: Option<&str>) -> Result<LicenseKey, Outcome> {
    match given {
        Some(text) => LicenseKey::parse(text).map_err(|e| Outcome::error(ErrorCode::InvalidKeyFormat, e)),
        None => h
            .session
            .stored_key()
            .map_err(|e| Outcome::error(ErrorCode::KeychainUnavailable, e))?
            .ok_or_else(|| Outcome::library(exit_code::NOT_ACTIVATED, "no license key on this computer: pass one")),
    }
}

/// Takes a seat for `h` (or answers the one it holds): the answer and its outcome.
pub fn take(h: &Handle, given_key: Option<&str>) -> Result<(Answer, Outcome), Outcome> {
    let mut seat = h.seat.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(guard) = seat.as_ref() {
        let state = guard.state();
        let outcome = match &state.problem {
            Some(code) => Outcome::answer(code, Some("the seat could not be kept: see problem".into())),
            None => Outcome::ok(),
        };
        return Ok((held(&state), outcome));
    }
    let key = key(h, given_key)?;
    let client =
        SeatClient::new(&h.session.config, &h.session.device, key).map_err(|e| Outcome::error(e.error_code(), &e))?;
    match seat_guard::hold(client, None, seat_guard::seat_file(&h.session.config)) {
        Ok(guard) => {
            let answer = held(&guard.state());
            *seat = Some(guard);
            Ok((answer, Outcome::ok()))
        }
        Err(error) => Ok(refused(&error)),
    }
}

/// Gives the seat back (waits for the release call); true when one was held.
pub fn release(h: &Handle) -> bool {
    let guard = h.seat.lock().unwrap_or_else(|e| e.into_inner()).take();
    guard.is_some()
}
