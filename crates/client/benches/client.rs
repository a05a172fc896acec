//! Timings of the client's hot paths (a bench binary, no criterion):
//! cold fingerprint computation (goal ≤ 20 ms) and the offline token check (goal ≤ 1 ms).
//!
//! `cargo bench -p keyturn-client` measures; under `cargo test --all-targets` it runs each path
//! once as a smoke test.

use keyturn_client::fingerprint::{sources, Device, Probe};
use keyturn_client::offline::check_token;
use keyturn_protocol::token::{self, TokenClaims};
use keyturn_protocol::wire::LicenseStatus;
use std::time::{Duration, Instant};

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (runs, checks) = if measuring { (50, 20_000) } else { (1, 10) };

    // Cold: the first detection in this process (nothing cached by us; the OS page cache aside).
    let started = Instant::now();
    let device = Device::detect("bench-product", "KEYTURN_BENCH_FINGERPRINT_UNSET").expect("detect");
    let cold = started.elapsed();

    // Each detection builds every source afresh, as the app does at start-up.
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let probe = Probe::system();
        let again = Device::detect_with(&probe, "bench-product", "KEYTURN_BENCH_FINGERPRINT_UNSET").expect("detect");
        times.push(started.elapsed());
        assert_eq!(again.fingerprint, device.fingerprint, "the fingerprint must be stable");
    }
    let per_source: Vec<(String, Duration)> = sources::system_sources()
        .iter()
        .map(|s| {
            let started = Instant::now();
            let _ = s.read();
            (s.name().to_owned(), started.elapsed())
        })
        .collect();

    let key = token::signing_key_from_seed([5; 32]);
    let public = key.verifying_key();
    let now = 1_800_000_000;
    let claims = TokenClaims {
        sub: "act_01J9ZQ8X4M2C7V5B3N1K6H0F9D".into(),
        license_id: "lic_01J9ZQ8X4M2C7V5B3N1K6H0F9E".into(),
        fingerprint: device.fingerprint.clone(),
        product_id: "bench-product".into(),
        policy_id: "pol_01J9ZQ8X4M2C7V5B3N1K6H0F9F".into(),
        iat: now - 60,
        renew_by: now + 86_400,
        exp: now + 8 * 86_400,
        license_expires_at: Some(now + 365 * 86_400),
        status: LicenseStatus::Active,
        entitlements: vec!["pro".into(), "export".into()],
    };
    let token = token::sign(&claims, &key);
    let started = Instant::now();
    for _ in 0..checks {
        let checked = check_token(
            &token,
            &public,
            &device.fingerprint,
            "bench-product",
            now,
            Some(now - 10),
        );
        assert!(checked.is_ok());
    }
    let per_check = started.elapsed() / checks;

    if !measuring {
        println!("bench smoke run ok (cargo bench -p keyturn-client measures)");
        return;
    }
    times.sort();
    println!("fingerprint, cold (first in process): {cold:?}  [goal <= 20 ms]");
    println!(
        "fingerprint, fresh probe x{runs}: min {:?}, median {:?}, max {:?}",
        times[0],
        times[runs / 2],
        times[runs - 1]
    );
    for (name, took) in per_source {
        println!("  source {name}: {took:?}");
    }
    println!("offline check x{checks}: {per_check:?} each  [goal <= 1 ms]");
}
