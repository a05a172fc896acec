//! Choosing the primary physical network interface, deterministically.

/// One network interface as the system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    pub name: String,
    pub mac: [u8; 6],
    /// Backed by hardware (Linux: `/sys/class/net/<if>/device` exists).
    pub physical: bool,
}

/// Name prefixes of virtual, VPN, container and bridge interfaces, never a device's identity.
const SKIPPED_PREFIXES: &[&str] = &[
    "lo",
    "docker",
    "veth",
    "br-",
    "virbr",
    "vmnet",
    "vboxnet",
    "tun",
    "tap",
    "wg",
    "utun",
    "ifb",
    "dummy",
    "bridge",
    "cni",
    "flannel",
    "cali",
    "kube",
    "lxc",
    "lxd",
    "podman",
    "tailscale",
    "zt",
    "ppp",
    "ipsec",
    "gre",
    "sit",
    "ip6tnl",
    "vxlan",
    "awdl",
    "llw",
    "anpi",
    "gif",
    "stf",
    "ap",
    "nordlynx",
    "proton",
];

/// True when the interface can identify the device: not a skipped name, and a globally unique
/// unicast MAC (not all-zero, not multicast, not locally administered).
pub fn is_candidate(nic: &Nic) -> bool {
    let name = nic.name.to_ascii_lowercase();
    if SKIPPED_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return false;
    }
    let first = nic.mac[0];
    nic.mac != [0; 6] && first & 0x01 == 0 && first & 0x02 == 0
}

/// The primary interface: among candidates, hardware-backed ones first, then by name, then by
/// MAC. Link state is deliberately ignored, so unplugging a cable never changes the choice.
pub fn choose_primary(nics: &[Nic]) -> Option<&Nic> {
    nics.iter()
        .filter(|n| is_candidate(n))
        .min_by(|a, b| (!a.physical, &a.name, a.mac).cmp(&(!b.physical, &b.name, b.mac)))
}

/// `aa:bb:cc:dd:ee:ff`, lowercase.
pub fn format_mac(mac: &[u8; 6]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// Parses `aa:bb:cc:dd:ee:ff` (any case).
pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = text.trim().split(':');
    for byte in out.iter_mut() {
        let part = parts.next()?;
        if part.len() != 2 {
            return None;
        }
        *byte = u8::from_str_radix(part, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nic(name: &str, mac: &str, physical: bool) -> Nic {
        Nic {
            name: name.into(),
            mac: parse_mac(mac).unwrap(),
            physical,
        }
    }

    fn typical() -> Vec<Nic> {
        vec![
            nic("lo", "00:00:00:00:00:00", false),
            nic("docker0", "00:1b:21:aa:bb:01", false),
            nic("veth12ab", "00:1b:21:aa:bb:02", false),
            nic("wg0", "00:1b:21:aa:bb:03", false),
            nic("tun0", "00:1b:21:aa:bb:04", false),
            nic("br-5f3e", "00:1b:21:aa:bb:05", false),
            nic("virbr0", "00:1b:21:aa:bb:06", false),
            nic("ifb0", "00:1b:21:aa:bb:07", false),
            nic("eth9", "02:42:ac:11:00:02", true), // locally administered
            nic("wlp2s0", "3c:22:fb:00:00:10", true),
            nic("enp3s0", "3c:22:fb:00:00:11", true),
            nic("usb0", "3c:22:fb:00:00:12", false),
        ]
    }

    #[test]
    fn physical_wired_interface_is_chosen() {
        assert_eq!(choose_primary(&typical()).unwrap().name, "enp3s0");
    }

    #[test]
    fn nic_order_shuffled_gives_the_same_choice() {
        let nics = typical();
        let expected = choose_primary(&nics).unwrap().clone();
        // Every rotation and the reverse of every rotation.
        for i in 0..nics.len() {
            let mut rotated = nics.clone();
            rotated.rotate_left(i);
            assert_eq!(choose_primary(&rotated), Some(&expected));
            rotated.reverse();
            assert_eq!(choose_primary(&rotated), Some(&expected));
        }
    }

    #[test]
    fn docker_veth_vpn_and_local_addresses_are_ignored() {
        let only_virtual: Vec<Nic> = typical()
            .into_iter()
            .filter(|n| !matches!(n.name.as_str(), "wlp2s0" | "enp3s0" | "usb0"))
            .collect();
        assert_eq!(choose_primary(&only_virtual), None);
        for name in [
            "docker0",
            "veth1",
            "wg0",
            "tun0",
            "tap0",
            "utun3",
            "tailscale0",
            "vboxnet0",
            "vmnet8",
        ] {
            assert!(!is_candidate(&nic(name, "3c:22:fb:00:00:01", true)), "{name}");
        }
        assert!(
            !is_candidate(&nic("eth0", "02:00:00:00:00:01", true)),
            "locally administered"
        );
        assert!(!is_candidate(&nic("eth0", "01:00:5e:00:00:01", true)), "multicast");
    }

    #[test]
    fn virtual_but_global_interface_is_a_fallback() {
        let nics = vec![
            nic("usb0", "3c:22:fb:00:00:12", false),
            nic("eth0", "3c:22:fb:00:00:13", false),
        ];
        assert_eq!(choose_primary(&nics).unwrap().name, "eth0");
    }

    #[test]
    fn mac_text_round_trips() {
        assert_eq!(
            format_mac(&parse_mac("3C:22:FB:00:0A:11").unwrap()),
            "3c:22:fb:00:0a:11"
        );
        assert_eq!(parse_mac("3c:22:fb:00:0a"), None);
        assert_eq!(parse_mac("3c:22:fb:00:0a:11:22"), None);
    }
}
