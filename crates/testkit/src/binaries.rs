//! Where the workspace's built binaries are: next to the running test (`<target>/<profile>/`,
//! so `CARGO_TARGET_DIR` is followed), in the profile `KEYTURN_PROFILE` names if set, or where
//! a per-binary variable points. A missing binary fails with how to build it: never a skip.

use std::path::{Path, PathBuf};

/// `<target>/<profile>` of the running executable: `<target>/<profile>/deps/<test>-<hash>` (a
/// test) or `<target>/<profile>/<bin>` (a program such as startup-bench).
fn own_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the running executable's path");
    let dir = exe.parent().expect("executable's folder");
    match dir.file_name() {
        Some(name) if name == "deps" => dir.parent().expect("<target>/<profile>").to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// The profile folder binaries are taken from: `KEYTURN_PROFILE`, else the running test's own.
fn profile_dir() -> PathBuf {
    let own = own_profile_dir();
    match std::env::var_os("KEYTURN_PROFILE") {
        Some(profile) => own.parent().expect("<target>").join(profile),
        None => own,
    }
}

fn binary(env_name: &str, file: &str, build: &str) -> PathBuf {
    let path = std::env::var_os(env_name)
        .map(PathBuf::from)
        .unwrap_or_else(|| profile_dir().join(file));
    absolute(
        &path,
        &format!("{file} not found at {}: {build}, or set {env_name}", path.display()),
    )
}

fn absolute(path: &Path, missing: &str) -> PathBuf {
    assert!(path.is_file(), "{missing}");
    path.canonicalize().expect("absolute binary path")
}

pub fn server() -> PathBuf {
    binary(
        "KEYTURN_SERVER_BIN",
        "keyturn-server",
        "build it first (`cargo build -p keyturn-server`, same CARGO_TARGET_DIR)",
    )
}

pub fn app() -> PathBuf {
    binary(
        "KEYTURN_APP_BIN",
        "keyturn",
        "build the workspace first (bash scripts/test.sh does)",
    )
}

/// The C library (crates/ffi), as programs in other languages load it.
pub fn library() -> PathBuf {
    binary(
        "KEYTURN_LIBRARY",
        "libkeyturn.so",
        "build the workspace first (bash scripts/test.sh does)",
    )
}

/// The benchmark's reference: a bare Tauri window (bench/bare-window).
pub fn bare_window() -> PathBuf {
    binary(
        "KEYTURN_BARE_WINDOW_BIN",
        "bare-window",
        "build the workspace first (bash scripts/test.sh does)",
    )
}

/// A workspace example program (built by `cargo build --workspace --all-targets`).
pub fn example(name: &str) -> PathBuf {
    let path = profile_dir().join("examples").join(name);
    absolute(
        &path,
        &format!(
            "example {name} not found at {}: build the workspace with --all-targets first",
            path.display()
        ),
    )
}
