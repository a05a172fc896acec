//! What a successful activation, renewal or trial hands to the token issuer, and new keys.

use super::model::{Activation, LicenseCtx};
use keyturn_protocol::LicenseKey;
use rand::RngCore;

/// An activation that was created, re-bound or renewed: what the token is issued from.
#[derive(Debug, Clone)]
pub struct Issued {
    pub ctx: LicenseCtx,
    pub activation: Activation,
    pub seats_used: u32,
}

impl Issued {
    /// The same, its activation with the offline lease ending at `until`.
    pub fn leased_until(self, until: i64) -> Issued {
        Issued {
            activation: Activation {
                offline_until: Some(until),
                ..self.activation
            },
            ..self
        }
    }
}

/// A fresh license key from the OS randomness source (140 random bits).
pub fn generate_key() -> LicenseKey {
    let mut bytes = [0u8; keyturn_protocol::key::RANDOM_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    LicenseKey::from_random_bytes(bytes)
}
