//! The key-email queries each store implements beside [`Tx`] (SQL: `store/sqlite/mail.rs`,
//! `store/postgres/mail.rs`).

use super::KeyMail;
use crate::domain::errors::ApiResult;
use crate::domain::tx::Tx;
use std::future::Future;

pub trait MailTx: Tx {
    /// Queues the license's email unless it has one (then false: at most one per license).
    fn insert_mail(&mut self, mail: &KeyMail) -> impl Future<Output = ApiResult<bool>> + Send;
    /// Leases up to `limit` due pending emails until `lease_until` (one process sends each).
    fn claim_mails(
        &mut self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<KeyMail>>> + Send;
    fn mail(&mut self, license_id: &str) -> impl Future<Output = ApiResult<Option<KeyMail>>> + Send;
    /// Stores the email's state (the key column as given: wiped once sent or given up); ends the lease.
    fn update_mail(&mut self, mail: &KeyMail) -> impl Future<Output = ApiResult<()>> + Send;
}
