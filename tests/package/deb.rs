//! The vendor's .deb from `scripts/package.sh --config tests/package/vendor.json`: unpacked with
//! `dpkg-deb -x`, it holds the vendor's command, desktop entry and icons, and its binary runs
//! `status --json` headless with the vendor's config compiled in.
//! Run by scripts/test.sh after packaging (`KEYTURN_DEB` names the .deb); `test = false` keeps
//! it out of a plain `cargo test`, which builds no packages.

use keyturn_e2e::cli::Computer;
use keyturn_e2e::{server, Server};
use std::path::{Path, PathBuf};
use std::process::Command;

fn deb() -> PathBuf {
    let path = PathBuf::from(std::env::var_os("KEYTURN_DEB").expect("KEYTURN_DEB names the .deb to test"));
    assert!(path.is_file(), "no .deb at {}", path.display());
    path
}

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    let mut command = Command::new("dpkg-deb");
    command.args(args).arg(deb);
    keyturn_e2e::process::run_ok(command)
}

#[test]
fn the_vendors_deb_unpacks_and_answers_status_headless() {
    let deb = deb();
    let fields = dpkg_deb(&["-f"], &deb);
    assert!(fields.contains("Package: acme-licensing"), "{fields}");
    assert!(
        fields.contains("Depends:") && fields.contains("libwebkit2gtk-4.1"),
        "{fields}"
    );

    let root = tempfile::tempdir().unwrap();
    let extracted = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(root.path())
        .status()
        .unwrap();
    assert!(extracted.success());
    let binary = root.path().join("usr/bin/keyturn");
    assert!(binary.is_file(), "usr/bin/keyturn in the .deb");
    let desktop = std::fs::read_to_string(root.path().join("usr/share/applications/Acme Licensing.desktop"))
        .expect("the desktop entry is named after the product");
    assert!(
        desktop.contains("Name=Acme Licensing") && desktop.contains("Exec=keyturn %u"),
        "{desktop}"
    );
    assert!(
        desktop.contains("MimeType=x-scheme-handler/acme-licensing"),
        "the entry registers the vendor's link scheme: {desktop}"
    );
    for size in ["32x32", "128x128", "256x256@2"] {
        let icon = root
            .path()
            .join(format!("usr/share/icons/hicolor/{size}/apps/keyturn.png"));
        assert!(icon.is_file(), "icon {}", icon.display());
    }

    // The packaged binary, on a computer with a keychain and no display. The server is only
    // there for the harness: the packaged config names its own server, and status is offline.
    let server = server::start();
    let mut pc = Computer::new(&server, "unused");
    pc.binary = binary;
    let mut command = pc.command(&pc.binary);
    command
        .env_remove("KEYTURN_CONFIG")
        .env("ACME_FINGERPRINT", "packaged-1")
        .args(["status", "--json"]);
    let run = keyturn_e2e::cli::run(command, "");
    assert_eq!(run.code, 3, "{run:?}");
    let json = run.json();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["code"], "NOT_ACTIVATED");
    assert_eq!(
        (json["product_name"].as_str(), json["product_id"].as_str()),
        (Some("Acme Licensing"), Some("acme-pro"))
    );

    let mut command = pc.command(&pc.binary);
    command
        .env_remove("KEYTURN_CONFIG")
        .env("ACME_FINGERPRINT", "packaged-1")
        .args(["fingerprint", "--explain"]);
    let run = keyturn_e2e::cli::run(command, "");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Override ACME_FINGERPRINT: IN USE"),
        "{}",
        run.stdout
    );
}
