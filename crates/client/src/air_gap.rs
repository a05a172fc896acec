//! Activation without internet, through the vendor's customer portal (formats in
//! `keyturn_protocol::offline`): the request code this device hands over, importing the signed
//! response it gets back, and the code that frees its seat after an offline deactivation.

use crate::config::VendorConfig;
use crate::fingerprint::Device;
use crate::flow::{Activation, FlowError};
use crate::offline;
use keyturn_protocol::offline::{OfflineCode, OfflineDeactivation, OfflineRequest, OfflineResponse};

/// This device's request code: product, fingerprint, component hashes, name and platform.
/// Nothing secret (no key, no token).
pub fn request_code(config: &VendorConfig, device: &Device, now: i64) -> String {
    OfflineRequest {
        product_id: config.product_id.clone(),
        fingerprint: device.fingerprint.clone(),
        components: device.components.clone(),
        name: device.name.clone(),
        platform: device.platform.clone(),
        virt: device.virt.clone(),
        created_at: now,
    }
    .encode()
}

/// Reads a response code and checks it like an online activation: the token verifies with the
/// pinned public key, names this device's fingerprint and this product, and is current.
pub fn read_response(config: &VendorConfig, device: &Device, text: &str, now: i64) -> Result<Activation, FlowError> {
    let OfflineResponse { activation } = OfflineResponse::decode(text).map_err(FlowError::OfflineCode)?;
    let claims = offline::check_token(
        &activation.token,
        &config.pinned_keys()?,
        &device.fingerprint,
        &config.product_id,
        now,
        None,
    )?;
    Ok(Activation {
        license: activation.license,
        machine: activation.machine,
        token: activation.token,
        claims,
    })
}

/// The code that frees this device's seat in the portal: it carries the token this device held.
pub fn deactivation_code(token: &str, now: i64) -> String {
    OfflineDeactivation {
        token: token.to_owned(),
        deactivated_at: now,
    }
    .encode()
}
