//! VM and container detection, reported with the activation (policies may refuse VMs).

use keyturn_protocol::wire::VirtInfo;
use std::fs;
use std::path::PathBuf;

/// Detects virtualisation. Behind a trait so tests inject a fixed answer.
pub trait VirtSource: Send + Sync {
    fn detect(&self) -> VirtInfo;
}

/// A fixed answer.
impl VirtSource for VirtInfo {
    fn detect(&self) -> VirtInfo {
        self.clone()
    }
}

/// Reads DMI, `/proc/cpuinfo`, container markers and cgroups under `root`; with `cpuid`, also
/// asks the CPU for its hypervisor bit and vendor (x86 only).
#[derive(Debug, Clone)]
pub struct SystemVirt {
    pub root: PathBuf,
    pub cpuid: bool,
}

impl Default for SystemVirt {
    fn default() -> Self {
        SystemVirt {
            root: PathBuf::from("/"),
            cpuid: true,
        }
    }
}

impl VirtSource for SystemVirt {
    fn detect(&self) -> VirtInfo {
        let container = self.container_kind();
        let vm = self.vm_kind();
        VirtInfo {
            vm: vm.is_some(),
            container: container.is_some(),
            kind: container.or(vm).map(str::to_owned),
        }
    }
}

impl SystemVirt {
    fn read(&self, path: &str) -> Option<String> {
        fs::read_to_string(self.root.join(path)).ok()
    }

    fn container_kind(&self) -> Option<&'static str> {
        if self.root.join(".dockerenv").exists() {
            return Some("docker");
        }
        if self.root.join("run/.containerenv").exists() {
            return Some("podman");
        }
        if let Some(env) = self.read("proc/1/environ") {
            for var in env.split('\0') {
                if let Some(kind) = var.strip_prefix("container=") {
                    return Some(match kind {
                        "docker" => "docker",
                        "podman" => "podman",
                        "lxc" => "lxc",
                        "systemd-nspawn" => "systemd-nspawn",
                        _ => "container",
                    });
                }
            }
        }
        let cgroup = self.read("proc/1/cgroup").unwrap_or_default();
        if cgroup.contains("/docker") {
            return Some("docker");
        }
        if cgroup.contains("/kubepods") {
            return Some("kubernetes");
        }
        if cgroup.contains("/lxc") {
            return Some("lxc");
        }
        None
    }

    fn vm_kind(&self) -> Option<&'static str> {
        let dmi = |f: &str| {
            self.read(&format!("sys/class/dmi/id/{f}"))
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        };
        let vendor = dmi("sys_vendor");
        let product = dmi("product_name");
        let from_dmi = match () {
            _ if vendor.contains("qemu") || product.contains("kvm") || product.contains("qemu") => Some("kvm"),
            _ if vendor.contains("vmware") => Some("vmware"),
            _ if vendor.contains("innotek") || product.contains("virtualbox") => Some("oracle"),
            _ if vendor.contains("microsoft") && product.contains("virtual") => Some("microsoft"),
            _ if vendor.contains("xen") => Some("xen"),
            _ if vendor.contains("amazon ec2") => Some("amazon"),
            _ if vendor.contains("google") && product.contains("compute engine") => Some("google"),
            _ if vendor.contains("parallels") => Some("parallels"),
            _ if product.contains("bhyve") => Some("bhyve"),
            _ => None,
        };
        if from_dmi.is_some() {
            return from_dmi;
        }
        if let Some(kind) = self.cpuid.then(cpuid_hypervisor).flatten() {
            return Some(kind);
        }
        if self.read("sys/hypervisor/type").is_some_and(|t| t.trim() == "xen") {
            return Some("xen");
        }
        let cpuinfo = self.read("proc/cpuinfo").unwrap_or_default();
        let hypervisor_flag = cpuinfo
            .lines()
            .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"));
        hypervisor_flag.then_some("vm")
    }
}

/// Kind of hypervisor the CPU reports, if its hypervisor bit is set.
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
pub fn cpuid_hypervisor() -> Option<&'static str> {
    #[cfg(target_arch = "x86")]
    use std::arch::x86::__cpuid;
    #[cfg(target_arch = "x86_64")]
    use std::arch::x86_64::__cpuid;
    #[allow(unused_unsafe)]
    // SAFETY: cpuid is available on every x86_64 CPU and every x86 CPU Rust targets.
    let (leaf1, leaf_hv) = unsafe { (__cpuid(1), __cpuid(0x4000_0000)) };
    if leaf1.ecx & (1 << 31) == 0 {
        return None;
    }
    let mut vendor = [0u8; 12];
    vendor[..4].copy_from_slice(&leaf_hv.ebx.to_le_bytes());
    vendor[4..8].copy_from_slice(&leaf_hv.ecx.to_le_bytes());
    vendor[8..].copy_from_slice(&leaf_hv.edx.to_le_bytes());
    Some(match &vendor {
        b"KVMKVMKVM\0\0\0" | b"Linux KVM Hv" => "kvm",
        b"Microsoft Hv" => "microsoft",
        b"VMwareVMware" => "vmware",
        b"XenVMMXenVMM" => "xen",
        b"TCGTCGTCGTCG" => "qemu",
        b"bhyve bhyve " => "bhyve",
        b"VBoxVBoxVBox" => "oracle",
        b" lrpepyh  vr" => "parallels",
        b"ACRNACRNACRN" => "acrn",
        _ => "vm",
    })
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "x86")))]
pub fn cpuid_hypervisor() -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(files: &[(&str, &str)]) -> (tempfile::TempDir, SystemVirt) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let virt = SystemVirt {
            root: dir.path().to_path_buf(),
            cpuid: false,
        };
        (dir, virt)
    }

    #[test]
    fn bare_metal_is_nothing() {
        let (_d, v) = probe(&[
            ("proc/cpuinfo", "flags\t: fpu sse2\n"),
            ("proc/1/cgroup", "0::/init.scope\n"),
        ]);
        assert_eq!(v.detect(), VirtInfo::default());
    }

    #[test]
    fn dmi_names_the_hypervisor() {
        let (_d, v) = probe(&[
            ("sys/class/dmi/id/sys_vendor", "QEMU\n"),
            ("sys/class/dmi/id/product_name", "Standard PC\n"),
        ]);
        assert_eq!(
            v.detect(),
            VirtInfo {
                vm: true,
                container: false,
                kind: Some("kvm".into())
            }
        );
        let (_d, v) = probe(&[("sys/class/dmi/id/sys_vendor", "VMware, Inc.\n")]);
        assert_eq!(v.detect().kind.as_deref(), Some("vmware"));
    }

    #[test]
    fn cpuinfo_hypervisor_flag_is_a_vm() {
        let (_d, v) = probe(&[("proc/cpuinfo", "flags\t: fpu hypervisor sse2\n")]);
        assert_eq!(
            v.detect(),
            VirtInfo {
                vm: true,
                container: false,
                kind: Some("vm".into())
            }
        );
    }

    #[test]
    fn containers_are_detected_and_named_first() {
        let (_d, v) = probe(&[(".dockerenv", ""), ("proc/cpuinfo", "flags : hypervisor\n")]);
        assert_eq!(
            v.detect(),
            VirtInfo {
                vm: true,
                container: true,
                kind: Some("docker".into())
            }
        );
        let (_d, v) = probe(&[("run/.containerenv", "")]);
        assert_eq!(v.detect().kind.as_deref(), Some("podman"));
        let (_d, v) = probe(&[("proc/1/cgroup", "0::/kubepods/besteffort/pod1\n")]);
        assert_eq!(v.detect().kind.as_deref(), Some("kubernetes"));
    }
}
