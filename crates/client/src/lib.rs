//! Keyturn client core: everything an app needs to license a device, without Tauri.
//!
//! * [`config`]: the vendor's config file shipped with the app.
//! * [`fingerprint`]: the device fingerprint, its components and VM/container facts.
//! * [`api`]: the HTTP client of the license server's client endpoints.
//! * [`flow`]: the activation flow (validate → activate/renew → verified token, or seat limit).
//! * [`offline`]: the offline token check (signature, device, product, time, clock rollback).
//! * [`renewal`]: background renewal with exponential backoff and jitter.
//! * [`storage`]: secret and state stores behind traits; [`local`]: the license as stored here.
//! * [`session`]: one object the app holds: activate, status, renew, deactivate, diagnostics.
//! * [`clock`]: time and jitter behind traits.
//! * [`error`]: the errors of talking to the server (network failures are never license answers).

// `ClientError::Server` carries the whole `ErrorBody` (license and machines) by value, as the
// app pattern-matches on it; errors are rare, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod clock;
pub mod config;
pub mod error;
pub mod fingerprint;
pub mod flow;
pub mod local;
pub mod offline;
pub mod renewal;
pub mod session;
pub mod storage;

pub use api::{ApiClient, Timeouts};
pub use config::{ConfigError, VendorConfig};
pub use error::ClientError;
pub use fingerprint::{Device, Explanation, FingerprintError};
pub use flow::{activate_device, free_and_retry, Activation, ActivationOutcome, FlowError, FlowStep};
pub use offline::{check_token, OfflineError};
pub use renewal::{Backoff, RenewalOutcome, Renewer};
pub use session::{Diagnostics, Session};
pub use storage::{LocalState, MemorySecretStore, MemoryStateStore, Secret, SecretStore, StateStore, StoreError};

pub use keyturn_protocol::wire::{LicenseSummary, Machine, VirtInfo};
pub use keyturn_protocol::{Code, LicenseKey, TokenClaims};
pub use ed25519_dalek::VerifyingKey;
