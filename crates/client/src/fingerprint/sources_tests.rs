//! The Linux readers against a fake root, never the real hardware.

use super::*;
use std::os::unix::fs::symlink;

struct FakeRoot(tempfile::TempDir);

impl FakeRoot {
    fn new() -> Self {
        FakeRoot(tempfile::tempdir().unwrap())
    }
    fn path(&self) -> PathBuf {
        self.0.path().to_path_buf()
    }
    fn file(&self, path: &str, text: &str) -> &Self {
        let path = self.0.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        self
    }
    fn dir(&self, path: &str) -> &Self {
        fs::create_dir_all(self.0.path().join(path)).unwrap();
        self
    }
    fn link(&self, path: &str, target: &str) -> &Self {
        let path = self.0.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
        self
    }
}

const SDA: &str = "sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda";

fn sata_root(serial: Option<&str>) -> FakeRoot {
    let root = FakeRoot::new();
    root.file(
        "proc/self/mountinfo",
        "22 27 0:21 / /proc rw - proc proc rw\n27 1 8:2 / / rw,relatime - ext4 /dev/sda2 rw\n",
    )
    .file(&format!("{SDA}/sda2/partition"), "2\n")
    .link("sys/dev/block/8:2", &format!("../../../{SDA}/sda2"))
    .link("sys/block/sda", &format!("../../{SDA}"));
    if let Some(serial) = serial {
        root.file(&format!("{SDA}/device/serial"), &format!("{serial}\n"));
    }
    root
}

#[test]
fn disk_serial_of_the_root_partitions_disk() {
    let root = sata_root(Some("  S3Z9NB0K123456  "));
    assert_eq!(
        DiskSource { root: root.path() }.read().as_deref(),
        Some("S3Z9NB0K123456")
    );
}

#[test]
fn disk_falls_back_to_by_id_then_absent() {
    let root = sata_root(None);
    assert_eq!(DiskSource { root: root.path() }.read(), None);
    root.link("dev/disk/by-id/wwn-0x5002538e40a1b2c3", "../../sda")
        .link(
            "dev/disk/by-id/ata-Samsung_SSD_860_EVO_S3Z9NB0K123456-part2",
            "../../sda2",
        )
        .link("dev/disk/by-id/ata-Samsung_SSD_860_EVO_S3Z9NB0K123456", "../../sda")
        .link("dev/disk/by-id/ata-Other_Disk_X1", "../../sdb");
    assert_eq!(
        DiskSource { root: root.path() }.read().as_deref(),
        Some("ata-Samsung_SSD_860_EVO_S3Z9NB0K123456")
    );
}

#[test]
fn overlay_root_and_placeholder_serials_are_absent() {
    // This micro-VM: `/` is an overlay (device 0:x) and vda's serial is the constant "overlayblk".
    let root = FakeRoot::new();
    root.file("proc/self/mountinfo", "27 1 0:33 / / rw - overlay overlay rw\n")
        .file("sys/block/vda/serial", "overlayblk\n");
    assert_eq!(DiskSource { root: root.path() }.read(), None);
    let root = FakeRoot::new();
    root.file("proc/self/mountinfo", "27 1 254:0 / / rw - ext4 /dev/vda rw\n")
        .dir("sys/devices/virtual/block/vda")
        .file("sys/devices/virtual/block/vda/serial", "overlayblk\n")
        .link("sys/dev/block/254:0", "../../devices/virtual/block/vda")
        .link("sys/block/vda", "../devices/virtual/block/vda");
    assert_eq!(DiskSource { root: root.path() }.read(), None);
    assert_eq!(clean("To Be Filled By O.E.M."), None);
}

#[test]
fn machine_id_is_read_and_normalised() {
    let root = FakeRoot::new();
    assert_eq!(MachineIdSource { root: root.path() }.read(), None);
    root.file("var/lib/dbus/machine-id", "ABCDEF0123\n");
    assert_eq!(
        MachineIdSource { root: root.path() }.read().as_deref(),
        Some("abcdef0123")
    );
    root.file("etc/machine-id", "0123456789abcdef\n");
    assert_eq!(
        MachineIdSource { root: root.path() }.read().as_deref(),
        Some("0123456789abcdef")
    );
    root.file("etc/machine-id", "\n");
    assert_eq!(
        MachineIdSource { root: root.path() }.read().as_deref(),
        Some("abcdef0123")
    );
    root.file("etc/machine-id", "00000000-0000-0000-0000-000000000000\n")
        .file("var/lib/dbus/machine-id", "\n");
    assert_eq!(
        MachineIdSource { root: root.path() }.read(),
        None,
        "firmware placeholder"
    );
}

fn net(root: &FakeRoot, name: &str, mac: &str, physical: bool) {
    root.file(&format!("sys/class/net/{name}/address"), &format!("{mac}\n"));
    if physical {
        root.dir(&format!("sys/class/net/{name}/device"));
    }
}

#[test]
fn mac_of_the_primary_physical_nic() {
    let root = FakeRoot::new();
    net(&root, "lo", "00:00:00:00:00:00", false);
    net(&root, "docker0", "00:1B:21:AA:BB:01", false);
    net(&root, "ifb0", "00:1b:21:aa:bb:07", false);
    net(&root, "wlp2s0", "3c:22:fb:00:00:10", true);
    net(&root, "enp3s0", "3C:22:FB:00:00:11", true);
    let source = MacSource { root: root.path() };
    assert_eq!(source.list().len(), 5);
    assert_eq!(source.read().as_deref(), Some("3c:22:fb:00:00:11"));
}

#[test]
fn micro_vm_nic_with_a_local_mac_is_absent() {
    // This machine: eth0 02:fc:00:00:00:01 (locally administered), ifb0/ifb1 virtual, lo.
    let root = FakeRoot::new();
    net(&root, "eth0", "02:fc:00:00:00:01", true);
    net(&root, "ifb0", "6a:3a:c3:91:97:79", false);
    net(&root, "lo", "00:00:00:00:00:00", false);
    assert_eq!(MacSource { root: root.path() }.read(), None);
}

#[test]
fn fixed_source_and_clean() {
    assert_eq!(Fixed::new("cpu", Some("x")).read().as_deref(), Some("x"));
    assert_eq!(clean(" \0 value\n"), Some("value".into()));
    assert_eq!(clean("   "), None);
}
