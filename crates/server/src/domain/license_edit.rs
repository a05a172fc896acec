//! Editing what a license says about its owner: name, email, entitlements, metadata (the
//! console's license page). Only the fields sent change. Its query lives in [`LicenseEditTx`].

use super::admin::{find_license, LicenseView};
use super::admin_input::check_license_details;
use super::errors::{ApiError, ApiResult};
use super::leases::admin::staff_view;
use super::leases::tx::LeaseTx;
use super::secrets::KeyHasher;
use super::tx::{LicenseBy, Lock, Tx};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::future::Future;

/// `POST /licenses/{id}/edit`: the fields to change.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseEdit {
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub entitlements: Option<Vec<String>>,
    pub metadata: Option<BTreeMap<String, String>>,
}

/// What a license says about its owner, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub owner_name: String,
    pub owner_email: String,
    pub entitlements: Vec<String>,
    pub metadata: BTreeMap<String, String>,
}

pub trait LicenseEditTx: Tx {
    fn set_license_details(&mut self, id: &str, details: &Details) -> impl Future<Output = ApiResult<()>> + Send;
}

/// Applies the edit; answers the license as it is now and the names of the fields that changed
/// (for the event log, which keeps no owner data).
pub async fn edit(
    tx: &mut (impl LicenseEditTx + LeaseTx),
    hasher: &KeyHasher,
    now: i64,
    id_or_key: &str,
    edit: &LicenseEdit,
) -> ApiResult<(LicenseView, Vec<&'static str>)> {
    let (ctx, _) = find_license(tx, hasher, id_or_key, Lock::ForUpdate).await?;
    let l = &ctx.license;
    let details = Details {
        owner_name: edit
            .owner_name
            .as_deref()
            .map_or_else(|| l.owner_name.clone(), |t| t.trim().to_string()),
        owner_email: edit
            .owner_email
            .as_deref()
            .map_or_else(|| l.owner_email.clone(), |t| t.trim().to_string()),
        entitlements: edit.entitlements.clone().unwrap_or_else(|| l.entitlements.clone()),
        metadata: edit.metadata.clone().unwrap_or_else(|| l.metadata.clone()),
    };
    check_license_details(
        &details.owner_name,
        &details.owner_email,
        details.entitlements.len(),
        details.metadata.len(),
    )?;
    if details
        .entitlements
        .iter()
        .any(|e| e.trim().is_empty() || e.len() > 100)
    {
        return Err(ApiError::bad_request("entitlements are 1 to 100 characters each"));
    }
    let changed: Vec<&'static str> = [
        ("owner_name", details.owner_name != l.owner_name),
        ("owner_email", details.owner_email != l.owner_email),
        ("entitlements", details.entitlements != l.entitlements),
        ("metadata", details.metadata != l.metadata),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    let id = l.id.clone();
    if !changed.is_empty() {
        tx.set_license_details(&id, &details).await?;
    }
    let held = tx
        .license(LicenseBy::Id(&id), Lock::No)
        .await?
        .ok_or_else(|| ApiError::Internal("license vanished".into()))?;
    Ok((staff_view(tx, held, now).await?, changed))
}
