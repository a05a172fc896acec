//! The license rules as pure functions of rows and the current time (no I/O), so any store can
//! reuse them and they are unit-tested here.

use super::model::{Activation, License, LicenseState, Policy};
use keyturn_protocol::wire::LicenseStatus;
use keyturn_protocol::Code;
use std::collections::BTreeMap;

/// Defaults when a policy does not say.
pub const DEFAULT_RENEW_INTERVAL_SECS: i64 = 7 * 24 * 3600;
pub const DEFAULT_GRACE_SECS: i64 = 7 * 24 * 3600;
pub const DEFAULT_TRIAL_DURATION_SECS: i64 = 14 * 24 * 3600;
/// An air-gapped device renews by repeating the offline exchange, so its lease is long.
pub const DEFAULT_OFFLINE_LEASE_SECS: i64 = 365 * 24 * 3600;

/// Why the license itself (whatever the device) is not usable now, if it is not.
pub fn license_problem(license: &License, now: i64) -> Option<(Code, &'static str)> {
    match license.status {
        LicenseStatus::Revoked => return Some((Code::Revoked, "this license has been revoked")),
        LicenseStatus::Suspended => return Some((Code::Suspended, "this license is suspended")),
        LicenseStatus::Active => {}
    }
    match license.expires_at {
        Some(at) if at <= now => Some((Code::Expired, "this license has expired")),
        _ => None,
    }
}

/// What a license is now, as people are shown it: its stored status, or EXPIRED once an active
/// license's expiry has passed (support must never read an expired license as active).
pub fn state(license: &License, now: i64) -> LicenseState {
    match license_problem(license, now) {
        Some((Code::Revoked, _)) => LicenseState::Revoked,
        Some((Code::Suspended, _)) => LicenseState::Suspended,
        Some(_) => LicenseState::Expired,
        None => LicenseState::Active,
    }
}

/// Renew before this time: the renew interval after the last renewal, or the end of the
/// device's offline lease when that is later.
pub fn renew_by(policy: &Policy, last_renewed_at: i64, offline_until: Option<i64>) -> i64 {
    let online = last_renewed_at.saturating_add(policy.renew_interval_secs);
    offline_until.map_or(online, |until| online.max(until))
}

/// Valid until (renew-by + grace): the token's expiry.
pub fn valid_until(policy: &Policy, last_renewed_at: i64, offline_until: Option<i64>) -> i64 {
    renew_by(policy, last_renewed_at, offline_until).saturating_add(policy.grace_secs)
}

/// An activation is overdue once it missed renew-by + grace.
pub fn is_overdue(policy: &Policy, activation: &Activation, now: i64) -> bool {
    now >= valid_until(policy, activation.last_renewed_at, activation.offline_until)
}

/// The end of the offline lease of a device activated without internet now (a lease it already
/// has is never shortened).
pub fn offline_lease_end(policy: &Policy, now: i64, current: Option<i64>) -> i64 {
    now.saturating_add(policy.offline_lease_secs)
        .max(current.unwrap_or(i64::MIN))
}

/// How many component hashes two devices share (same component, same hash).
pub fn matching_components(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> u32 {
    a.iter().filter(|(name, hash)| b.get(*name) == Some(*hash)).count() as u32
}

/// With fuzzy matching: the activation whose components best match (at least `min` of them).
pub fn fuzzy_candidate<'a>(
    min: u32,
    components: &BTreeMap<String, String>,
    activations: &'a [Activation],
) -> Option<&'a Activation> {
    let min = min.max(1);
    activations
        .iter()
        .map(|a| (matching_components(components, &a.components), a))
        .filter(|(n, _)| *n >= min)
        .max_by_key(|(n, a)| (*n, std::cmp::Reverse(a.created_at)))
        .map(|(_, a)| a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{Matching, Uniqueness};

    fn policy() -> Policy {
        Policy {
            id: "pol".into(),
            product_id: "p".into(),
            name: "n".into(),
            max_machines: 3,
            uniqueness: Uniqueness::PerLicense,
            matching: Matching::Exact,
            fuzzy_min: 0,
            renew_interval_secs: 100,
            grace_secs: 50,
            duration_secs: None,
            allow_vm: true,
            trial: false,
            created_at: 0,
            offline_lease_secs: 1000,
            seats: Default::default(),
        }
    }

    fn license(status: LicenseStatus, expires_at: Option<i64>) -> License {
        License {
            id: "l".into(),
            policy_id: "pol".into(),
            product_id: "p".into(),
            key_prefix: "ABCDE".into(),
            status,
            expires_at,
            owner_name: String::new(),
            owner_email: String::new(),
            entitlements: vec![],
            metadata: Default::default(),
            created_at: 0,
        }
    }

    fn activation(id: &str, comps: &[(&str, &str)], last: i64) -> Activation {
        Activation {
            id: id.into(),
            license_id: "l".into(),
            fingerprint: id.into(),
            components: comps.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            name: String::new(),
            platform: String::new(),
            vm: false,
            container: false,
            created_at: 0,
            last_renewed_at: last,
            offline_until: None,
        }
    }

    #[test]
    fn status_before_expiry() {
        assert_eq!(license_problem(&license(LicenseStatus::Active, None), 10), None);
        assert_eq!(
            license_problem(&license(LicenseStatus::Active, Some(10)), 10)
                .unwrap()
                .0,
            Code::Expired
        );
        assert_eq!(license_problem(&license(LicenseStatus::Active, Some(11)), 10), None);
        assert_eq!(
            license_problem(&license(LicenseStatus::Revoked, Some(1)), 10)
                .unwrap()
                .0,
            Code::Revoked
        );
        assert_eq!(
            license_problem(&license(LicenseStatus::Suspended, None), 10).unwrap().0,
            Code::Suspended
        );
    }

    #[test]
    fn overdue_after_renew_by_plus_grace() {
        let p = policy();
        let a = activation("a", &[], 1000);
        assert_eq!(renew_by(&p, 1000, None), 1100);
        assert_eq!(valid_until(&p, 1000, None), 1150);
        assert!(!is_overdue(&p, &a, 1149));
        assert!(is_overdue(&p, &a, 1150));
    }

    #[test]
    fn an_offline_lease_moves_renew_by_until_it_ends() {
        let p = policy();
        let leased = Activation {
            offline_until: Some(offline_lease_end(&p, 1000, None)),
            ..activation("a", &[], 1000)
        };
        assert_eq!(leased.offline_until, Some(2000));
        assert_eq!(renew_by(&p, 1000, leased.offline_until), 2000);
        assert!(!is_overdue(&p, &leased, 2049));
        assert!(is_overdue(&p, &leased, 2050));
        assert_eq!(
            offline_lease_end(&p, 500, leased.offline_until),
            2000,
            "never shortened"
        );
        // Renewed online after the lease ended: the renew interval counts again.
        assert_eq!(renew_by(&p, 3000, leased.offline_until), 3100);
    }

    #[test]
    fn fuzzy_picks_the_best_match_with_at_least_min() {
        let acts = vec![
            activation("one", &[("cpu", "1"), ("disk", "2"), ("mac", "3")], 0),
            activation("two", &[("cpu", "1"), ("disk", "9"), ("mac", "9")], 0),
        ];
        let mine: BTreeMap<_, _> = [("cpu", "1"), ("disk", "2"), ("mac", "x")]
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(fuzzy_candidate(2, &mine, &acts).unwrap().id, "one");
        assert!(fuzzy_candidate(3, &mine, &acts).is_none());
        assert!(fuzzy_candidate(1, &BTreeMap::new(), &acts).is_none());
    }
}
