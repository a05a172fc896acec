//! What the commands share: the vendor config, the API client and this device.

use keyturn_client::{ApiClient, Device, VendorConfig};
use std::sync::OnceLock;

use crate::error::CommandError;

pub struct AppState {
    pub config: VendorConfig,
    pub api: ApiClient,
    device: OnceLock<Device>,
}

impl AppState {
    pub fn from_config(config: VendorConfig) -> Result<Self, CommandError> {
        config.verifying_key().map_err(|e| CommandError::Config(e.to_string()))?;
        let api = ApiClient::new(&config.server_url)?;
        Ok(AppState { config, api, device: OnceLock::new() })
    }

    /// This device, detected once per run.
    pub fn device(&self) -> Result<&Device, CommandError> {
        if let Some(device) = self.device.get() {
            return Ok(device);
        }
        let device = Device::detect(&self.config.product_id, &self.config.fingerprint_env)?;
        Ok(self.device.get_or_init(|| device))
    }
}
