//! The license server's packages from `scripts/package-server.sh` (keyturn-server .deb and .rpm
//! in `KEYTURN_PACKAGES`): both install the same files; the default config is a conffile (rpm:
//! `%config(noreplace)`); the systemd unit passes `systemd-analyze verify` without a word and
//! its exposure (`systemd-analyze security`) stays low; and the packaged binary runs with the
//! packaged config, extracted, no systemd needed: init, doctor, serve, validate. lintian and
//! rpmlint find nothing but what is overridden with a reason (crates/server/packaging).
//! Run by scripts/test.sh after packaging; `test = false` keeps it out of a plain `cargo test`.

use keyturn_testkit::{activation_body, process, GroupGuard};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const UNIT: &str = "usr/lib/systemd/system/keyturn-server.service";
const CONFIG: &str = "etc/keyturn/server.toml";
const BINARY: &str = "usr/bin/keyturn-server";

fn package(suffix: &str) -> PathBuf {
    let dir = PathBuf::from(std::env::var_os("KEYTURN_PACKAGES").expect("KEYTURN_PACKAGES names the packages' folder"));
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name.starts_with("keyturn-server_") || name.starts_with("keyturn-server-")) && name.ends_with(suffix)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one keyturn-server{suffix} in {}: {found:?}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

fn run_ok(program: &str, args: &[&str]) -> String {
    let mut command = Command::new(program);
    command.args(args);
    process::run_ok(command)
}

fn extract_deb(deb: &Path, into: &Path) {
    run_ok("dpkg-deb", &["-x", &deb.to_string_lossy(), &into.to_string_lossy()]);
}

fn extract_rpm(rpm: &Path, into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let script = format!("rpm2cpio '{}' | cpio -idm --quiet", rpm.display());
    let mut command = Command::new("sh");
    command.args(["-c", &script]).current_dir(into);
    process::run_ok(command);
}

fn files(root: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn deb_and_rpm_install_the_binary_unit_and_config_as_a_conffile() {
    let dir = tempfile::tempdir().unwrap();
    let (deb_root, rpm_root) = (dir.path().join("deb"), dir.path().join("rpm"));
    extract_deb(&package(".deb"), &deb_root);
    extract_rpm(&package(".rpm"), &rpm_root);
    let deb_files = files(&deb_root);
    for needed in [BINARY, UNIT, CONFIG] {
        assert!(deb_files.contains(needed), "{needed} in the .deb: {deb_files:?}");
    }
    let deb_files_but_lintian: BTreeSet<String> = deb_files
        .iter()
        .filter(|f| !f.starts_with("usr/share/lintian/"))
        .cloned()
        .collect();
    assert_eq!(
        deb_files_but_lintian,
        files(&rpm_root),
        "both packages install the same files"
    );

    let deb = package(".deb").to_string_lossy().into_owned();
    let control_dir = dir.path().join("control");
    run_ok("dpkg-deb", &["-e", &deb, &control_dir.to_string_lossy()]);
    let conffiles = std::fs::read_to_string(control_dir.join("conffiles")).unwrap();
    assert_eq!(conffiles.trim(), "/etc/keyturn/server.toml");
    let postinst = std::fs::read_to_string(control_dir.join("postinst")).unwrap();
    assert!(
        postinst.contains("adduser --system") && postinst.contains("/var/lib/keyturn"),
        "{postinst}"
    );

    let rpm = package(".rpm").to_string_lossy().into_owned();
    let config_files = run_ok("rpm", &["-qp", "--configfiles", &rpm]);
    assert_eq!(config_files.trim(), "/etc/keyturn/server.toml");
    let listing = run_ok("rpm", &["-qp", "--dump", &rpm]);
    let config_line = listing
        .lines()
        .find(|l| l.starts_with("/etc/keyturn/server.toml "))
        .unwrap();
    assert!(
        config_line.contains(" 0100640 root keyturn "),
        "private to root and the keyturn group: {config_line}"
    );
}

#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    extract_deb(&package(".deb"), &root);
    // verify --root needs the targets the unit hangs off: the host's own unit files, copied.
    let mut copy = Command::new("cp");
    copy.args(["-an", "/usr/lib/systemd/system/."])
        .arg(root.join("usr/lib/systemd/system"));
    process::run_ok(copy);
    let root_arg = format!("--root={}", root.display());
    let mut verify = Command::new("systemd-analyze");
    verify.args(["verify", &root_arg, "keyturn-server.service"]);
    let verified = process::run(verify, "");
    assert!(
        verified.success() && verified.stderr.trim().is_empty(),
        "systemd-analyze verify: {verified:?}"
    );

    let unit = std::fs::read_to_string(root.join(UNIT)).unwrap();
    for line in [
        "ExecStart=/usr/bin/keyturn-server serve --config /etc/keyturn/server.toml",
        "User=keyturn",
        "StateDirectory=keyturn",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "UMask=0077",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} in the unit");
    }
    let mut security = Command::new("systemd-analyze");
    security.args(["security", "--offline=yes", &root_arg, "keyturn-server.service"]);
    let report = process::run(security, "");
    let exposure: f64 = report
        .stdout
        .lines()
        .find_map(|l| l.split("keyturn-server.service: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("an overall exposure level in {report:?}"));
    assert!(
        exposure <= 2.0,
        "exposure {exposure} (0 safest, 10 unprotected):\n{}",
        report.stdout
    );
}

#[tokio::test]
async fn the_packaged_binary_runs_with_the_packaged_config() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    extract_deb(&package(".deb"), &root);
    let state = dir.path().join("var-lib-keyturn");
    std::fs::create_dir(&state).unwrap();
    let binary = root.join(BINARY);
    let config = root.join(CONFIG);
    // The packaged file unchanged; the state folder moved by environment (beats the file).
    let command = |args: &[&str]| {
        let mut c = Command::new(&binary);
        c.args(args)
            .arg("--config")
            .arg(&config)
            .env("KEYTURN_DB", state.join("keyturn.db"))
            .env("KEYTURN_ADMIN_TOKEN_FILE", state.join("admin-token"))
            .env("KEYTURN_SEAL_KEY_FILE", state.join("seal-key"))
            .env_remove("KEYTURN_ADMIN_TOKEN")
            .env_remove("KEYTURN_SERVER_CONFIG");
        c
    };
    let init = process::run(command(&["init"]), "");
    assert!(init.success(), "{init:?}");
    assert!(
        state.join("seal-key").exists(),
        "the packaged config's seal key file: {init:?}"
    );
    let public_key = init.json()["public_key"].as_str().unwrap().to_string();

    let mut serve = command(&["serve", "--listen", "127.0.0.1:0"]);
    serve.stdout(Stdio::piped()).stderr(Stdio::null()).stdin(Stdio::null());
    let mut server = GroupGuard::spawn("packaged keyturn-server", serve).unwrap();
    let first = BufReader::new(server.child_mut().stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let url = first
        .strip_prefix("KEYTURN_SERVER_LISTENING ")
        .expect("announced")
        .to_string();

    let mut doctor = command(&["doctor"]);
    doctor.env("KEYTURN_PUBLIC_URL", &url);
    let checked = process::run(doctor, "");
    assert_eq!(checked.code, 0, "{}", checked.stdout);

    let db = state.join("keyturn.db").to_string_lossy().into_owned();
    // The admin commands take the database only.
    let cli = |args: &[&str]| {
        let mut c = Command::new(&binary);
        c.args(args).arg("--db").arg(&db);
        process::run_ok(c).trim().to_string()
    };
    cli(&["product", "create", "--name", "App", "--id", "app"]);
    let policy = cli(&[
        "policy",
        "create",
        "--product",
        "app",
        "--name",
        "Std",
        "--max-machines",
        "1",
    ]);
    let key = cli(&["license", "create", "--policy", &policy]);
    let http = reqwest::Client::new();
    let activated = http
        .post(format!("{url}/v1/activations"))
        .json(&activation_body(&key, "pkg"))
        .send()
        .await
        .unwrap();
    assert_eq!(activated.status(), 201);
    let body: serde_json::Value = activated.json().await.unwrap();
    let key_in_app = keyturn_protocol::token::parse_public_key(&public_key).unwrap();
    keyturn_protocol::token::verify(body["token"].as_str().unwrap(), &key_in_app).expect("signed with init's key");
}

#[test]
fn lintian_and_rpmlint_find_nothing_unjustified() {
    let deb = package(".deb");
    let mut lintian = Command::new("lintian");
    lintian.args(["--fail-on", "error,warning"]).arg(&deb);
    let report = process::run(lintian, "");
    let complaints: Vec<&str> = report
        .stdout
        .lines()
        .filter(|l| l.starts_with("E: ") || l.starts_with("W: "))
        .collect();
    assert!(
        report.success() && complaints.is_empty(),
        "lintian {}: {report:?}",
        deb.display()
    );

    let rpm = package(".rpm");
    let mut rpmlint = Command::new("rpmlint");
    rpmlint
        .arg("--config")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/server/packaging/rpmlint.toml"))
        .arg(&rpm);
    let report = process::run(rpmlint, "");
    assert!(
        report.success() && report.stdout.contains(" 0 errors, 0 warnings"),
        "rpmlint {}: {report:?}",
        rpm.display()
    );
}
