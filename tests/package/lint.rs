//! Debian's and RPM's own package checkers on both vendors' packages: no error and no warning
//! but the ones overridden, with reasons, in src-tauri/linux/lintian-overrides (shipped in the
//! .deb, where lintian finds it) and src-tauri/linux/rpmlint.toml.

use super::{package, ACME, PIXELFORGE};
use std::path::Path;
use std::process::Command;

fn repo(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(relative)
}

#[test]
fn lintian_finds_no_error_and_no_warning() {
    for vendor in [&ACME, &PIXELFORGE] {
        let deb = package(vendor, "deb");
        let output = Command::new("lintian")
            .args(["--fail-on", "error,warning", "--display-info", "--show-overrides"])
            .arg(&deb)
            .output()
            .expect("run lintian (scripts/setup.sh installs it)");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        println!("lintian {}:\n{report}", deb.display());
        assert!(output.status.success(), "lintian {}:\n{report}", deb.display());
        let complaints: Vec<&str> = report
            .lines()
            .filter(|l| l.starts_with("E: ") || l.starts_with("W: "))
            .collect();
        assert!(complaints.is_empty(), "{complaints:#?}");
    }
}

#[test]
fn rpmlint_finds_no_error_and_no_warning() {
    for vendor in [&ACME, &PIXELFORGE] {
        let rpm = package(vendor, "rpm");
        let output = Command::new("rpmlint")
            .arg("--config")
            .arg(repo("src-tauri/linux/rpmlint.toml"))
            .arg(&rpm)
            .output()
            .expect("run rpmlint (scripts/setup.sh installs it)");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        println!("rpmlint {}:\n{report}", rpm.display());
        assert!(output.status.success(), "rpmlint {}:\n{report}", rpm.display());
        assert!(
            report.contains(" 0 errors, 0 warnings"),
            "rpmlint {}:\n{report}",
            rpm.display()
        );
    }
}
