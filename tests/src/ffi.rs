//! The C library's wrappers as a vendor installs them, for tests: the Python package installed
//! with pip from the repository (once per test process).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The repository's root folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("repository folder")
}

/// Runs a build or install step; fails the test with its output if it fails.
pub fn must(mut command: Command, what: &str) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start ({e}); bash scripts/setup.sh installs it"));
    assert!(
        output.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A folder holding the `keyturn` Python package, installed by pip from bindings/python: put it
/// on PYTHONPATH.
pub fn python_site() -> &'static Path {
    static SITE: OnceLock<tempfile::TempDir> = OnceLock::new();
    SITE.get_or_init(|| {
        let site = tempfile::tempdir().expect("site folder");
        let build = tempfile::tempdir().expect("build folder");
        // A copy, so pip's build folders never land in the repository.
        let source = build.path().join("python");
        let mut cp = Command::new("cp");
        cp.arg("-r").arg(repo().join("bindings/python")).arg(&source);
        must(cp, "copy bindings/python");
        // pip builds it as any user's install does (setuptools in an isolated build environment).
        let mut pip = Command::new("python3");
        pip.env("PIP_ROOT_USER_ACTION", "ignore")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--target",
            ])
            .arg(site.path())
            .arg(&source);
        must(pip, "pip install bindings/python");
        site
    })
    .path()
}

/// A Python program with the `keyturn` package and libkeyturn found.
pub fn python(mut command: Command) -> Command {
    let library = crate::binaries::library();
    command
        .env("PYTHONPATH", python_site())
        .env("KEYTURN_LIBRARY", &library)
        .env("LD_LIBRARY_PATH", library.parent().expect("library folder"));
    command
}
