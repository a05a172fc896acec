//! Renaming a device ("Rename this computer"): the name its activation shows on the seat-limit
//! screen, in the app, the portal and the console. Only the device that holds the activation
//! may rename it: the key of its license and the activation's own fingerprint.
//!
//! Its one query lives in [`RenameTx`] (implemented in `store/sqlite/rename.rs` and
//! `store/postgres/rename.rs`), beside [`Tx`] rather than in it.

use super::errors::{ApiError, ApiResult};
use super::model;
use super::rules;
use super::tx::{LicenseBy, Lock, Tx};
use keyturn_protocol::wire::{self, Machine};
use keyturn_protocol::Code;
use std::future::Future;

/// The query renaming needs on top of [`Tx`].
pub trait RenameTx: Tx {
    /// Sets the name of the license's activation `id`; how many rows changed (0 or 1).
    fn set_activation_name(
        &mut self,
        license_id: &str,
        id: &str,
        name: &str,
    ) -> impl Future<Output = ApiResult<u64>> + Send;
}

/// What a rename did, for the answer and the event log.
#[derive(Debug, Clone)]
pub struct Renamed {
    pub license_id: String,
    pub old_name: String,
    /// The device as it is now (`is_this_device`: always, it is the caller).
    pub machine: Machine,
}

/// The name as it will be kept, or `INVALID_DEVICE_NAME`.
pub fn checked_name(name: &str) -> ApiResult<String> {
    wire::device_name(name).ok_or_else(|| {
        ApiError::new(
            Code::InvalidDeviceName,
            format!(
                "a device name is 1 to {} characters without line breaks or other control characters",
                wire::DEVICE_NAME_MAX_CHARS
            ),
        )
    })
}

/// Renames the activation `activation_id` of the key's license, asked by the device with
/// `fingerprint`. Refusals, in order: a bad name; no license with this key (`NOT_FOUND`); no
/// such activation on this license, which includes another license's (`ACTIVATION_NOT_FOUND`);
/// another device's activation (`FINGERPRINT_MISMATCH`); a license not usable now (its status
/// code, as renew answers).
pub async fn rename(
    tx: &mut impl RenameTx,
    now: i64,
    key_hash: &str,
    activation_id: &str,
    fingerprint: &str,
    name: &str,
) -> ApiResult<Renamed> {
    let name = checked_name(name)?;
    let (ctx, _) = tx
        .license(LicenseBy::KeyHash(key_hash), Lock::No)
        .await?
        .ok_or_else(|| ApiError::not_found("no license has this key"))?;
    let activation = tx
        .activation_by_id(&ctx.license.id, activation_id)
        .await?
        .ok_or_else(|| ApiError::new(Code::ActivationNotFound, "this activation does not exist (any more)"))?;
    if activation.fingerprint != fingerprint {
        return Err(ApiError::new(
            Code::FingerprintMismatch,
            "only the device that holds this activation may rename it",
        ));
    }
    if let Some((code, message)) = rules::license_problem(&ctx.license, now) {
        return Err(ApiError::new(code, message));
    }
    if tx.set_activation_name(&ctx.license.id, &activation.id, &name).await? == 0 {
        // Freed between the read and the write (PostgreSQL; SQLite's one writer cannot race).
        return Err(ApiError::new(
            Code::ActivationNotFound,
            "this activation does not exist (any more)",
        ));
    }
    tracing::debug!(activation = %activation.id, license = %ctx.license.id, "renamed");
    let old_name = activation.name.clone();
    let renamed = model::Activation { name, ..activation };
    Ok(Renamed {
        license_id: ctx.license.id,
        old_name,
        machine: model::machine(&renamed, Some(fingerprint)),
    })
}
