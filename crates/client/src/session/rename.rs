//! "Rename this computer" on the [`Session`]: the name this device's activation shows on the
//! seat-limit screen, in the portal and the console, and the name the app shows for it.

use super::Session;
use crate::flow::FlowError;
use keyturn_protocol::wire::{self, Machine};
use keyturn_protocol::Code;

impl Session {
    /// This computer's name as the license server shows it (set by [`Session::rename_this`]),
    /// or the hostname before the server named it.
    pub fn device_name(&self) -> String {
        self.state
            .load()
            .ok()
            .and_then(|s| s.device_name)
            .unwrap_or_else(|| self.device.name.clone())
    }

    /// "Rename this computer": the name its activation shows on the seat-limit screen, in the
    /// portal and the console. A name the server would refuse is refused here first, without a
    /// call (`INVALID_DEVICE_NAME`); the name the server kept is remembered for
    /// [`Session::device_name`].
    pub async fn rename_this(&self, name: &str) -> Result<Machine, FlowError> {
        let Some(name) = wire::device_name(name) else {
            return Err(FlowError::Refused {
                code: Code::InvalidDeviceName,
                message: format!(
                    "a device name is 1 to {} characters without line breaks or other control characters",
                    wire::DEVICE_NAME_MAX_CHARS
                ),
                license: None,
            });
        };
        let key = self.stored_key()?.ok_or(FlowError::NotActivated)?;
        let activation_id = self.state.load()?.activation_id.ok_or(FlowError::NotActivated)?;
        let machine = self
            .api
            .rename(&key, &activation_id, &self.device.fingerprint, &name)
            .await?;
        self.state
            .update(&mut |state| state.device_name = Some(machine.name.clone()))?;
        Ok(machine)
    }
}
