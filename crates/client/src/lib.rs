//! Keyturn client core: everything an app needs to license a device, without Tauri.
//!
//! * [`config`]: the vendor's config file shipped with the app.
//! * [`fingerprint`]: the device fingerprint, its components and VM/container facts.
//! * [`api`]: the HTTP client of the license server's client endpoints.
//! * [`flow`]: the activation flow (validate → activate/renew → verified token, or seat limit).
//! * [`offline`]: the offline token check (signature, device, product, time, clock rollback).
//! * [`error`]: the errors of talking to the server (network failures are never license answers).

pub mod api;
pub mod config;
pub mod error;
pub mod fingerprint;
pub mod flow;
pub mod offline;

pub use api::{ApiClient, Timeouts};
pub use config::{ConfigError, VendorConfig};
pub use error::ClientError;
pub use fingerprint::{Device, Explanation, FingerprintError};
pub use flow::{activate_device, free_and_retry, Activation, ActivationOutcome, FlowError, FlowStep};
pub use offline::{check_token, OfflineError};

pub use keyturn_protocol::wire::{LicenseSummary, Machine, VirtInfo};
pub use keyturn_protocol::{Code, LicenseKey, TokenClaims};
pub use ed25519_dalek::VerifyingKey;
