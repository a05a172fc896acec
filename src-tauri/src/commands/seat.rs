//! Floating licenses in the app: check a seat out with the stored key (kept by
//! `Session::activate` when the server answered FLOATING_LICENSE), keep it with heartbeats while
//! the app runs (keyturn-client's seat guard does that on its own thread), give it back, borrow
//! it for a trip and return it. Waiting for a seat is the UI's: it asks again when the soonest
//! lease ends.

use keyturn_client::seat::{SeatClient, SeatError};
use keyturn_client::seat_guard::{self, SeatGuard};
use keyturn_client::session::OnStart;
use keyturn_client::ErrorCode;
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;
use crate::views::{SeatResult, SeatView};

const DAY_SECS: i64 = 86_400;

fn client(state: &AppState) -> Result<SeatClient, CommandError> {
    let session = state.session()?;
    let key = session.stored_key()?.ok_or(CommandError::NoKey)?;
    SeatClient::new(&session.config, &session.device, key).map_err(CommandError::Seat)
}

/// Drops the guard off the async runtime: dropping joins its thread, which releases the seat.
async fn drop_guard(guard: Option<SeatGuard>) {
    if let Some(guard) = guard {
        let _ = tauri::async_runtime::spawn_blocking(move || drop(guard)).await;
    }
}

/// Ends the seat the app keeps (called when the app quits, too).
pub fn take_guard(state: &AppState) -> Option<SeatGuard> {
    state.seat.lock().unwrap_or_else(|e| e.into_inner()).take()
}

/// Takes a seat with the stored key, or borrows one for `borrow_days` (then the app keeps no
/// heartbeat: a borrowed seat holds until it ends or is returned). Every seat taken is an
/// answer, not an error.
#[tauri::command]
pub async fn seat_checkout(state: State<'_, AppState>, borrow_days: Option<u32>) -> Result<SeatResult, CommandError> {
    let client = client(&state)?;
    let file = state.seat_file.clone();
    let borrow_secs = borrow_days.map(|days| i64::from(days) * DAY_SECS);
    if borrow_secs.is_some() {
        // The seat held now is released first; the borrowed one replaces it.
        drop_guard(take_guard(&state)).await;
    }
    let held = tauri::async_runtime::spawn_blocking(move || seat_guard::hold(client, borrow_secs, file))
        .await
        .map_err(|e| CommandError::Config(format!("the seat's task failed: {e}")))?;
    let guard = match held {
        Ok(guard) => guard,
        Err(SeatError::Full { seats, next_free_at }) => return Ok(SeatResult::Full { seats, next_free_at }),
        Err(e) => return Err(CommandError::Seat(e)),
    };
    let seat = SeatView::from_state(&guard.state()).ok_or(CommandError::NoKey)?;
    if borrow_secs.is_some() {
        drop_guard(Some(guard)).await; // a borrowed seat stays borrowed
    } else {
        let old = state.seat.lock().unwrap_or_else(|e| e.into_inner()).replace(guard);
        drop_guard(old).await;
    }
    Ok(SeatResult::Held { seat })
}

/// At start, with nothing activated here: a key kept as a floating license's takes a seat by
/// itself (keyturn-client decides, `Session::on_start`); otherwise `None` and the app starts as
/// it always has. A checkout that answers NOT_FLOATING unmarks the key.
#[tauri::command]
pub async fn seat_on_start(state: State<'_, AppState>) -> Result<Option<SeatResult>, CommandError> {
    let session = state.session()?;
    if session.on_start(state.seat_file.as_deref()) == OnStart::AsBefore {
        return Ok(None);
    }
    match seat_checkout(state.clone(), None).await {
        Err(CommandError::Seat(e)) if e.error_code() == ErrorCode::NotFloating => {
            let _ = session.mark_floating(false);
            Ok(None)
        }
        taken => taken.map(Some),
    }
}

/// The seat this computer holds now: the app's own, else a borrowed one (or a program's), from
/// the seat file. No network.
#[tauri::command]
pub fn seat_status(state: State<'_, AppState>) -> Result<Option<SeatView>, CommandError> {
    if let Some(guard) = state.seat.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return Ok(SeatView::from_state(&guard.state()));
    }
    let now = state.session()?.now();
    let held = state
        .seat_file
        .as_deref()
        .and_then(|file| seat_guard::read_seat_at(file, now));
    Ok(held.and_then(|s| SeatView::from_state(&s)))
}

/// "Give the seat back" and "Return now": frees the seat held here (a borrowed one too).
#[tauri::command]
pub async fn seat_release(state: State<'_, AppState>) -> Result<(), CommandError> {
    let guard = take_guard(&state);
    if guard.is_some() {
        drop_guard(guard).await;
        return Ok(());
    }
    let client = client(&state)?;
    seat_guard::return_borrowed_at(state.seat_file.as_deref(), &client)
        .await
        .map_err(CommandError::Seat)?;
    Ok(())
}
