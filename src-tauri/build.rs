//! Embeds the vendor config: `KEYTURN_BUILD_CONFIG` names a vendor's file (scripts/package.sh
//! sets it), else `vendor.json` next to this file. It lands in OUT_DIR/vendor.json, which
//! `startup::EMBEDDED_CONFIG` includes.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=KEYTURN_BUILD_CONFIG");
    let source = std::env::var_os("KEYTURN_BUILD_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("vendor.json"));
    println!("cargo:rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("cannot read the vendor config {}: {e}", source.display()));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("vendor.json");
    std::fs::write(out, text).expect("write OUT_DIR/vendor.json");
    tauri_build::build()
}
