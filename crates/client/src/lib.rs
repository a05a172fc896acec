//! Keyturn client core: everything an app needs to license a device, without Tauri.
//!
//! * [`config`]: the vendor's config file shipped with the app.
//! * [`fingerprint`]: the device fingerprint, its components and VM/container facts.
//! * [`api`]: the HTTP client of the license server's client endpoints.
//! * [`flow`]: the activation flow (validate → activate/renew → verified token, or seat limit).
//! * [`air_gap`]: activation without internet (request / response / deactivation codes).
//! * [`offline`]: the offline token check (signature, device, product, time, clock rollback).
//! * [`renewal`]: background renewal with exponential backoff and jitter.
//! * [`storage`]: secret and state stores behind traits; [`local`]: the license as stored here.
//! * [`keychain`]: the OS keychain's secret store ([`secret_cache`]: its answers kept while the
//!   state file is unchanged); [`state_file`]: the app's state file.
//! * [`answers`]: the JSON answers of the command line and the C library (one shape for both).
//! * [`host`]: the check for the vendor's own program (same keychain, file and verification).
//! * [`seat`]: floating seats (checkout, heartbeat, release, borrow); [`seat_guard`]: a seat held
//!   while a program runs, released on drop.
//! * [`run`]: `keyturn run -- PROGRAM`: a seat held while the program runs.
//! * [`session`]: one object the app holds: activate, status, renew, deactivate, diagnostics.
//! * [`support_report`]: the support report as text (app, command line and C library).
//! * [`window_lock`]: "the window is open", for `keyturn open --wait`.
//! * [`clock`]: time and jitter behind traits.
//! * [`error`]: the errors of talking to the server (network failures are never license answers).
//! * [`exit_code`]: the result codes the command line exits with and the C library returns.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use keyturn_client::{clock::SystemClock, ActivationOutcome, Device, LicenseKey, Session, VendorConfig};
//! use keyturn_client::{MemorySecretStore, MemoryStateStore};
//! use std::sync::Arc;
//!
//! let config = VendorConfig::load("vendor.json".as_ref())?;
//! let device = Device::detect(&config.product_id, &config.fingerprint_env)?;
//! // The app passes its keychain and tauri-plugin-store implementations here.
//! let session = Session::new(config, device, Arc::new(MemorySecretStore::default()),
//!     Arc::new(MemoryStateStore::default()), Arc::new(SystemClock))?;
//! let key = LicenseKey::parse("7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y5")?; // format errors before any call
//! match session.activate(&key, |step| println!("{step:?}")).await? {
//!     ActivationOutcome::Activated(a) => println!("activated until {}", a.claims.exp),
//!     ActivationOutcome::LimitReached { machines, .. } => {
//!         // Let the user pick one, then:
//!         session.free_and_activate(&key, &machines[0].id, |_| {}).await?;
//!     }
//! }
//! let held = session.status()?; // offline check, every start
//! println!("{} s left offline; renewal due: {}", held.standing.seconds_left, held.standing.renewal_due);
//! session.renew_if_due().await?; // from a background task
//! # Ok(()) }
//! ```

// `ClientError::Server` carries the whole `ErrorBody` (license and machines) by value, as the
// app pattern-matches on it; errors are rare, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod air_gap;
pub mod answers;
pub mod api;
pub mod clock;
pub mod config;
pub mod error;
pub mod error_code;
pub mod exit_code;
pub mod fingerprint;
pub mod flow;
pub mod host;
pub mod keychain;
pub mod local;
pub mod offline;
pub mod renewal;
pub mod run;
pub mod seat;
pub mod seat_guard;
pub mod secret_cache;
pub mod session;
pub mod state_file;
pub mod storage;
pub mod support_report;
pub mod window_lock;

pub use api::{ApiClient, Timeouts};
pub use config::{ConfigError, VendorConfig};
pub use error::ClientError;
pub use error_code::ErrorCode;
pub use fingerprint::{Device, Explanation, FingerprintError};
pub use flow::{activate_device, free_and_retry, Activation, ActivationOutcome, FlowError, FlowStep};
pub use host::StatusReport;
pub use keychain::KeychainSecrets;
pub use offline::{check_token, OfflineError};
pub use renewal::{Backoff, RenewalOutcome, Renewer};
pub use session::{Diagnostics, Session};
pub use state_file::FileStateStore;
pub use storage::{LocalState, MemorySecretStore, MemoryStateStore, Secret, SecretStore, StateStore, StoreError};

pub use ed25519_dalek::VerifyingKey;
pub use keyturn_protocol::wire::{LicenseSummary, Machine, VirtInfo};
pub use keyturn_protocol::{Code, LicenseKey, TokenClaims};
