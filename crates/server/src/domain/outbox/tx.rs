//! The console's outbox queries each store implements beside [`Tx`] (SQL:
//! `store/sqlite/outbox.rs`, `store/postgres/outbox.rs`).

use crate::domain::errors::ApiResult;
use crate::domain::mail::KeyMail;
use crate::domain::tx::Tx;
use std::future::Future;

pub trait OutboxTx: Tx {
    /// Key emails newest first (by created_at, then license id), in `state` if given, before the
    /// position `before` if given; at most `limit`.
    fn mail_page(
        &mut self,
        state: Option<&str>,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<KeyMail>>> + Send;
}
