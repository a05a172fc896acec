//! Prints this device's fingerprint explanation (no raw values), like `keyturn fingerprint --explain`.
//! `cargo run -p keyturn-client --example fingerprint -- [PRODUCT_ID]`

fn main() {
    let product_id = std::env::args().nth(1).unwrap_or_else(|| "example-product".to_owned());
    let started = std::time::Instant::now();
    match keyturn_client::Device::detect(&product_id, keyturn_client::config::DEFAULT_FINGERPRINT_ENV) {
        Ok(device) => {
            let elapsed = started.elapsed();
            println!("{}", serde_json::to_string_pretty(&device.explain()).expect("json"));
            println!("fingerprint: {}", device.fingerprint);
            println!(
                "platform: {}  name length: {}  detected in {:?}",
                device.platform,
                device.name.len(),
                elapsed
            );
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
