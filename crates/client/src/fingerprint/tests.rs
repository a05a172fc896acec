use super::*;

const PRODUCT: &str = "prod_test";
const ENV: &str = "KEYTURN_FINGERPRINT";

fn values() -> Vec<(&'static str, Option<&'static str>)> {
    vec![
        ("cpu", Some("AMD EPYC 7B13")),
        ("disk", Some("S3Z9NB0K123456")),
        ("host", Some("alice-laptop")),
        ("mac", Some("3c:22:fb:00:00:11")),
        ("machine_id", Some("0123456789abcdef0123456789abcdef")),
    ]
}

fn probe_with(values: &[(&str, Option<&str>)], env: Option<&str>) -> Probe {
    let env = env.map(str::to_owned);
    Probe {
        sources: values
            .iter()
            .map(|(n, v)| Box::new(Fixed::new(n, *v)) as Box<dyn ComponentSource>)
            .collect(),
        virt: Box::new(VirtInfo::default()),
        env: Box::new(move |name| if name == ENV { env.clone() } else { None }),
        device_name: Some("alice-laptop".into()),
        platform: "linux-x86_64".into(),
    }
}

fn detect(values: &[(&str, Option<&str>)]) -> Device {
    Device::detect_with(&probe_with(values, None), PRODUCT, ENV).unwrap()
}

#[test]
fn same_inputs_give_the_same_fingerprint_across_runs() {
    let a = detect(&values());
    let b = detect(&values());
    assert_eq!(a, b);
    assert_eq!(a.fingerprint.len(), 64);
    assert!(a.fingerprint.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
    assert_eq!(a.components.len(), 5);
    assert!(!a.override_in_use);
}

#[test]
fn one_component_changed_changes_the_fingerprint_but_not_the_other_hashes() {
    let base = detect(&values());
    for i in 0..values().len() {
        let mut changed = values();
        changed[i].1 = Some("something else");
        let other = detect(&changed);
        assert_ne!(
            other.fingerprint, base.fingerprint,
            "changing {} must change the fingerprint",
            changed[i].0
        );
        for (name, hash) in &base.components {
            if name == changed[i].0 {
                assert_ne!(&other.components[name], hash);
            } else {
                assert_eq!(
                    &other.components[name], hash,
                    "{name} hash moved when {} changed",
                    changed[i].0
                );
            }
        }
    }
}

#[test]
fn missing_components_are_absent_not_empty() {
    let mut v = values();
    v[1].1 = None; // disk
    v[3].1 = Some("   "); // mac: blank is absent too
    let device = detect(&v);
    assert!(!device.components.contains_key("disk"));
    assert!(!device.components.contains_key("mac"));
    assert_ne!(device.fingerprint, detect(&values()).fingerprint);
    let explained = device.explain();
    let present: Vec<(&str, bool)> = explained
        .components
        .iter()
        .map(|c| (c.name.as_str(), c.present))
        .collect();
    assert_eq!(
        present,
        [
            ("cpu", true),
            ("disk", false),
            ("host", true),
            ("mac", false),
            ("machine_id", true)
        ]
    );
}

#[test]
fn component_order_of_sources_does_not_matter() {
    let mut reversed = values();
    reversed.reverse();
    assert_eq!(detect(&reversed).fingerprint, detect(&values()).fingerprint);
}

#[test]
fn fingerprint_is_keyed_by_product() {
    let probe = probe_with(&values(), None);
    let a = Device::detect_with(&probe, "vendor_a", ENV).unwrap();
    let b = Device::detect_with(&probe, "vendor_b", ENV).unwrap();
    assert_ne!(a.fingerprint, b.fingerprint);
    assert!(a.components.values().all(|h| !b.components.values().any(|o| o == h)));
}

#[test]
fn override_wins_verbatim() {
    let device = Device::detect_with(&probe_with(&values(), Some("ci-runner-7")), PRODUCT, ENV).unwrap();
    assert_eq!(device.fingerprint, "ci-runner-7");
    assert!(device.override_in_use);
    assert!(device.explain().override_in_use);
    // Another variable name is not consulted.
    let device = Device::detect_with(
        &probe_with(&values(), Some("ci-runner-7")),
        PRODUCT,
        "LICENTRIC_FINGERPRINT",
    )
    .unwrap();
    assert!(!device.override_in_use);
}

#[test]
fn invalid_override_is_refused_with_a_clear_error() {
    for bad in ["has space", "tab\there", "é", &"x".repeat(257)] {
        let err = Device::detect_with(&probe_with(&values(), Some(bad)), PRODUCT, ENV).unwrap_err();
        assert!(
            matches!(&err, FingerprintError::InvalidOverride { var, .. } if var == ENV),
            "{bad:?}: {err}"
        );
        assert!(err.to_string().contains(ENV));
    }
    // Set but empty means unset.
    let device = Device::detect_with(&probe_with(&values(), Some("")), PRODUCT, ENV).unwrap();
    assert!(!device.override_in_use);
}

#[test]
fn nothing_readable_is_an_error_unless_overridden() {
    let none: Vec<(&str, Option<&str>)> = COMPONENTS.iter().map(|n| (*n, None)).collect();
    let err = Device::detect_with(&probe_with(&none, None), PRODUCT, ENV).unwrap_err();
    assert_eq!(err, FingerprintError::NoComponents { var: ENV.into() });
    assert!(Device::detect_with(&probe_with(&none, Some("box-1")), PRODUCT, ENV).is_ok());
}

#[test]
fn explain_never_contains_raw_values() {
    let device = detect(&values());
    let json = serde_json::to_string(&device.explain()).unwrap();
    for (_, value) in values() {
        assert!(!json.contains(value.unwrap()), "{json}");
    }
}

#[test]
fn device_name_falls_back() {
    let mut probe = probe_with(&values(), None);
    probe.device_name = None;
    assert_eq!(Device::detect_with(&probe, PRODUCT, ENV).unwrap().name, UNNAMED_DEVICE);
}
