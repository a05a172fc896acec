use super::*;
use keyturn_protocol::token::{sign, signing_key_from_seed, TokenSigningKey};

const NOW: i64 = 1_800_000_000;
const FP: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn vendor() -> TokenSigningKey {
    signing_key_from_seed([42; 32])
}

fn claims() -> TokenClaims {
    TokenClaims {
        sub: "act_1".into(),
        license_id: "lic_1".into(),
        fingerprint: FP.into(),
        product_id: "prod_1".into(),
        policy_id: "pol_1".into(),
        iat: NOW - 60,
        renew_by: NOW + 86_400,
        exp: NOW + 8 * 86_400,
        license_expires_at: None,
        status: LicenseStatus::Active,
        entitlements: vec!["pro".into()],
    }
}

fn check(claims: &TokenClaims, now: i64, last_seen: Option<i64>) -> Result<TokenClaims, OfflineError> {
    let token = sign(claims, &vendor());
    check_token(&token, &vendor().verifying_key(), FP, "prod_1", now, last_seen)
}

#[test]
fn a_fresh_token_is_good() {
    assert_eq!(check(&claims(), NOW, Some(NOW - 10)).unwrap(), claims());
    let s = standing(&claims(), NOW);
    assert!(!s.renewal_due);
    assert_eq!(s.seconds_left, 8 * 86_400);
}

#[test]
fn after_renew_by_it_still_works_within_grace_and_asks_for_renewal() {
    let now = NOW + 2 * 86_400;
    assert!(check(&claims(), now, None).is_ok());
    assert!(standing(&claims(), now).renewal_due);
}

#[test]
fn at_valid_until_it_stops() {
    let c = claims();
    assert!(check(&c, c.exp - 1, None).is_ok());
    assert_eq!(
        check(&c, c.exp, None),
        Err(OfflineError::Expired { valid_until: c.exp })
    );
}

#[test]
fn another_key_another_device_another_product() {
    let token = sign(&claims(), &vendor());
    let other = signing_key_from_seed([43; 32]).verifying_key();
    // Another key than the one the token names: refused, naming the key it lacks.
    assert_eq!(
        check_token(&token, &other, FP, "prod_1", NOW, None),
        Err(OfflineError::Token(TokenError::KeyNotPinned {
            kid: keyturn_protocol::token::key_id(&vendor().verifying_key())
        }))
    );
    assert_eq!(
        check_token(&token, &vendor().verifying_key(), "other-device", "prod_1", NOW, None),
        Err(OfflineError::FingerprintMismatch)
    );
    assert_eq!(
        check_token(&token, &vendor().verifying_key(), FP, "prod_2", NOW, None),
        Err(OfflineError::WrongProduct)
    );
}

#[test]
fn clock_rollback_is_refused_beyond_the_drift() {
    let last_seen = NOW + 3600;
    assert_eq!(
        check(&claims(), NOW, Some(last_seen)),
        Err(OfflineError::ClockRolledBack { now: NOW, last_seen })
    );
    assert!(check(&claims(), NOW, Some(NOW + MAX_CLOCK_DRIFT_SECS)).is_ok());
    assert_eq!(advance_last_seen(Some(last_seen), NOW), last_seen);
    assert_eq!(advance_last_seen(None, NOW), NOW);
}

#[test]
fn issued_in_the_future_is_refused_beyond_the_drift() {
    let mut c = claims();
    c.iat = NOW + MAX_CLOCK_DRIFT_SECS + 1;
    assert!(matches!(check(&c, NOW, None), Err(OfflineError::IssuedInFuture { .. })));
    c.iat = NOW + MAX_CLOCK_DRIFT_SECS;
    assert!(check(&c, NOW, None).is_ok());
}

#[test]
fn license_expiry_and_status_end_validity() {
    let mut c = claims();
    c.license_expires_at = Some(NOW);
    assert_eq!(
        check(&c, NOW, None),
        Err(OfflineError::LicenseExpired { expired_at: NOW })
    );
    let mut c = claims();
    c.status = LicenseStatus::Suspended;
    assert_eq!(
        check(&c, NOW, None),
        Err(OfflineError::NotActive(LicenseStatus::Suspended))
    );
}

#[test]
fn every_single_byte_change_of_a_real_token_is_rejected() {
    let token = sign(&claims(), &vendor());
    let public = vendor().verifying_key();
    let bytes = token.as_bytes();
    let mut tried = 0;
    for i in 0..bytes.len() {
        // Every other printable ASCII byte, plus a few non-ASCII and control bytes.
        for replacement in (0x20u8..0x7f).chain([0x00, b'\n', 0x80, 0xff]) {
            if bytes[i] == replacement {
                continue;
            }
            let mut changed = bytes.to_vec();
            changed[i] = replacement;
            let Ok(changed) = String::from_utf8(changed) else {
                tried += 1; // not even text: can never reach the check
                continue;
            };
            tried += 1;
            assert!(
                check_token(&changed, &public, FP, "prod_1", NOW, None).is_err(),
                "byte {i} changed to {replacement:#04x} still verified"
            );
        }
    }
    assert!(tried > bytes.len() * 90);
    // Dropping or appending a byte too.
    for i in 0..bytes.len() {
        let mut shorter = bytes.to_vec();
        shorter.remove(i);
        assert!(
            check_token(std::str::from_utf8(&shorter).unwrap(), &public, FP, "prod_1", NOW, None).is_err(),
            "removing byte {i}"
        );
    }
    assert!(check_token(&format!("{token}A"), &public, FP, "prod_1", NOW, None).is_err());
}
