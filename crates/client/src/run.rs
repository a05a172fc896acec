//! `keyturn run [--wait] -- PROGRAM ARGS`: the vendor's program holds a floating seat while it
//! runs. A seat is checked out (with `--wait`, waited for), kept by heartbeats
//! ([`crate::seat_guard`]), and released when the program exits; SIGTERM, SIGINT and SIGHUP sent
//! to `keyturn` are passed on to the program, which then exits and the seat is released. The
//! exit code is the program's (128 + the signal when a signal ended it), or one of
//! [`crate::exit_code`] when it never ran: `SEAT_LIMIT` after saying when a seat frees up,
//! `NOT_STARTED` when it cannot be started.

use crate::config::VendorConfig;
use crate::exit_code;
use crate::fingerprint::Device;
use crate::seat::{SeatClient, SeatError};
use crate::seat_guard::{self, SeatGuard};
use keyturn_protocol::LicenseKey;
use std::ffi::OsString;
use std::time::Duration;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Wait for a seat when every seat is taken (else exit with `SEAT_LIMIT`).
    pub wait: bool,
    pub program: OsString,
    pub args: Vec<OsString>,
}

/// While waiting, ask again at least this often (a seat may be released before the soonest
/// lease ends).
const WAIT_POLL: Duration = Duration::from_secs(15);

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// "All 5 seats are in use; the next one frees up in 4 minutes (14:10 UTC)."
pub fn full_message(seats: u32, next_free_at: Option<i64>, now: i64) -> String {
    let when = match next_free_at {
        Some(at) => {
            let secs = (at - now).max(0);
            let clock = format!(
                "{:02}:{:02} UTC",
                at.rem_euclid(86_400) / 3600,
                at.rem_euclid(3600) / 60
            );
            let minutes = (secs + 59) / 60;
            format!(
                "; the next one frees up in {minutes} minute{} ({clock})",
                if minutes == 1 { "" } else { "s" }
            )
        }
        None => String::new(),
    };
    if seats == 1 {
        format!("The only seat is in use right now{when}.")
    } else {
        format!("All {seats} seats are in use right now{when}.")
    }
}

/// Takes a seat for the program (waiting for one with `wait`); `say` gets every message for
/// the user (the command line prints them on stderr).
pub fn take_seat(config: &VendorConfig, key: LicenseKey, wait: bool, say: &dyn Fn(&str)) -> Result<SeatGuard, i32> {
    let device = Device::detect(&config.product_id, &config.fingerprint_env).map_err(|e| {
        say(&format!("error: {e}"));
        exit_code::CONFIG
    })?;
    let client = SeatClient::new(config, &device, key).map_err(|e| {
        say(&format!("error: {e}"));
        exit_code::for_error(e.error_code())
    })?;
    loop {
        match seat_guard::hold(client.clone(), None, seat_guard::seat_file(config)) {
            Ok(seat) => return Ok(seat),
            Err(SeatError::Full { seats, next_free_at }) => {
                let now = now();
                say(&full_message(seats, next_free_at, now));
                if !wait {
                    return Err(exit_code::SEAT_LIMIT);
                }
                let until = next_free_at.map_or(WAIT_POLL.as_secs() as i64, |at| at - now);
                let pause = Duration::from_secs(until.clamp(1, WAIT_POLL.as_secs() as i64) as u64);
                say("Waiting for a seat (Ctrl-C to stop)…");
                std::thread::sleep(pause);
            }
            Err(e) => {
                say(&format!("error: {}: {e}", e.error_code()));
                return Err(exit_code::for_error(e.error_code()));
            }
        }
    }
}

/// Runs the program while `seat` is held; answers the exit code. The seat is released when this
/// returns (the guard drops).
pub fn run_holding(seat: SeatGuard, options: &RunOptions, say: &dyn Fn(&str)) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            say(&format!("error: no async runtime: {e}"));
            return exit_code::ERROR;
        }
    };
    let code = runtime.block_on(supervise(options, say));
    drop(seat);
    code
}

/// Checks a seat out, runs the program, releases the seat: `keyturn run`.
pub fn run(config: &VendorConfig, key: LicenseKey, options: &RunOptions, say: &dyn Fn(&str)) -> i32 {
    match take_seat(config, key, options.wait, say) {
        Ok(seat) => run_holding(seat, options, say),
        Err(code) => code,
    }
}

async fn supervise(options: &RunOptions, say: &dyn Fn(&str)) -> i32 {
    let mut child = match tokio::process::Command::new(&options.program)
        .args(&options.args)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            say(&format!(
                "error: cannot start {}: {e}",
                options.program.to_string_lossy()
            ));
            return exit_code::NOT_STARTED;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let pid = child.id();
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return exit_of(child.wait().await);
        };
        let pass_on = |sig: i32| {
            if let Some(pid) = pid {
                // SAFETY: kill(2) with the pid of our own child; no memory is involved.
                unsafe { libc::kill(pid as i32, sig) };
            }
        };
        loop {
            tokio::select! {
                status = child.wait() => return exit_of(status),
                _ = term.recv() => pass_on(libc::SIGTERM),
                _ = int.recv() => pass_on(libc::SIGINT),
                _ = hup.recv() => pass_on(libc::SIGHUP),
            }
        }
    }
    #[cfg(not(unix))]
    exit_of(child.wait().await)
}

/// The program's exit code; 128 + the signal that ended it (as shells report it).
fn exit_of(status: std::io::Result<std::process::ExitStatus>) -> i32 {
    match status {
        Ok(status) => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(sig) = status.signal() {
                    return 128 + sig;
                }
            }
            status.code().unwrap_or(exit_code::ERROR)
        }
        Err(_) => exit_code::ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_message_says_how_many_and_when() {
        let now = 1_767_225_600; // 00:00 UTC
        assert_eq!(
            full_message(5, Some(now + 14 * 3600 + 10 * 60), now),
            "All 5 seats are in use right now; the next one frees up in 850 minutes (14:10 UTC)."
        );
        assert_eq!(
            full_message(1, Some(now + 30), now),
            "The only seat is in use right now; the next one frees up in 1 minute (00:00 UTC)."
        );
        assert_eq!(full_message(2, None, now), "All 2 seats are in use right now.");
    }
}
