//! The seal key file: where the keys that seal staff TOTP secrets and queued email keys
//! ([`super::sealed`]) come from, checked and put to use when a store opens ([`adopt`], inside
//! the opening transaction, so replicas starting together take turns).
//!
//! - No key file ([`Setting::DatabaseKey`]): values are sealed `v1.` under the database's own
//!   secret, as before. A database that was sealed with a key file refuses to open.
//! - A key file ([`Setting::File`]): the first start with it reseals every `v1.` value (and a
//!   queued key an earlier release kept in plain) as `v2.`, and writes a check value to `meta`
//!   (an AEAD seal of random bytes under a key derived from the file: it tells the right file
//!   from a wrong one and holds no key material). A wrong file refuses to open, changing nothing.
//! - [`Setting::Forget`] (`keyturn-server seal-key forget`): the key file is lost; what it
//!   sealed is dropped (staff enrol TOTP again; queued key emails are given up) and the check
//!   removed, so the server starts again.
//! - [`Setting::NotChecked`]: the admin CLI's commands, which neither seal nor open anything.

pub mod file;
pub mod tx;

use super::sealed::{is_file_sealed, is_sealed, FileKey, Purpose, Sealer};
use super::secrets::Secrets;
pub use tx::{Holder, SealTx, SealedValue};

/// The associated data of the check value.
const CHECK_OWNER: &str = "meta:seal_key_check";
/// Why an email lost its key with the key file (its `last_error`).
pub const FORGOTTEN_MAIL: &str =
    "its key was sealed with a seal key file that was lost (seal-key forget) and is kept nowhere else: give the buyer a new license";

/// Which key a store's sealed values are to be under.
#[derive(Debug, Clone)]
pub enum Setting {
    /// Neither checked nor changed (admin CLI commands: they seal and open nothing).
    NotChecked,
    /// No key file: the database's own secret (refused when a key file sealed the database).
    DatabaseKey,
    /// The seal key file's key.
    File(FileKey),
    /// The key file is lost: drop what it sealed.
    Forget,
}

/// Why a store does not open with its seal key setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealKeyError {
    #[error(
        "this database's staff TOTP secrets and queued email keys are sealed with a seal key file, and none is \
         given: set seal_key_file (--seal-key-file, KEYTURN_SEAL_KEY_FILE) to that file. If the file is lost, \
         `keyturn-server seal-key forget --db DB` drops what it sealed (staff enrol TOTP again, queued key emails \
         are given up) and the server starts again"
    )]
    MissingKeyFile,
    #[error(
        "the seal key file is not the one this database's staff TOTP secrets and queued email keys were sealed \
         with (nothing was changed): give the right file (check seal_key_file and the copy you backed up)"
    )]
    WrongKeyFile,
    #[error("cannot check the sealed values: {0}")]
    Store(String),
}

/// What [`adopt`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Adopted {
    /// Values resealed under the key file (first starts with it).
    pub resealed: usize,
    /// Values left as they were: they open under neither key (damaged).
    pub unopened: usize,
    /// Values dropped by [`Setting::Forget`].
    pub forgotten: usize,
}

impl Adopted {
    /// One line about what opening did to the sealed values (counts only, never a value).
    pub fn log(&self) {
        if self.resealed > 0 {
            tracing::info!(
                values = self.resealed,
                "resealed TOTP secrets and queued email keys with the seal key file"
            );
        }
        if self.unopened > 0 {
            tracing::warn!(
                values = self.unopened,
                "sealed values that open under no key were left as they are"
            );
        }
        if self.forgotten > 0 {
            tracing::warn!(
                values = self.forgotten,
                "dropped the values sealed with the lost seal key file"
            );
        }
    }
}

/// Checks the database's sealed values against `setting` and puts the key file to use (see the
/// module). `secrets` must already seal with the key file when `setting` names one
/// ([`Secrets::use_file_key`]).
pub async fn adopt(tx: &mut impl SealTx, setting: &Setting, secrets: &Secrets) -> Result<Adopted, SealKeyError> {
    let store = |e: super::errors::ApiError| SealKeyError::Store(e.to_string());
    let mut adopted = Adopted::default();
    let key = match setting {
        Setting::NotChecked => return Ok(adopted),
        Setting::File(key) => key,
        Setting::DatabaseKey => {
            let file_sealed = tx
                .sealed_values()
                .await
                .map_err(store)?
                .iter()
                .any(|v| is_file_sealed(&v.stored));
            if file_sealed || tx.seal_key_check().await.map_err(store)?.is_some() {
                return Err(SealKeyError::MissingKeyFile);
            }
            return Ok(adopted);
        }
        Setting::Forget => {
            for value in tx.sealed_values().await.map_err(store)? {
                if is_file_sealed(&value.stored) {
                    tx.replace_sealed(&value, None).await.map_err(store)?;
                    adopted.forgotten += 1;
                }
            }
            tx.set_seal_key_check(None).await.map_err(store)?;
            return Ok(adopted);
        }
    };
    let sealer = |holder: Holder| match holder {
        Holder::TotpSecret => &secrets.totp,
        Holder::MailedKey => secrets.hasher.mailed_sealer(),
    };
    let checker = Sealer::new(&[], Purpose::KeyCheck).with_file_key(key);
    let values = tx.sealed_values().await.map_err(store)?;
    match tx.seal_key_check().await.map_err(store)? {
        Some(check) if checker.open(CHECK_OWNER, &check).is_none() => return Err(SealKeyError::WrongKeyFile),
        Some(_) => {}
        None => {
            // No check value (it was removed by hand?): the file-sealed values decide.
            let file_sealed: Vec<&SealedValue> = values.iter().filter(|v| is_file_sealed(&v.stored)).collect();
            if !file_sealed.is_empty()
                && !file_sealed
                    .iter()
                    .any(|v| sealer(v.holder).open(&v.owner, &v.stored).is_some())
            {
                return Err(SealKeyError::WrongKeyFile);
            }
            let check = checker.seal(CHECK_OWNER, &super::secrets::fresh_secret());
            tx.set_seal_key_check(Some(&check)).await.map_err(store)?;
        }
    }
    for value in values.iter().filter(|v| !is_file_sealed(&v.stored)) {
        let sealer = sealer(value.holder);
        let secret = match (is_sealed(&value.stored), value.holder) {
            (true, _) => sealer.open(&value.owner, &value.stored),
            // A key queued by a release before sealing; TOTP secrets in plain were sealed just before.
            (false, Holder::MailedKey) => Some(value.stored.as_bytes().to_vec()),
            (false, Holder::TotpSecret) => None,
        };
        match secret {
            Some(secret) => {
                let resealed = sealer.seal(&value.owner, &secret);
                tx.replace_sealed(value, Some(&resealed)).await.map_err(store)?;
                adopted.resealed += 1;
            }
            None => adopted.unopened += 1,
        }
    }
    Ok(adopted)
}
