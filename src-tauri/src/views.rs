//! What the UI is sent: plain view structs, camelCase on the wire.

use keyturn_protocol::wire::{LicenseStatus, LicenseSummary, Machine};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub product_name: String,
    pub support_url: Option<String>,
    pub renew_url: Option<String>,
    pub accent_color: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseView {
    pub product_name: String,
    pub status: &'static str,
    pub expires_at: Option<i64>,
    pub seats_used: u32,
    pub seats_max: u32,
    pub device_name: String,
}

impl LicenseView {
    pub fn new(license: &LicenseSummary, device_name: &str) -> Self {
        LicenseView {
            product_name: license.product_name.clone(),
            status: match license.status {
                LicenseStatus::Active => "Active",
                LicenseStatus::Suspended => "Suspended",
                LicenseStatus::Revoked => "Revoked",
            },
            expires_at: license.expires_at,
            seats_used: license.seats_used,
            seats_max: license.seats_max,
            device_name: device_name.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineView {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub last_seen_at: i64,
    pub is_this_device: bool,
}

impl From<&Machine> for MachineView {
    fn from(m: &Machine) -> Self {
        MachineView {
            id: m.id.clone(),
            name: m.name.clone(),
            platform: m.platform.clone(),
            last_seen_at: m.last_seen_at,
            is_this_device: m.is_this_device,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ActivateResult {
    Activated { license: LicenseView },
    LimitReached { license: LicenseView, machines: Vec<MachineView> },
}
