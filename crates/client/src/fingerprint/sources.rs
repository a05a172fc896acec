//! Where the components come from. Each source is behind [`ComponentSource`] so tests inject
//! fakes; the Linux file readers take a root directory so tests point them at a fake `/sys`.

use super::nic::{self, Nic};
use std::fs;
use std::path::{Path, PathBuf};

/// The component names, in the order `explain()` lists them.
pub const COMPONENTS: [&str; 5] = ["cpu", "disk", "host", "mac", "machine_id"];

/// Reads one component. `None` means absent (never an empty string).
pub trait ComponentSource: Send + Sync {
    fn name(&self) -> &str;
    fn read(&self) -> Option<String>;
}

/// A fixed value, for tests and for embedding apps that know better.
#[derive(Debug, Clone)]
pub struct Fixed {
    pub name: String,
    pub value: Option<String>,
}

impl Fixed {
    pub fn new(name: &str, value: Option<&str>) -> Self {
        Fixed {
            name: name.to_owned(),
            value: value.map(str::to_owned),
        }
    }
}

impl ComponentSource for Fixed {
    fn name(&self) -> &str {
        &self.name
    }
    fn read(&self) -> Option<String> {
        self.value.clone()
    }
}

/// Trims; an empty or placeholder value is absent.
pub fn clean(value: &str) -> Option<String> {
    let value = value.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    const PLACEHOLDERS: &[&str] = &[
        "",
        "none",
        "unknown",
        "default string",
        "to be filled by o.e.m.",
        "not specified",
        "system serial number",
        "0",
        "00000000",
        "0000000000000000",
        "123456789",
        "overlayblk",
    ];
    if PLACEHOLDERS.contains(&value.to_ascii_lowercase().as_str()) {
        return None;
    }
    Some(value.to_owned())
}

fn read_trimmed(path: &Path) -> Option<String> {
    clean(&fs::read_to_string(path).ok()?)
}

/// `cpu`: the CPU brand, via sysinfo refreshing only the CPU list (never a full system refresh).
#[derive(Debug, Default)]
pub struct CpuSource;

impl ComponentSource for CpuSource {
    fn name(&self) -> &str {
        "cpu"
    }
    fn read(&self) -> Option<String> {
        use sysinfo::{CpuRefreshKind, RefreshKind, System};
        let mut system = System::new_with_specifics(RefreshKind::nothing()).ok()?;
        system.refresh_cpu_list(CpuRefreshKind::nothing());
        let cpu = system.cpus().first()?;
        let brand = clean(cpu.brand()).or_else(|| clean(cpu.vendor_id()))?;
        // Collapse runs of spaces some firmware pads the brand string with.
        Some(brand.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// `host`: the host name, lowercased (host names are case-insensitive).
#[derive(Debug, Default)]
pub struct HostSource;

impl ComponentSource for HostSource {
    fn name(&self) -> &str {
        "host"
    }
    fn read(&self) -> Option<String> {
        host_name().map(|h| h.to_ascii_lowercase())
    }
}

/// The host name as the system reports it.
pub fn host_name() -> Option<String> {
    clean(&sysinfo::System::host_name().ok()?)
}

/// `machine_id`: `/etc/machine-id` (or the D-Bus copy) on Linux and the BSDs; elsewhere the
/// platform's UUID through sysinfo (macOS: IOPlatformUUID; Windows: the SMBIOS system UUID).
#[derive(Debug)]
pub struct MachineIdSource {
    pub root: PathBuf,
}

impl ComponentSource for MachineIdSource {
    fn name(&self) -> &str {
        "machine_id"
    }
    fn read(&self) -> Option<String> {
        let from_files = ["etc/machine-id", "var/lib/dbus/machine-id"]
            .iter()
            .find_map(|p| read_trimmed(&self.root.join(p)));
        let id = match from_files {
            Some(id) => id,
            None if cfg!(any(target_os = "macos", target_os = "windows")) => clean(&sysinfo::Product::uuid().ok()?)?,
            None => return None,
        };
        // An all-zero or all-F UUID is a firmware placeholder.
        let hex: String = id.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        if !hex.is_empty() && (hex.bytes().all(|b| b == b'0') || hex.bytes().all(|b| b == b'f' || b == b'F')) {
            return None;
        }
        Some(id.to_ascii_lowercase())
    }
}

/// `disk`: the serial of the disk holding the system volume (Linux sysfs, then `/dev/disk/by-id`).
#[derive(Debug)]
pub struct DiskSource {
    pub root: PathBuf,
}

impl ComponentSource for DiskSource {
    fn name(&self) -> &str {
        "disk"
    }
    fn read(&self) -> Option<String> {
        let disk = self.root_disk()?;
        let block = self.root.join("sys/block").join(&disk);
        ["device/serial", "serial", "device/wwid", "wwid"]
            .iter()
            .find_map(|p| read_trimmed(&block.join(p)))
            .or_else(|| self.by_id(&disk))
    }
}

impl DiskSource {
    /// The whole-disk name (e.g. `nvme0n1`, `sda`) behind the `/` mount.
    fn root_disk(&self) -> Option<String> {
        let mountinfo = fs::read_to_string(self.root.join("proc/self/mountinfo")).ok()?;
        // Fields: id parent major:minor root mount-point ...
        let dev = mountinfo.lines().find_map(|line| {
            let mut f = line.split_whitespace();
            let (_, _, dev, _, mount) = (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
            (mount == "/").then(|| dev.to_owned())
        })?;
        if dev.starts_with("0:") {
            return None; // overlay, tmpfs, btrfs subvolume without a block device
        }
        let resolved = fs::canonicalize(self.root.join("sys/dev/block").join(&dev)).ok()?;
        // A partition's directory has a `partition` file; its parent is the disk.
        let disk_dir = if resolved.join("partition").exists() {
            resolved.parent()?.to_path_buf()
        } else {
            resolved
        };
        // Device-mapper and the like: take the first slave disk.
        let name = disk_dir.file_name()?.to_str()?.to_owned();
        let slaves = disk_dir.join("slaves");
        if let Ok(entries) = fs::read_dir(&slaves) {
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .collect();
            names.sort();
            if let Some(first) = names.first() {
                let slave = fs::canonicalize(slaves.join(first)).ok()?;
                let slave = if slave.join("partition").exists() {
                    slave.parent()?.to_path_buf()
                } else {
                    slave
                };
                return slave.file_name()?.to_str().map(str::to_owned);
            }
        }
        Some(name)
    }

    fn by_id(&self, disk: &str) -> Option<String> {
        let dir = self.root.join("dev/disk/by-id");
        let mut ids: Vec<String> = fs::read_dir(&dir)
            .ok()?
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| !n.contains("-part") && !n.starts_with("wwn-") && !n.starts_with("nvme-eui"))
            .filter(|n| {
                fs::read_link(dir.join(n))
                    .ok()
                    .and_then(|t| t.file_name().map(|f| f == disk))
                    .unwrap_or(false)
            })
            .collect();
        ids.sort();
        ids.into_iter().next()
    }
}

/// `mac`: the MAC of the primary physical interface ([`nic::choose_primary`]).
#[derive(Debug)]
pub struct MacSource {
    pub root: PathBuf,
}

impl ComponentSource for MacSource {
    fn name(&self) -> &str {
        "mac"
    }
    fn read(&self) -> Option<String> {
        let nics = self.list();
        nic::choose_primary(&nics).map(|n| nic::format_mac(&n.mac))
    }
}

impl MacSource {
    /// Every interface with a MAC. Linux reads `/sys/class/net`; elsewhere the `mac_address`
    /// crate's default interface is the only one known (treated as physical).
    pub fn list(&self) -> Vec<Nic> {
        let net = self.root.join("sys/class/net");
        if let Ok(entries) = fs::read_dir(&net) {
            return entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    let dir = net.join(&name);
                    let mac = nic::parse_mac(&fs::read_to_string(dir.join("address")).ok()?)?;
                    Some(Nic {
                        name,
                        mac,
                        physical: dir.join("device").exists(),
                    })
                })
                .collect();
        }
        if cfg!(target_os = "linux") {
            return Vec::new();
        }
        portable_nics()
    }
}

/// Every interface through the `mac_address` crate (macOS, Windows, BSD). Whether a card is
/// hardware is not known there: all count as physical, the name rules still apply.
fn portable_nics() -> Vec<Nic> {
    let Ok(macs) = mac_address::MacAddressIterator::new() else {
        return Vec::new();
    };
    let mut nics: Vec<Nic> = macs
        .filter_map(|mac| {
            let name = mac_address::name_by_mac_address(&mac).ok().flatten()?;
            Some(Nic {
                name,
                mac: mac.bytes(),
                physical: true,
            })
        })
        .collect();
    nics.dedup();
    nics
}

/// The real sources of this system.
pub fn system_sources() -> Vec<Box<dyn ComponentSource>> {
    let root = PathBuf::from("/");
    vec![
        Box::new(CpuSource),
        Box::new(DiskSource { root: root.clone() }),
        Box::new(HostSource),
        Box::new(MacSource { root: root.clone() }),
        Box::new(MachineIdSource { root }),
    ]
}

#[cfg(test)]
#[path = "sources_tests.rs"]
mod tests;
