//! What the UI is sent: plain view structs, camelCase on the wire. `cargo test` exports them as
//! TypeScript (ts-rs) to ui/src/lib/bindings/, which ui/src/lib/ipc.ts re-exports; CI fails when
//! the checked-in bindings are stale.

use keyturn_client::local::{LocalError, LocalLicense};
use keyturn_protocol::wire::{LicenseStatus, LicenseSummary, Machine, MachinesResponse};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use keyturn_client::ErrorCode;

#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub product_name: String,
    pub support_url: Option<String>,
    pub renew_url: Option<String>,
    pub accent_color: Option<String>,
    pub logo: Option<String>,
    pub app_version: String,
    /// The vendor offers a free trial: Welcome offers to start it.
    pub trial: bool,
    /// The language to show: `en`, `de`, `fr` or `es` (see language.rs).
    pub language: String,
    /// The customer portal (activation without internet), when the vendor config names a server.
    pub portal_url: Option<String>,
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct LicenseView {
    pub product_name: String,
    pub status: LicenseStatusView,
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    pub seats_used: u32,
    pub seats_max: u32,
    pub device_name: String,
    /// A trial license: `expires_at` is when the trial ends.
    pub trial: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub enum LicenseStatusView {
    Active,
    Suspended,
    Revoked,
}

/// Progress of an activation, sent as the `activation-step` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub enum ActivationStep {
    Validating,
    Renewing,
    Activating,
    Verifying,
    Freeing,
}

/// Every failure of a command, as the UI receives it (see error.rs).
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct CommandErrorView {
    pub code: ErrorCode,
    pub message: String,
    pub hint: String,
}

impl LicenseView {
    pub fn new(license: &LicenseSummary, device_name: &str) -> Self {
        LicenseView {
            product_name: license.product_name.clone(),
            status: match license.status {
                LicenseStatus::Active => LicenseStatusView::Active,
                LicenseStatus::Suspended => LicenseStatusView::Suspended,
                LicenseStatus::Revoked => LicenseStatusView::Revoked,
            },
            expires_at: license.expires_at,
            seats_used: license.seats_used,
            seats_max: license.seats_max,
            device_name: device_name.to_string(),
            trial: license.trial,
        }
    }
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct MachineView {
    pub id: String,
    pub name: String,
    pub platform: String,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub last_seen_at: i64,
    pub is_this_device: bool,
    /// The short device tag the portal and the console show too.
    pub tag: String,
}

impl From<&Machine> for MachineView {
    fn from(m: &Machine) -> Self {
        MachineView {
            id: m.id.clone(),
            name: m.name.clone(),
            platform: m.platform.clone(),
            created_at: m.created_at,
            last_seen_at: m.last_seen_at,
            is_this_device: m.is_this_device,
            // A server from before tags: the same rule, applied here.
            tag: if m.tag.is_empty() {
                keyturn_protocol::wire::device_tag(&m.id)
            } else {
                m.tag.clone()
            },
        }
    }
}

pub fn machine_views(machines: &[Machine]) -> Vec<MachineView> {
    machines.iter().map(MachineView::from).collect()
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ActivateResult {
    Activated {
        license: LicenseView,
    },
    LimitReached {
        license: LicenseView,
        machines: Vec<MachineView>,
    },
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct MachinesView {
    pub license: LicenseView,
    /// One page of the bound devices.
    pub machines: Vec<MachineView>,
    /// Cursor of the next page ("Show more"); null on the last page.
    pub next: Option<String>,
}

impl MachinesView {
    pub fn new(response: &MachinesResponse, device_name: &str) -> Self {
        MachinesView {
            license: LicenseView::new(&response.license, device_name),
            machines: machine_views(&response.machines),
            next: response.next.clone(),
        }
    }
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum StatusView {
    NotActivated,
    #[serde(rename_all = "camelCase")]
    Licensed {
        license: Option<LicenseView>,
        device_name: String,
        #[ts(type = "number | null")]
        last_sync: Option<i64>,
        #[ts(type = "number | null")]
        next_sync: Option<i64>,
        #[ts(type = "number")]
        valid_until: i64,
        #[ts(type = "number")]
        seconds_left: i64,
        offline: bool,
    },
    Ended {
        code: ErrorCode,
        message: String,
    },
}

impl StatusView {
    /// Shapes the offline check's answer. Storage failures stay errors (the caller says so).
    pub fn from_local(local: Result<LocalLicense, LocalError>, device_name: &str) -> Result<StatusView, LocalError> {
        match local {
            Ok(held) => Ok(StatusView::Licensed {
                license: held.state.license.as_ref().map(|l| LicenseView::new(l, device_name)),
                device_name: device_name.to_string(),
                last_sync: held.state.last_sync,
                next_sync: held.state.next_renewal,
                valid_until: held.standing.valid_until,
                seconds_left: held.standing.seconds_left,
                offline: held.state.offline,
            }),
            Err(LocalError::NotActivated) => Ok(StatusView::NotActivated),
            Err(e @ (LocalError::Store(_) | LocalError::Config(_))) => Err(e),
            Err(e) => {
                let code = crate::error::CommandError::Local(e);
                Ok(StatusView::Ended {
                    code: code.code(),
                    message: code.to_string(),
                })
            }
        }
    }
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticsView {
    pub text: String,
}

/// "Activate without internet": the request code and the portal (the user saves the code where
/// they choose, through a save dialog).
#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct OfflineRequestView {
    pub code: String,
    pub portal_url: String,
}

/// An error the window showed (the UI keeps the last few): the support report lists them, so
/// support sees what went wrong even before anything was activated.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct SeenErrorView {
    pub code: String,
    pub message: String,
    #[ts(type = "number")]
    pub at: i64,
}

/// A floating seat this computer holds (the dashboard of a floating license). Times are Unix
/// seconds.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct SeatView {
    /// People who can use the product at once.
    pub seats: u32,
    /// The seat is this computer's until then (heartbeats move it on while the app runs).
    #[ts(type = "number")]
    pub ends_at: i64,
    /// Borrowed for a trip: kept without the app or the internet until `ends_at`.
    pub borrowed: bool,
    /// The longest borrow the vendor allows (0: none).
    #[ts(type = "number")]
    pub max_borrow_secs: i64,
    /// Why the seat could not be kept at the last heartbeat (a code), if it could not.
    pub problem: Option<ErrorCode>,
}

impl SeatView {
    /// None when the state holds no lease.
    pub fn from_state(state: &keyturn_client::seat_guard::SeatState) -> Option<SeatView> {
        let lease = state.lease.as_ref()?;
        Some(SeatView {
            seats: state.seats,
            ends_at: lease.ends_at,
            borrowed: lease.borrowed,
            max_borrow_secs: lease.max_borrow_secs,
            problem: state
                .problem
                .as_deref()
                .and_then(|p| ErrorCode::ALL.iter().copied().find(|c| c.as_str() == p)),
        })
    }
}

/// What checking a seat out answered: a seat, or every seat taken (how many, and when the
/// soonest frees up — never who holds them).
#[derive(Debug, Serialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum SeatResult {
    Held {
        seat: SeatView,
    },
    #[serde(rename_all = "camelCase")]
    Full {
        seats: u32,
        #[ts(type = "number | null")]
        next_free_at: Option<i64>,
    },
}
