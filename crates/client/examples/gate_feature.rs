//! A vendor's own program gating a feature on an entitlement, with the host-side check: the same
//! keychain entries, state file and offline verification as the installed Keyturn app, no window
//! and no network.
//!
//! `cargo run -p keyturn-client --example gate_feature -- vendor.json pro`
//! prints `pro: on` and exits 0 when this computer is licensed for `pro`, else
//! `pro: off (CODE)` and exits 1.

use keyturn_client::{host, VendorConfig};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(config), Some(feature)) = (args.next(), args.next()) else {
        eprintln!("usage: gate_feature VENDOR_JSON ENTITLEMENT");
        std::process::exit(2);
    };
    let config = match VendorConfig::load(config.as_ref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let status = host::check(&config);
    if status.has_entitlement(&feature) {
        println!("{feature}: on");
    } else {
        println!(
            "{feature}: off ({})",
            if status.licensed { "NOT_ENTITLED" } else { &status.code }
        );
        std::process::exit(1);
    }
}
