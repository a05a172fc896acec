//! Where the built binaries are. `scripts/test.sh` builds the whole workspace first.

use std::path::PathBuf;

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("target"),
    }
}

fn binary(env_name: &str, file: &str) -> PathBuf {
    let path = std::env::var_os(env_name)
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join(profile()).join(file));
    assert!(
        path.is_file(),
        "{} not found at {}: build the workspace first (bash scripts/test.sh does), or set {env_name}",
        file,
        path.display()
    );
    path.canonicalize().expect("absolute binary path")
}

pub fn server() -> PathBuf {
    binary("KEYTURN_SERVER_BIN", "keyturn-server")
}

pub fn app() -> PathBuf {
    binary("KEYTURN_APP_BIN", "keyturn")
}

/// The C library (crates/ffi), as programs in other languages load it.
pub fn library() -> PathBuf {
    binary("KEYTURN_LIBRARY", "libkeyturn.so")
}

/// The benchmark's reference: a bare Tauri window (bench/bare-window).
pub fn bare_window() -> PathBuf {
    binary("KEYTURN_BARE_WINDOW_BIN", "bare-window")
}

/// The profile folder binaries are taken from: `debug` unless KEYTURN_PROFILE says otherwise.
fn profile() -> String {
    std::env::var("KEYTURN_PROFILE").unwrap_or_else(|_| "debug".into())
}

/// A workspace example program (built by `cargo build --workspace --all-targets`).
pub fn example(name: &str) -> PathBuf {
    let path = target_dir().join(profile()).join("examples").join(name);
    assert!(
        path.is_file(),
        "example {name} not found at {}: build the workspace with --all-targets first",
        path.display()
    );
    path.canonicalize().expect("absolute example path")
}
