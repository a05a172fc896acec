//! Holding a floating seat while a program runs: [`SeatGuard`] checks a seat out, keeps it
//! with heartbeats on a thread of its own (every third of the lease, whatever the caller's
//! runtime does), and releases it when dropped. A borrowed seat is kept when the guard drops
//! (it ends by itself, or is returned early with [`return_borrowed`]).
//!
//! The seat is also written to `seat.json` next to the state file (no secret in it), so
//! `keyturn status --json` in another process can report it.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = keyturn_client::VendorConfig::load("vendor.json".as_ref())?;
//! let key = keyturn_client::LicenseKey::parse("7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5")?;
//! match keyturn_client::seat_guard::hold_installed(&config, key, None) {
//!     Ok(seat) => {
//!         // The program runs while `seat` lives; dropping it releases the seat.
//!         println!("seat until {}", seat.state().lease.map_or(0, |l| l.ends_at));
//!     }
//!     Err(keyturn_client::seat::SeatError::Full { seats, next_free_at }) => {
//!         println!("all {seats} seats are in use; the next frees at {next_free_at:?}");
//!     }
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(()) }
//! ```

use crate::config::VendorConfig;
use crate::fingerprint::Device;
use crate::seat::{HeldSeat, SeatClient, SeatError};
use keyturn_protocol::lease::Lease;
use keyturn_protocol::LicenseKey;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// The seat file's name, next to the state file.
pub const SEAT_FILE: &str = "seat.json";

/// The seat as last known (what `seat.json` holds). Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatState {
    pub license_id: Option<String>,
    /// Seats in use at once on the license.
    pub seats: u32,
    pub lease: Option<Lease>,
    /// Set while the seat could not be kept: the code (e.g. `SEATS_IN_USE` after a lapse,
    /// `OFFLINE`).
    pub problem: Option<String>,
}

impl SeatState {
    fn from_held(held: &HeldSeat) -> SeatState {
        SeatState {
            license_id: Some(held.claims.license_id.clone()),
            seats: held.license.seats_max,
            lease: Some(held.lease.clone()),
            problem: None,
        }
    }
}

/// Holds a seat until dropped.
pub struct SeatGuard {
    state: Arc<Mutex<SeatState>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Checks a seat out with `client` (borrowing it for `borrow_secs` when given) and keeps it;
/// `seat_file` is where the seat is written for other processes.
pub fn hold(client: SeatClient, borrow_secs: Option<i64>, seat_file: Option<PathBuf>) -> Result<SeatGuard, SeatError> {
    let state = Arc::new(Mutex::new(SeatState::default()));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel();
    let kept = state.clone();
    let thread = std::thread::Builder::new()
        .name("keyturn-seat".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            match runtime {
                Ok(runtime) => runtime.block_on(keep(client, borrow_secs, seat_file, kept, ready_tx, stop_rx)),
                Err(e) => drop(ready_tx.send(Err(SeatError::Config(format!("no async runtime: {e}"))))),
            }
        })
        .map_err(|e| SeatError::Config(format!("cannot start the seat's thread: {e}")))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(SeatGuard {
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }),
        Ok(Err(e)) => {
            let _ = thread.join();
            Err(e)
        }
        Err(_) => Err(SeatError::Config("the seat's thread ended".into())),
    }
}

/// [`hold`] for the installed app's vendor config on this device, writing `seat.json` next to
/// the app's state file.
pub fn hold_installed(
    config: &VendorConfig,
    key: LicenseKey,
    borrow_secs: Option<i64>,
) -> Result<SeatGuard, SeatError> {
    let device =
        Device::detect(&config.product_id, &config.fingerprint_env).map_err(|e| SeatError::Config(e.to_string()))?;
    let client = SeatClient::new(config, &device, key)?;
    hold(client, borrow_secs, seat_file(config))
}

/// Where the seat of the installed app is written (None without a data folder).
pub fn seat_file(config: &VendorConfig) -> Option<PathBuf> {
    let state = crate::state_file::state_path(&config.identifier).ok()?;
    Some(state.with_file_name(SEAT_FILE))
}

/// The seat last written by a program holding one (None: none, or it has ended by `now`).
pub fn read_seat(config: &VendorConfig, now: i64) -> Option<SeatState> {
    read_seat_at(&seat_file(config)?, now)
}

/// [`read_seat`] from a seat file of the caller's (e.g. next to a state file elsewhere).
pub fn read_seat_at(seat_file: &std::path::Path, now: i64) -> Option<SeatState> {
    let text = std::fs::read_to_string(seat_file).ok()?;
    let state: SeatState = serde_json::from_str(&text).ok()?;
    state.lease.as_ref().is_some_and(|l| l.ends_at > now).then_some(state)
}

/// Returns a borrowed seat early (any seat this device holds, by the lease in `seat.json`).
pub async fn return_borrowed(config: &VendorConfig, client: &SeatClient) -> Result<bool, SeatError> {
    return_borrowed_at(seat_file(config).as_deref(), client).await
}

/// [`return_borrowed`] with a seat file of the caller's.
pub async fn return_borrowed_at(seat_file: Option<&std::path::Path>, client: &SeatClient) -> Result<bool, SeatError> {
    let Some(lease) = seat_file.and_then(|path| read_seat_at(path, 0)).and_then(|s| s.lease) else {
        return Ok(false);
    };
    client.release(&lease.id).await?;
    if let Some(path) = seat_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(true)
}

impl SeatGuard {
    /// The seat as last known.
    pub fn state(&self) -> SeatState {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for SeatGuard {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn write(seat_file: &Option<PathBuf>, state: &SeatState) {
    let Some(path) = seat_file else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let tmp = path.with_extension("json.tmp");
    if let Ok(text) = serde_json::to_string(state) {
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The seat's thread: checkout, then a heartbeat every third of the lease until told to stop,
/// then release (unless borrowed).
async fn keep(
    client: SeatClient,
    borrow_secs: Option<i64>,
    seat_file: Option<PathBuf>,
    state: Arc<Mutex<SeatState>>,
    ready: std::sync::mpsc::Sender<Result<(), SeatError>>,
    mut stop: oneshot::Receiver<()>,
) {
    let held = match client.checkout(borrow_secs).await {
        Ok(held) => held,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let set = |next: SeatState| {
        write(&seat_file, &next);
        *state.lock().unwrap_or_else(|e| e.into_inner()) = next;
    };
    set(SeatState::from_held(&held));
    let _ = ready.send(Ok(()));
    let mut lease = held.lease;
    loop {
        let every = Duration::from_secs(lease.heartbeat_secs.max(1) as u64);
        tokio::select! {
            _ = &mut stop => break,
            _ = tokio::time::sleep(every) => {}
        }
        match client.heartbeat(&lease.id).await {
            Ok(held) => {
                lease = held.lease.clone();
                set(SeatState::from_held(&held));
            }
            // Ended by staff (or never known): take a seat again when one is free.
            Err(SeatError::Client(e)) if e.code() == Some(keyturn_protocol::Code::LeaseNotFound) => {
                match client.checkout(None).await {
                    Ok(held) => {
                        lease = held.lease.clone();
                        set(SeatState::from_held(&held));
                    }
                    Err(e) => note_problem(&state, &seat_file, &e),
                }
            }
            // Offline or full after a lapse: the lease holds until it ends; try again next time.
            Err(e) => note_problem(&state, &seat_file, &e),
        }
    }
    let borrowed = lease.borrowed && lease.ends_at > now();
    if !borrowed {
        let _ = tokio::time::timeout(Duration::from_secs(10), client.release(&lease.id)).await;
        if let Some(path) = &seat_file {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn note_problem(state: &Arc<Mutex<SeatState>>, seat_file: &Option<PathBuf>, e: &SeatError) {
    let mut held = state.lock().unwrap_or_else(|e| e.into_inner());
    held.problem = Some(e.error_code().as_str().to_owned());
    write(seat_file, &held);
}
