//! Two vendors' installers from `scripts/package.sh` (tests/package/vendor.json and
//! vendor-pixelforge.json), as a distribution and a user meet them: named and described by each
//! vendor, installable side by side into one (scratch) root, each packaged command answering
//! `status --json` headless for its own product; upgrade, removal and purge keep the user's
//! activation; lintian and rpmlint find nothing unjustified; the manual covers README's commands
//! and exit codes.
//! Run by scripts/test.sh after packaging (`KEYTURN_PACKAGES` names the folder holding both
//! vendors' .deb and .rpm); `test = false` keeps it out of a plain `cargo test`.

mod lint;
mod manual;
mod root;

use keyturn_e2e::cli::Computer;
use keyturn_e2e::server;
use root::Root;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Vendor {
    pub name: &'static str,
    pub version: &'static str,
    pub product: &'static str,
    pub product_id: &'static str,
    pub maintainer: &'static str,
    pub scheme: &'static str,
    pub fingerprint_env: &'static str,
}

pub const ACME: Vendor = Vendor {
    name: "acme-licensing",
    version: "1.4.0",
    product: "Acme Licensing",
    product_id: "acme-pro",
    maintainer: "Acme Packaging <packages@acme.example>",
    scheme: "acme-licensing",
    fingerprint_env: "ACME_FINGERPRINT",
};

/// Its package name is derived from "PixelForge Studio" (no camel-case splitting).
pub const PIXELFORGE: Vendor = Vendor {
    name: "pixelforge-studio",
    version: "3.0.2",
    product: "PixelForge Studio",
    product_id: "pixelforge-studio",
    maintainer: "PixelForge Releases <releases@pixelforge.example>",
    scheme: "pixelforge",
    fingerprint_env: "PIXELFORGE_FINGERPRINT",
};

/// The vendor's package of this kind (`deb` or `rpm`) in `KEYTURN_PACKAGES`.
pub fn package(vendor: &Vendor, kind: &str) -> PathBuf {
    let dir = PathBuf::from(std::env::var_os("KEYTURN_PACKAGES").expect("KEYTURN_PACKAGES names the packages' folder"));
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read KEYTURN_PACKAGES")
        .map(|entry| entry.expect("folder entry").path())
        .filter(|path| {
            // name_version_arch.deb; name-version-release.arch.rpm (or name_version-...)
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            ["_", "-"]
                .iter()
                .any(|sep| file.starts_with(&format!("{}{sep}{}", vendor.name, vendor.version)))
                && path.extension().is_some_and(|e| e == kind)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind} of {} in {}: {found:?}",
        vendor.name,
        dir.display()
    );
    found.into_iter().next().unwrap()
}

fn dpkg_deb(args: &[&str], deb: &Path) -> String {
    let mut command = Command::new("dpkg-deb");
    command.args(args).arg(deb);
    keyturn_e2e::process::run_ok(command)
}

/// The files (not folders) a .deb installs, as absolute paths.
fn files(deb: &Path) -> BTreeSet<String> {
    dpkg_deb(&["-c"], deb)
        .lines()
        .filter(|line| !line.starts_with('d'))
        .map(|line| {
            // mode owner size date time path
            let path = line.split_whitespace().skip(5).collect::<Vec<_>>().join(" ");
            format!("/{}", path.trim_start_matches("./").split(" -> ").next().unwrap())
        })
        .collect()
}

fn field(control: &str, name: &str) -> String {
    control
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in\n{control}"))
        .to_string()
}

#[test]
fn each_package_is_named_and_described_by_its_vendor_with_computed_dependencies() {
    for vendor in [&ACME, &PIXELFORGE] {
        let deb = package(vendor, "deb");
        let control = dpkg_deb(&["-f"], &deb);
        assert_eq!(field(&control, "Package"), vendor.name);
        assert_eq!(
            field(&control, "Version"),
            vendor.version,
            "the vendor's version, not Keyturn's"
        );
        assert_eq!(field(&control, "Maintainer"), vendor.maintainer);
        assert_eq!(field(&control, "Section"), "utils");
        let depends = field(&control, "Depends");
        for library in ["libc6 (>= 2.", "libwebkit2gtk-4.1-0 (>= ", "libgtk-3-0 (>= "] {
            assert!(
                depends.contains(library),
                "computed from the binary: {library} in {depends}"
            );
        }
        assert!(
            field(&control, "Recommends").starts_with("gnome-keyring | "),
            "{control}"
        );

        let files = files(&deb);
        let name = vendor.name;
        for path in [
            format!("/usr/bin/{name}"),
            format!("/usr/share/applications/{name}.desktop"),
            format!("/usr/share/icons/hicolor/128x128/apps/{name}.png"),
            format!("/usr/share/man/man1/{name}.1.gz"),
            format!("/usr/share/man/man1/{name}-deactivate.1.gz"),
            format!("/usr/share/bash-completion/completions/{name}"),
            format!("/usr/share/zsh/vendor-completions/_{name}"),
            format!("/usr/share/fish/vendor_completions.d/{name}.fish"),
            format!("/usr/share/doc/{name}/copyright"),
            format!("/usr/share/doc/{name}/changelog.gz"),
            format!("/usr/share/lintian/overrides/{name}"),
        ] {
            assert!(files.contains(&path), "{path} in {name}'s .deb: {files:#?}");
        }
        assert!(files
            .iter()
            .any(|f| f.starts_with("/usr/share/metainfo/") && f.ends_with(".metainfo.xml")));
        assert!(
            files.iter().all(|f| !f.contains(' ')),
            "no spaces in file names: {files:#?}"
        );
    }
    let homepage = field(&dpkg_deb(&["-f"], &package(&ACME, "deb")), "Homepage");
    assert_eq!(homepage, "https://acme.example");
}

#[test]
fn two_vendors_install_side_by_side_and_each_answers_for_its_own_product() {
    let (acme, pixelforge) = (package(&ACME, "deb"), package(&PIXELFORGE, "deb"));
    let shared: Vec<_> = files(&acme).intersection(&files(&pixelforge)).cloned().collect();
    assert!(shared.is_empty(), "both packages would install {shared:?}");

    let root = Root::new();
    root.install(&acme);
    root.install(&pixelforge);
    let installed = root.installed();
    for vendor in [&ACME, &PIXELFORGE] {
        assert!(
            installed.contains(&(vendor.name.into(), vendor.version.into())),
            "{installed:?}"
        );
        let desktop = std::fs::read_to_string(root.path(&format!("usr/share/applications/{}.desktop", vendor.name)))
            .expect("the vendor's desktop entry");
        for line in [
            format!("Name={}", vendor.product),
            format!("Exec={} %u", vendor.name),
            format!("Icon={}", vendor.name),
            format!("MimeType=x-scheme-handler/{}", vendor.scheme),
        ] {
            assert!(desktop.lines().any(|l| l == line), "{line} in {desktop}");
        }

        // The installed command with the config built into it, on a computer with a keychain
        // and no display. The harness's server is unused: status is offline.
        let server = server::start();
        let pc = Computer::new(&server, "unused");
        let mut command = pc.command(&root.path(&format!("usr/bin/{}", vendor.name)));
        command
            .env_remove("KEYTURN_CONFIG")
            .env(vendor.fingerprint_env, "packaged-1")
            .args(["status", "--json"]);
        let run = keyturn_e2e::cli::run(command, "");
        assert_eq!(run.code, 3, "{run:?}");
        let json = run.json();
        assert_eq!(
            (json["schema"].as_i64(), json["code"].as_str()),
            (Some(1), Some("NOT_ACTIVATED"))
        );
        assert_eq!(
            (json["product_name"].as_str(), json["product_id"].as_str()),
            (Some(vendor.product), Some(vendor.product_id))
        );
    }
}

/// The same .deb with another version (what a vendor's next release changes for dpkg).
fn next_version(deb: &Path, version: &str, dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    let unpacked = Command::new("dpkg-deb").arg("-R").arg(deb).arg(&tree).status().unwrap();
    assert!(unpacked.success());
    let control = tree.join("DEBIAN/control");
    let text = std::fs::read_to_string(&control).unwrap();
    let old = format!("Version: {}", field(&text, "Version"));
    std::fs::write(&control, text.replace(&old, &format!("Version: {version}"))).unwrap();
    let next = dir.join(format!("next_{version}.deb"));
    let built = Command::new("dpkg-deb")
        .args(["--root-owner-group", "-b"])
        .arg(&tree)
        .arg(&next)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    next
}

#[test]
fn upgrade_keeps_the_activation_removal_says_how_to_free_the_seat_and_purge_keeps_user_data() {
    // Upgrade; remove, then reinstall; purge, then reinstall: the activation survives each.
    let root = Root::new();
    let first = package(&ACME, "deb");
    root.install(&first);
    root.install(&package(&PIXELFORGE, "deb"));
    let scratch = tempfile::tempdir().unwrap();
    let next = next_version(&first, "1.4.1", scratch.path());

    // Activated with the installed command against a real server (its config named at run
    // time: the built-in one names the vendor's own server).
    let server = server::start();
    let key = server.new_license(1);
    let mut pc = Computer::new(&server, "packaged-upgrade-1");
    pc.binary = root.path("usr/bin/acme-licensing");
    pc.activate(&key);
    assert_eq!(pc.run(&["status"]).code, 0);

    let upgrade = root.install(&next);
    assert!(root.installed().contains(&("acme-licensing".into(), "1.4.1".into())));
    assert!(
        !upgrade.output.contains("deactivate"),
        "an upgrade is no removal: {}",
        upgrade.output
    );
    let status = pc.run(&["status", "--json"]);
    assert_eq!(
        (status.code, status.json()["code"].as_str()),
        (0, Some("VALID")),
        "{status:?}"
    );

    let remove = root.dpkg(&["-r", "acme-licensing"]);
    assert!(remove.success, "{}", remove.output);
    assert!(
        remove.output.contains("run 'acme-licensing deactivate'"),
        "the package manager's output says how to free the seat: {}",
        remove.output
    );
    assert!(!pc.binary.exists());
    assert!(pc.state_file().is_file(), "removal keeps the user's state");
    root.install(&next);
    let status = pc.run(&["status", "--json"]);
    assert_eq!(
        (status.code, status.json()["code"].as_str()),
        (0, Some("VALID")),
        "reinstalled: {status:?}"
    );

    let owned = files(&next);
    let purge = root.dpkg(&["-P", "acme-licensing"]);
    assert!(purge.success, "{}", purge.output);
    assert!(
        purge.output.contains("run 'acme-licensing deactivate'"),
        "{}",
        purge.output
    );
    assert!(!root.installed().iter().any(|(name, _)| name == "acme-licensing"));
    let left: Vec<_> = owned.iter().filter(|f| root.path(f).exists()).collect();
    assert!(left.is_empty(), "purge removes the package's files: {left:?}");
    assert!(
        root.path("usr/bin/pixelforge-studio").is_file(),
        "the other vendor's package stays"
    );
    assert!(pc.state_file().is_file(), "purge keeps the user's state");

    // Reinstalled after the purge, the same activation is there: the keychain entry stayed too.
    root.install(&next);
    let status = pc.run(&["status", "--json"]);
    assert_eq!(
        (status.code, status.json()["code"].as_str()),
        (0, Some("VALID")),
        "{status:?}"
    );
}
