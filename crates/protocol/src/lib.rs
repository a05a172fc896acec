//! Keyturn's contract between the license server and its clients.
//!
//! * [`code`]: every stable answer code (`VALID`, `MACHINE_LIMIT_EXCEEDED`, ...).
//! * [`wire`]: request and response bodies of the client endpoints.
//! * [`lease`]: floating seats: checkout, heartbeat, release, borrow.
//! * [`key`]: the license key format (grouped, unambiguous alphabet, check characters).
//! * [`token`]: the signed activation token (compact JWS, EdDSA / Ed25519).
//! * [`fingerprint`]: what a valid fingerprint string looks like.
//! * [`offline`]: offline activation request / response and deactivation codes.
//!
//! serde and crypto only: no I/O, no clock, no randomness source.

pub mod code;
pub mod fingerprint;
pub mod key;
pub mod lease;
pub mod offline;
pub mod token;
pub mod wire;

pub use code::Code;
pub use key::{KeyFormatError, LicenseKey};
pub use token::{TokenClaims, TokenError};
