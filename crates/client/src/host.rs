//! The host-side check, for the vendor's own program: is this computer licensed, and for what?
//! No Tauri, no window, no network: it reads the same keychain entries and state file as the
//! installed app and runs the same offline verification (pinned key, device, time, rollback).
//!
//! ```no_run
//! let config = keyturn_client::VendorConfig::load("vendor.json".as_ref()).unwrap();
//! let status = keyturn_client::host::check(&config);
//! if status.has_entitlement("pro") {
//!     // turn the Pro features on
//! }
//! ```

use crate::clock::SystemClock;
use crate::config::VendorConfig;
use crate::fingerprint::{Device, FingerprintError};
use crate::flow::FlowError;
use crate::keychain::KeychainSecrets;
use crate::local::{LocalError, LocalLicense};
use crate::secret_cache::CachedSecrets;
use crate::session::Session;
use crate::state_file::{state_path, FileStateStore};
use crate::storage::StoreError;
use crate::ErrorCode;
use keyturn_protocol::wire::LicenseStatus;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The version of [`StatusReport`]'s JSON (`"schema"`): fields are only ever added within one.
pub const SCHEMA: u32 = 1;

/// Why no session could be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Fingerprint(#[from] FingerprintError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Session(#[from] FlowError),
}

impl OpenError {
    pub fn error_code(&self) -> ErrorCode {
        match self {
            OpenError::Fingerprint(_) => ErrorCode::FingerprintUnavailable,
            OpenError::Store(e) => e.error_code(),
            OpenError::Session(_) => ErrorCode::Config,
        }
    }
}

/// The session exactly as the installed app has it: this device, the OS keychain entries of
/// `config.product_id` (answers kept while the state file is unchanged: `secret_cache`), the
/// state file of `config.identifier`, the system clock.
pub fn open_installed(config: VendorConfig) -> Result<Session, OpenError> {
    let device = Device::detect(&config.product_id, &config.fingerprint_env)?;
    let path = state_path(&config.identifier)?;
    let secrets = CachedSecrets::new(KeychainSecrets::new(&config.product_id)?, &path);
    let state = FileStateStore::new(path);
    Ok(Session::new(
        config,
        device,
        Arc::new(secrets),
        Arc::new(state),
        Arc::new(SystemClock),
    )?)
}

/// What `keyturn status --json` prints and host programs read. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    pub schema: u32,
    /// True when this computer holds an activation that checks out now.
    pub licensed: bool,
    /// `VALID` when licensed, else why not (e.g. `NOT_ACTIVATED`, `SUSPENDED`, `CLOCK_ROLLED_BACK`).
    pub code: String,
    /// In words; never a key or a token.
    pub message: Option<String>,
    pub product_id: String,
    pub product_name: String,
    pub license_id: Option<String>,
    pub activation_id: Option<String>,
    /// `ACTIVE`, `SUSPENDED` or `REVOKED`, as last known.
    pub status: Option<LicenseStatus>,
    /// When the license itself expires (`null`: never or unknown).
    pub expires_at: Option<i64>,
    pub entitlements: Vec<String>,
    /// Renew (go online) before this time.
    pub renew_by: Option<i64>,
    /// The activation keeps working without the server until this time.
    pub works_offline_until: Option<i64>,
    pub last_sync: Option<i64>,
    /// A floating seat held by a program on this computer (`keyturn run`, the host API's seat
    /// guard): its license, the seats, the lease (`ends_at`, `borrowed`). Informational: a
    /// floating license is not an activation, so `licensed` does not change with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<crate::seat_guard::SeatState>,
}

impl StatusReport {
    /// The report of an offline check's result.
    pub fn new(config: &VendorConfig, checked: &Result<LocalLicense, LocalError>) -> StatusReport {
        let mut report = StatusReport::unlicensed(config, "VALID", None);
        match checked {
            Ok(held) => {
                let claims = &held.claims;
                report.licensed = true;
                report.license_id = Some(claims.license_id.clone());
                report.activation_id = Some(claims.sub.clone());
                report.status = Some(claims.status);
                report.expires_at = claims.license_expires_at;
                report.entitlements = claims.entitlements.clone();
                report.renew_by = Some(claims.renew_by);
                report.works_offline_until = Some(claims.exp);
                report.last_sync = held.state.last_sync;
                if let Some(license) = &held.state.license {
                    report.product_name = license.product_name.clone();
                }
            }
            Err(e) => {
                report.code = e.error_code().as_str().to_owned();
                report.message = Some(e.to_string());
            }
        }
        report
    }

    /// A report for a computer that is not (or cannot be checked to be) licensed.
    pub fn unlicensed(config: &VendorConfig, code: &str, message: Option<String>) -> StatusReport {
        StatusReport {
            schema: SCHEMA,
            licensed: false,
            code: code.to_owned(),
            message,
            product_id: config.product_id.clone(),
            product_name: config.product_name.clone(),
            license_id: None,
            activation_id: None,
            status: None,
            expires_at: None,
            entitlements: Vec::new(),
            renew_by: None,
            works_offline_until: None,
            last_sync: None,
            seat: None,
        }
    }

    /// True when licensed and the license grants `entitlement`.
    pub fn has_entitlement(&self, entitlement: &str) -> bool {
        self.licensed && self.entitlements.iter().any(|e| e == entitlement)
    }
}

/// The offline check, as the installed app would answer it now.
pub fn check(config: &VendorConfig) -> StatusReport {
    let mut report = match open_installed(config.clone()) {
        Ok(session) => StatusReport::new(config, &session.status()),
        Err(e) => StatusReport::unlicensed(config, e.error_code().as_str(), Some(e.to_string())),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    report.seat = crate::seat_guard::read_seat(config, now);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> VendorConfig {
        let key = keyturn_protocol::token::signing_key_from_seed([5; 32]);
        let public_key = keyturn_protocol::token::public_key_to_string(&key.verifying_key());
        let text = format!(
            r#"{{"product_name":"Acme","product_id":"acme","server_url":"https://lic.example","public_key":"{public_key}"}}"#
        );
        VendorConfig::from_json(&text).unwrap()
    }

    #[test]
    fn an_unlicensed_report_names_why_and_grants_nothing() {
        let report = StatusReport::new(&config(), &Err(LocalError::NotActivated));
        assert!(!report.licensed);
        assert_eq!(report.code, "NOT_ACTIVATED");
        assert!(!report.has_entitlement("pro"));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["schema"], 1);
        assert_eq!(json["product_name"], "Acme");
        assert_eq!(json["entitlements"], serde_json::json!([]));
        let ended = StatusReport::new(&config(), &Err(LocalError::Ended(keyturn_protocol::Code::Suspended)));
        assert_eq!(ended.code, "SUSPENDED");
    }

    #[test]
    fn entitlements_count_only_when_licensed() {
        let mut report = StatusReport::unlicensed(&config(), "VALID", None);
        report.entitlements = vec!["pro".into()];
        assert!(!report.has_entitlement("pro"));
        report.licensed = true;
        assert!(report.has_entitlement("pro") && !report.has_entitlement("export"));
    }
}
