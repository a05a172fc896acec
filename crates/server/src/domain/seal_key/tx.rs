//! The queries [`super::adopt`] needs on top of [`Tx`]: every sealed value of the database and
//! the key file's check value (SQL: `store/sqlite/seal_key.rs`, `store/postgres/seal_key.rs`).

use crate::domain::errors::ApiResult;
use crate::domain::tx::Tx;
use std::future::Future;

/// Which column holds a sealed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// `staff.totp_secret`, owner: the account's id.
    TotpSecret,
    /// `license_mails.key`, owner: the license's id.
    MailedKey,
}

/// One stored value of a sealed column (as stored: sealed, or plain from an earlier release).
#[derive(Debug, Clone)]
pub struct SealedValue {
    pub holder: Holder,
    pub owner: String,
    pub stored: String,
}

pub trait SealTx: Tx {
    /// Every TOTP secret and every key a queued email waits with (not NULL).
    fn sealed_values(&mut self) -> impl Future<Output = ApiResult<Vec<SealedValue>>> + Send;
    /// Replaces `value` (when still stored as read) with `new`; `None` forgets it (a TOTP
    /// enrolment removed; an email given up, its key gone).
    fn replace_sealed(&mut self, value: &SealedValue, new: Option<&str>) -> impl Future<Output = ApiResult<()>> + Send;
    /// The check value of the seal key file this database was sealed with (`meta`).
    fn seal_key_check(&mut self) -> impl Future<Output = ApiResult<Option<String>>> + Send;
    fn set_seal_key_check(&mut self, check: Option<&str>) -> impl Future<Output = ApiResult<()>> + Send;
}
