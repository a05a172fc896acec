//! Screenshots and logs the E2E run leaves in tests/artifacts/ (ignored by git).

use std::path::PathBuf;

pub fn dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).expect("create tests/artifacts");
    dir
}

pub fn save(name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir().join(name);
    std::fs::write(&path, bytes).expect("write artifact");
    path
}
