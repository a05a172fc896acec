//! The `seal_key_file` setting ([`SealKeyOptions`], flattened into `serve`, `init` and `doctor`):
//! the file whose key seals staff TOTP secrets and queued email keys outside the database
//! ([`crate::domain::seal_key`]).

use crate::domain::seal_key::{file, Setting};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct SealKeyOptions {
    /// File holding the key that seals staff TOTP secrets and the keys of queued emails (64 hex
    /// digits; `keyturn-server seal-key new PATH` or init creates it, mode 0600). Back it up apart
    /// from the database. Without it they are sealed with a key kept in the database itself.
    #[arg(long)]
    pub seal_key_file: Option<PathBuf>,
}

/// Said once at start by a server without a seal key file.
pub const NO_KEY_FILE_WARNING: &str = "no seal_key_file: staff TOTP secrets and the keys of queued emails are sealed \
     with a key kept in the database, so they are only as safe as the database and its backups; create one with \
     `keyturn-server seal-key new PATH` and set seal_key_file (README: Storage, durability, secrets)";

impl SealKeyOptions {
    /// The store's seal key setting: the file's key, or the database's own secret.
    pub fn setting(&self) -> Result<Setting, String> {
        match &self.seal_key_file {
            Some(path) => Ok(Setting::File(file::read(path)?)),
            None => Ok(Setting::DatabaseKey),
        }
    }
}
