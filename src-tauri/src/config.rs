//! Where the vendor's config comes from: the file named by `KEYTURN_CONFIG`, else the
//! `vendor.json` compiled into this build.

use keyturn_client::VendorConfig;
use std::path::PathBuf;

/// Environment variable naming a vendor config file that replaces the built-in one.
pub const CONFIG_ENV: &str = "KEYTURN_CONFIG";

const EMBEDDED: &str = include_str!("../vendor.json");

pub fn load() -> Result<VendorConfig, Box<dyn std::error::Error>> {
    match std::env::var_os(CONFIG_ENV) {
        Some(path) => {
            let path = PathBuf::from(path);
            VendorConfig::load(&path).map_err(|e| format!("vendor config {}: {e}", path.display()).into())
        }
        None => Ok(VendorConfig::from_json(EMBEDDED)?),
    }
}
