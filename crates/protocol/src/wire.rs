//! Bodies of the client endpoints. All times are Unix seconds (UTC).
//!
//! | call | route | success |
//! |---|---|---|
//! | validate | `POST /v1/validate` | 200 [`ValidateResponse`] (also for non-valid outcomes of an existing key) |
//! | activate | `POST /v1/activations` | 201 [`ActivateResponse`] |
//! | list machines | `POST /v1/machines` ([`MachinesRequest`]) | 200 [`MachinesResponse`] |
//! | renew | `PATCH /v1/activations/{id}` ([`ActivateRequest`], the very same body as the activation) | 200 [`ActivateResponse`] |
//! | deactivate | `POST /v1/activations/{id}/deactivate` ([`DeactivateRequest`]) | 204 |
//! | trial | `POST /v1/trials` ([`TrialRequest`]) | 201 [`TrialResponse`] |
//! | rename this device | `POST /v1/activations/{id}/name` ([`RenameRequest`]) | 200 [`Machine`] |
//!
//! Every failure is an [`ErrorBody`] with a stable [`Code`] and the matching HTTP status.

use crate::code::Code;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Lifecycle status of a license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseStatus {
    Active,
    Suspended,
    Revoked,
}

/// Virtualisation facts reported with an activation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtInfo {
    pub vm: bool,
    pub container: bool,
    /// e.g. "kvm", "docker"; absent when nothing was detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// What a license looks like to its own key holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSummary {
    pub id: String,
    pub product_id: String,
    pub product_name: String,
    pub policy_name: String,
    pub status: LicenseStatus,
    #[serde(default)]
    pub expires_at: Option<i64>,
    pub seats_used: u32,
    pub seats_max: u32,
    #[serde(default)]
    pub entitlements: Vec<String>,
    /// A trial license (started with `POST /v1/trials`); `expires_at` is its end.
    #[serde(default)]
    pub trial: bool,
}

/// A device bound to a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// True when this machine's fingerprint is the caller's.
    pub is_this_device: bool,
    /// A short, stable tag that tells this device from others of the same name
    /// ([`device_tag`] of `id`); the app, the portal and the console all show it.
    #[serde(default)]
    pub tag: String,
}

/// How many characters of an activation id make its device tag: 6 of a 32-letter alphabet are
/// 30 bits, so two devices of one license share a tag about once in a billion.
pub const DEVICE_TAG_LEN: usize = 6;

/// The device tag of an activation id: the first [`DEVICE_TAG_LEN`] letters or digits after its
/// prefix (`act_k3q9xz…` → `K3Q9XZ`), upper-cased so it reads well aloud and on the phone.
pub fn device_tag(activation_id: &str) -> String {
    let body = activation_id.split_once('_').map_or(activation_id, |(_, rest)| rest);
    body.chars()
        .filter(char::is_ascii_alphanumeric)
        .take(DEVICE_TAG_LEN)
        .collect::<String>()
        .to_ascii_uppercase()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    pub key: String,
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidateResponse {
    pub valid: bool,
    /// `VALID`, `FINGERPRINT_NOT_FOUND`, `SUSPENDED`, `REVOKED`, `EXPIRED`, `OVERDUE`, `FINGERPRINT_BLOCKED`.
    pub code: Code,
    pub message: String,
    pub license: LicenseSummary,
    /// The activation of this fingerprint, when there is one.
    #[serde(default)]
    pub activation_id: Option<String>,
}

/// Activation body. Renew takes the very same body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    pub key: String,
    pub fingerprint: String,
    /// Per-component hashes (component name -> 64-hex), for fuzzy matching.
    #[serde(default)]
    pub components: BTreeMap<String, String>,
    /// A human name for the device, e.g. the hostname.
    #[serde(default)]
    pub name: String,
    /// e.g. "linux-x86_64".
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub virt: VirtInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateResponse {
    pub machine: Machine,
    /// Signed activation token, see [`crate::token`].
    pub token: String,
    pub license: LicenseSummary,
}

/// Machines per page of a listing when the caller does not say.
pub const MACHINES_PAGE_DEFAULT: u32 = 100;
/// The largest page of a machine listing.
pub const MACHINES_PAGE_MAX: u32 = 500;
/// How many machines a `MACHINE_LIMIT_EXCEEDED` answer carries at most (the most stale first).
pub const LIMIT_MACHINES_SHOWN: u32 = 20;

/// One page of the license's machines, oldest activation first. Clients that send neither
/// `limit` nor `after` get the first [`MACHINES_PAGE_DEFAULT`] machines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachinesRequest {
    pub key: String,
    /// The caller's fingerprint, to mark `is_this_device`.
    #[serde(default)]
    pub fingerprint: Option<String>,
    /// Page size, 1 to [`MACHINES_PAGE_MAX`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The `next` cursor of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachinesResponse {
    pub machines: Vec<Machine>,
    /// `license.seats_used` is the number of machines in all pages.
    pub license: LicenseSummary,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeactivateRequest {
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrialRequest {
    pub product_id: String,
    pub fingerprint: String,
    #[serde(default)]
    pub components: BTreeMap<String, String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub virt: VirtInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialResponse {
    /// The trial license key, shown to nobody but this device.
    pub key: String,
    pub machine: Machine,
    pub token: String,
    pub license: LicenseSummary,
}

/// The longest device name, in characters (what the app, the portal and the console can show).
pub const DEVICE_NAME_MAX_CHARS: usize = 64;

/// A device name as it is kept: trimmed, 1 to [`DEVICE_NAME_MAX_CHARS`] characters, no control
/// characters (a line break or an escape would garble the lists that show it). `None` when the
/// name cannot be used (`INVALID_DEVICE_NAME`). Client and server both check with this, so the
/// app refuses what the server would, before any call.
pub fn device_name(name: &str) -> Option<String> {
    let name = name.trim();
    let chars = name.chars().count();
    let fits = (1..=DEVICE_NAME_MAX_CHARS).contains(&chars);
    (fits && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

/// Renames a device: only the device that holds the activation (the key of its license and its
/// fingerprint) may. Answers the renamed [`Machine`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    pub key: String,
    pub fingerprint: String,
    /// The new name, checked by [`device_name`].
    pub name: String,
}

/// Every error answer: `{code, message}`, plus context for the codes that carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: Code,
    pub message: String,
    /// With `MACHINE_LIMIT_EXCEEDED`: machines bound to the license, so one can be freed: at most
    /// [`LIMIT_MACHINES_SHOWN`], the longest unseen first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machines: Option<Vec<Machine>>,
    /// With `MACHINE_LIMIT_EXCEEDED`: how many machines are bound in all (`machines` may be fewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machines_total: Option<u32>,
    /// With license outcomes: the license as its key holder may see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<LicenseSummary>,
    /// With `SEATS_IN_USE`: when the soonest lease ends (Unix seconds); the seat count is the
    /// license's `seats_max`. Never who holds the seats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_free_at: Option<i64>,
}

impl ErrorBody {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
            machines: None,
            machines_total: None,
            license: None,
            next_free_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activate_request_refuses_unknown_fields() {
        let err = serde_json::from_str::<ActivateRequest>(r#"{"key":"K","fingerprint":"F","admin":true}"#);
        assert!(err.is_err());
    }

    #[test]
    fn error_body_omits_absent_context() {
        let json = serde_json::to_value(ErrorBody::new(Code::NotFound, "no such key")).unwrap();
        assert_eq!(json, serde_json::json!({"code": "NOT_FOUND", "message": "no such key"}));
    }

    #[test]
    fn device_names_are_trimmed_bounded_and_printable() {
        assert_eq!(device_name("  Studio PC \t").as_deref(), Some("Studio PC"));
        assert_eq!(device_name("Büro-Rechner ✓").as_deref(), Some("Büro-Rechner ✓"));
        assert_eq!(device_name(&"é".repeat(64)).map(|n| n.chars().count()), Some(64));
        assert_eq!(device_name(&"é".repeat(65)), None);
        for bad in ["", "   ", "two\nlines", "bell\u{7}", "esc\u{1b}[31m", "nul\0"] {
            assert_eq!(device_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn device_tag_is_the_start_of_the_id_after_its_prefix() {
        assert_eq!(device_tag("act_k3q9xzabcdefghjkmnpq"), "K3Q9XZ");
        assert_eq!(device_tag("act_ab"), "AB");
        assert_eq!(device_tag("custom-id-42"), "CUSTOM");
        assert_eq!(
            device_tag("act_k3q9xz0000"),
            device_tag("act_k3q9xz1111"),
            "stable: only the start counts"
        );
    }
}
