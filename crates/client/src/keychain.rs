//! The license key and activation token live in the OS keychain (keyring): Secret Service on
//! Linux, Keychain on macOS, Credential Manager on Windows. Never in a plain file: when no
//! keychain is reachable, every call fails with `StoreError::Unavailable` and the app says so.
//! The app, its command line and the vendor's host program all use these same entries.

use crate::storage::{Secret, SecretStore, StoreError};
use keyring::Entry;

pub struct KeychainSecrets {
    license_key: Entry,
    token: Entry,
}

impl KeychainSecrets {
    /// Entries under the service `keyturn:<product id>`, so two vendors' apps never share one.
    pub fn new(product_id: &str) -> Result<Self, StoreError> {
        let service = format!("keyturn:{product_id}");
        let entry = |secret: Secret| Entry::new(&service, secret.name()).map_err(unavailable);
        Ok(KeychainSecrets {
            license_key: entry(Secret::LicenseKey)?,
            token: entry(Secret::Token)?,
        })
    }

    fn entry(&self, secret: Secret) -> &Entry {
        match secret {
            Secret::LicenseKey => &self.license_key,
            Secret::Token => &self.token,
        }
    }
}

fn unavailable(error: keyring::Error) -> StoreError {
    match error {
        keyring::Error::BadEncoding(_) => StoreError::Corrupt("a keychain entry is not text".into()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

impl SecretStore for KeychainSecrets {
    fn get(&self, secret: Secret) -> Result<Option<String>, StoreError> {
        match self.entry(secret).get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn set(&self, secret: Secret, value: &str) -> Result<(), StoreError> {
        self.entry(secret).set_password(value).map_err(unavailable)
    }

    fn delete(&self, secret: Secret) -> Result<(), StoreError> {
        match self.entry(secret).delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_delete_through_the_keyring_api() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let store = KeychainSecrets::new("test-product").unwrap();
        assert_eq!(store.get(Secret::Token).unwrap(), None);
        store.set(Secret::Token, "tok").unwrap();
        store.set(Secret::LicenseKey, "KEY").unwrap();
        assert_eq!(store.get(Secret::Token).unwrap().as_deref(), Some("tok"));
        assert_eq!(store.get(Secret::LicenseKey).unwrap().as_deref(), Some("KEY"));
        store.delete(Secret::Token).unwrap();
        store.delete(Secret::Token).unwrap();
        assert_eq!(store.get(Secret::Token).unwrap(), None);
    }

    #[test]
    fn keychain_failures_are_unavailable_not_empty() {
        let error = unavailable(keyring::Error::PlatformFailure("no D-Bus session".into()));
        assert!(matches!(error, StoreError::Unavailable(_)));
    }
}
