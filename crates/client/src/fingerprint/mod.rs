//! The device fingerprint (DESIGN.md section 2).
//!
//! Components (`cpu`, `disk`, `host`, `mac`, `machine_id`) are read by sources behind
//! [`ComponentSource`]; the fingerprint is an HMAC keyed by the product id ([`hash`]). An override
//! variable (default `KEYTURN_FINGERPRINT`) wins verbatim. [`Device::explain`] says what was found
//! without raw values.

pub mod hash;
pub mod nic;
pub mod sources;
pub mod virt;

pub use sources::{ComponentSource, Fixed, COMPONENTS};
pub use virt::{SystemVirt, VirtSource};

use keyturn_protocol::wire::{ActivateRequest, VirtInfo};
use keyturn_protocol::LicenseKey;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Name shown when the host name is unknown.
pub const UNNAMED_DEVICE: &str = "This computer";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    #[error("{var} is set but is not a usable fingerprint: {reason} (1 to 256 printable characters, no spaces)")]
    InvalidOverride { var: String, reason: String },
    #[error("no hardware component could be read on this device; set {var} to a fixed fingerprint")]
    NoComponents { var: String },
}

/// This device as the license server sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// 64 lowercase hex, or the override verbatim.
    pub fingerprint: String,
    /// Component name -> 64-hex HMAC of its value; absent components are not in the map.
    pub components: BTreeMap<String, String>,
    pub override_in_use: bool,
    pub virt: VirtInfo,
    /// The host name, or "This computer".
    pub name: String,
    /// e.g. "linux-x86_64".
    pub platform: String,
    /// Name of the override variable that was consulted.
    pub override_env: String,
}

/// What `explain()` reports: which components were found, never their values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub encoding_version: u32,
    pub components: Vec<ComponentPresence>,
    pub override_in_use: bool,
    pub override_env: String,
    pub vm: bool,
    pub container: bool,
    #[serde(default)]
    pub virt_kind: Option<String>,
    pub platform: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentPresence {
    pub name: String,
    pub present: bool,
}

/// Reads an environment variable by name.
pub type EnvReader = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Everything detection reads, injectable for tests.
pub struct Probe {
    pub sources: Vec<Box<dyn ComponentSource>>,
    pub virt: Box<dyn VirtSource>,
    /// Reads an environment variable.
    pub env: EnvReader,
    /// The device's display name (host name as reported).
    pub device_name: Option<String>,
    pub platform: String,
}

impl Probe {
    /// The real system.
    pub fn system() -> Probe {
        Probe {
            sources: sources::system_sources(),
            virt: Box::new(SystemVirt::default()),
            env: Box::new(|name| std::env::var(name).ok()),
            device_name: sources::host_name(),
            platform: platform(),
        }
    }
}

/// `<os>-<arch>`, e.g. `linux-x86_64`, `macos-aarch64`, `windows-x86_64`.
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::OS, std::env::consts::ARCH)
}

impl Device {
    /// Reads this device.
    pub fn detect(product_id: &str, override_env: &str) -> Result<Device, FingerprintError> {
        Self::detect_with(&Probe::system(), product_id, override_env)
    }

    /// Reads a device through the given probe.
    pub fn detect_with(probe: &Probe, product_id: &str, override_env: &str) -> Result<Device, FingerprintError> {
        let override_value = match (probe.env)(override_env) {
            Some(v) if v.is_empty() => None, // `VAR=` means unset
            Some(v) => {
                check_override(&v).map_err(|reason| FingerprintError::InvalidOverride {
                    var: override_env.to_owned(),
                    reason,
                })?;
                Some(v)
            }
            None => None,
        };
        let mut raw = BTreeMap::new();
        for source in &probe.sources {
            if let Some(value) = source.read().and_then(|v| sources::clean(&v)) {
                raw.insert(source.name().to_owned(), value);
            }
        }
        let components: BTreeMap<String, String> = raw
            .iter()
            .map(|(name, value)| (name.clone(), hash::component(product_id, name, value)))
            .collect();
        let fingerprint = match &override_value {
            Some(v) => v.clone(),
            None if raw.is_empty() => {
                return Err(FingerprintError::NoComponents {
                    var: override_env.to_owned(),
                })
            }
            None => hash::fingerprint(product_id, &raw),
        };
        let name = probe
            .device_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| UNNAMED_DEVICE.to_owned());
        Ok(Device {
            fingerprint,
            components,
            override_in_use: override_value.is_some(),
            virt: probe.virt.detect(),
            name,
            platform: probe.platform.clone(),
            override_env: override_env.to_owned(),
        })
    }

    /// Which components were found, whether an override or a VM/container is in play. No values.
    pub fn explain(&self) -> Explanation {
        let mut names: Vec<String> = COMPONENTS.iter().map(|s| s.to_string()).collect();
        names.extend(
            self.components
                .keys()
                .filter(|k| !COMPONENTS.contains(&k.as_str()))
                .cloned(),
        );
        Explanation {
            encoding_version: hash::ENCODING_VERSION,
            components: names
                .into_iter()
                .map(|name| ComponentPresence {
                    present: self.components.contains_key(&name),
                    name,
                })
                .collect(),
            override_in_use: self.override_in_use,
            override_env: self.override_env.clone(),
            vm: self.virt.vm,
            container: self.virt.container,
            virt_kind: self.virt.kind.clone(),
            platform: self.platform.clone(),
        }
    }

    /// The activation (and renewal) body for this device.
    /// The trial request for this device and `product_id`.
    pub fn trial_request(&self, product_id: &str) -> keyturn_protocol::wire::TrialRequest {
        keyturn_protocol::wire::TrialRequest {
            product_id: product_id.to_owned(),
            fingerprint: self.fingerprint.clone(),
            components: self.components.clone(),
            name: self.name.clone(),
            platform: self.platform.clone(),
            virt: self.virt.clone(),
        }
    }

    pub fn activate_request(&self, key: &LicenseKey) -> ActivateRequest {
        ActivateRequest {
            key: key.canonical().to_owned(),
            fingerprint: self.fingerprint.clone(),
            components: self.components.clone(),
            name: self.name.clone(),
            platform: self.platform.clone(),
            virt: self.virt.clone(),
        }
    }
}

fn check_override(value: &str) -> Result<(), String> {
    if keyturn_protocol::fingerprint::is_valid(value) {
        return Ok(());
    }
    if value.len() > keyturn_protocol::fingerprint::MAX_LEN {
        Err(format!("it is {} characters long", value.len()))
    } else {
        Err("it contains spaces, control or non-ASCII characters".to_owned())
    }
}

#[cfg(test)]
mod tests;
