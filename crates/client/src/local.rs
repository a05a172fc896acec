//! The license as this device holds it: saving an activation, checking the stored token
//! offline (and moving "last seen" forward), forgetting it.

use crate::config::{ConfigError, VendorConfig};
use crate::fingerprint::Device;
use crate::flow::Activation;
use crate::offline::{self, OfflineError, Standing};
use crate::storage::{LocalState, Secret, SecretStore, StateStore, StoreError};
use crate::ErrorCode;
use keyturn_protocol::{Code, LicenseKey, TokenClaims};

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("this computer is not activated")]
    NotActivated,
    /// The server ended this device's license at the last sync (suspended, revoked, freed...).
    #[error("the license server ended this activation ({0})")]
    Ended(Code),
    #[error(transparent)]
    Offline(#[from] OfflineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl LocalError {
    pub fn code(&self) -> Option<Code> {
        match self {
            LocalError::Ended(code) => Some(*code),
            _ => None,
        }
    }

    /// The stable code the app, the command line and host programs report.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            LocalError::NotActivated => ErrorCode::NotActivated,
            LocalError::Ended(code) => (*code).into(),
            LocalError::Offline(e) => e.error_code(),
            LocalError::Store(e) => e.error_code(),
            LocalError::Config(_) => ErrorCode::Config,
        }
    }
}

/// A stored token that checks out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalLicense {
    pub claims: TokenClaims,
    pub standing: Standing,
    pub state: LocalState,
}

/// Codes after which the device's activation no longer stands.
pub fn ends_validity(code: Code) -> bool {
    matches!(
        code,
        Code::Suspended
            | Code::Revoked
            | Code::Expired
            | Code::Overdue
            | Code::NotFound
            | Code::ActivationNotFound
            | Code::AutoReleased
            | Code::FingerprintMismatch
            | Code::FingerprintBlocked
            | Code::VmNotAllowed
    )
}

/// Keeps a fresh activation: key and token as secrets, the rest as state.
pub fn save_activation(
    activation: &Activation,
    key: &LicenseKey,
    server_url: &str,
    secrets: &dyn SecretStore,
    state: &dyn StateStore,
    now: i64,
) -> Result<LocalState, StoreError> {
    secrets.set(Secret::LicenseKey, key.canonical())?;
    secrets.set(Secret::Token, &activation.token)?;
    state.update(&mut |local| {
        local.server_url = Some(server_url.to_owned());
        local.activation_id = Some(activation.machine.id.clone());
        local.last_seen = Some(offline::advance_last_seen(local.last_seen, now));
        local.last_sync = Some(now);
        local.next_renewal = Some(activation.claims.renew_by);
        local.renewal_failures = 0;
        local.record_code(Code::Valid, now);
        local.last_error = None;
        local.license = Some(activation.license.clone());
        local.offline = false;
        local.device_name = Some(activation.machine.name.clone()).filter(|n| !n.is_empty());
        // The key stored now is a node-locked license's.
        local.floating_key = false;
    })
}

/// Checks the stored token at `now` and, when it checks out, moves "last seen" forward.
pub fn check_local(
    config: &VendorConfig,
    device: &Device,
    secrets: &dyn SecretStore,
    state: &dyn StateStore,
    now: i64,
) -> Result<LocalLicense, LocalError> {
    let local = state.load()?;
    let Some(token) = secrets.get(Secret::Token)? else {
        return Err(match local.last_code {
            Some(code) if ends_validity(code) => LocalError::Ended(code),
            _ => LocalError::NotActivated,
        });
    };
    let key = config.pinned_keys()?;
    let claims = offline::check_token(
        &token,
        &key,
        &device.fingerprint,
        &config.product_id,
        now,
        local.last_seen,
    )?;
    // Nothing to write when "last seen" is already now and the state names the activation: a
    // program asking many times a second reads only (no lock, no write).
    let unchanged =
        local.last_seen == Some(offline::advance_last_seen(local.last_seen, now)) && local.activation_id.is_some();
    let local = if unchanged {
        local
    } else {
        state.update(&mut |local| {
            local.last_seen = Some(offline::advance_last_seen(local.last_seen, now));
            if local.activation_id.is_none() {
                // The state was lost (e.g. a damaged file set aside) but the keychain holds this
                // device's verified token: it names the activation, so renewal works again; renewing
                // at once brings back the license summary.
                local.activation_id = Some(claims.sub.clone());
                local.server_url.get_or_insert_with(|| config.server_url.clone());
                local.next_renewal = Some(now);
            }
        })?
    };
    Ok(LocalLicense {
        standing: offline::standing(&claims, now),
        claims,
        state: local,
    })
}

/// The stored license key, if any.
pub fn stored_key(secrets: &dyn SecretStore) -> Result<Option<LicenseKey>, StoreError> {
    match secrets.get(Secret::LicenseKey)? {
        Some(text) => LicenseKey::parse(&text)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("stored key: {e}"))),
        None => Ok(None),
    }
}

/// Forgets this device's activation (after deactivating it); with `forget_key`, the key too.
pub fn forget(secrets: &dyn SecretStore, state: &dyn StateStore, forget_key: bool) -> Result<(), StoreError> {
    secrets.delete(Secret::Token)?;
    if forget_key {
        secrets.delete(Secret::LicenseKey)?;
    }
    state.update(&mut |local| {
        local.activation_id = None;
        local.next_renewal = None;
        // The name belonged to the activation; a new one starts from the hostname again.
        local.device_name = None;
        local.renewal_failures = 0;
        if forget_key {
            local.floating_key = false;
        }
    })?;
    Ok(())
}
