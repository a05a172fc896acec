//! Logging out or shutting down ends a desktop app with SIGTERM (SIGHUP when its terminal goes,
//! SIGINT on Ctrl-C). Left to their default, they end the process at once and a floating seat
//! stays taken until its lease lapses; here each one ends the app the way closing its window
//! does, so `RunEvent::Exit` runs and gives the seat back (see `lib.rs`).

use tauri::{AppHandle, Runtime};

/// Listens for the signals on Tauri's async runtime for the whole run.
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut interrupt), Ok(mut hangup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return; // no signal handling: the defaults stay (the seat lapses by itself)
        };
        // The code a shell reports for a process a signal ended: 128 + the signal.
        let code = tokio::select! {
            _ = term.recv() => 128 + libc_signal::TERM,
            _ = interrupt.recv() => 128 + libc_signal::INT,
            _ = hangup.recv() => 128 + libc_signal::HUP,
        };
        app.exit(code);
    });
    #[cfg(not(unix))]
    let _ = app;
}

/// The signal numbers (the same on every Unix Keyturn runs on).
#[cfg(unix)]
mod libc_signal {
    pub const HUP: i32 = 1;
    pub const INT: i32 = 2;
    pub const TERM: i32 = 15;
}
