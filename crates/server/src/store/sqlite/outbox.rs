//! [`OutboxTx`] in SQLite's SQL (the console's mail queue; table `license_mails`).

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::mail::KeyMail;
use crate::domain::outbox::OutboxTx;
use crate::store::sqlite::mail::COLUMNS;
use rusqlite::params;
use std::future::{ready, Future};

impl OutboxTx for SqliteTx<'_> {
    fn mail_page(
        &mut self,
        state: Option<&str>,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<KeyMail>>> + Send {
        let (at, id) = before.unzip();
        ready(
            self.0
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM license_mails WHERE (?1 IS NULL OR state = ?1) \
                     AND (?2 IS NULL OR (created_at, license_id) < (?2, ?3)) \
                     ORDER BY created_at DESC, license_id DESC LIMIT ?4"
                ))
                .and_then(|mut s| {
                    s.query_map(params![state, at, id, limit], super::mail::mail)?
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(Into::into),
        )
    }
}
