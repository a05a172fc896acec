//! [`MailTx`] in SQLite's SQL (table `license_mails`: the mail block at the end of
//! [`super::schema`]).

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::mail::{KeyMail, MailTx};
use rusqlite::{params, OptionalExtension, Row};
use std::future::{ready, Future};

fn done<T: Send>(result: rusqlite::Result<T>) -> impl Future<Output = ApiResult<T>> + Send {
    ready(result.map_err(Into::into))
}

pub const COLUMNS: &str = "license_id, to_email, to_name, product_name, license_key, state, attempts, next_at, \
                           last_error, created_at, sent_at";

pub(super) fn mail(r: &Row<'_>) -> rusqlite::Result<KeyMail> {
    Ok(KeyMail {
        license_id: r.get(0)?,
        to_email: r.get(1)?,
        to_name: r.get(2)?,
        product_name: r.get(3)?,
        key: r.get(4)?,
        state: r.get(5)?,
        attempts: r.get(6)?,
        next_at: r.get(7)?,
        last_error: r.get(8)?,
        created_at: r.get(9)?,
        sent_at: r.get(10)?,
    })
}

impl MailTx for SqliteTx<'_> {
    fn insert_mail(&mut self, m: &KeyMail) -> impl Future<Output = ApiResult<bool>> + Send {
        done(
            self.0
                .execute(
                    &format!("INSERT OR IGNORE INTO license_mails ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                    params![
                        m.license_id, m.to_email, m.to_name, m.product_name, m.key, m.state, m.attempts, m.next_at,
                        m.last_error, m.created_at, m.sent_at
                    ],
                )
                .map(|n| n == 1),
        )
    }

    fn claim_mails(
        &mut self,
        now: i64,
        lease_until: i64,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<KeyMail>>> + Send {
        done(
            self.0
                .prepare_cached(&format!(
                    "UPDATE license_mails SET lease_until = ?2 WHERE license_id IN (SELECT license_id FROM license_mails \
                     WHERE state = 'PENDING' AND next_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1) \
                     ORDER BY next_at LIMIT ?3) RETURNING {COLUMNS}"
                ))
                .and_then(|mut s| s.query_map(params![now, lease_until, limit], mail)?.collect()),
        )
    }

    fn mail(&mut self, license_id: &str) -> impl Future<Output = ApiResult<Option<KeyMail>>> + Send {
        done(
            self.0
                .query_row(
                    &format!("SELECT {COLUMNS} FROM license_mails WHERE license_id = ?1"),
                    [license_id],
                    mail,
                )
                .optional(),
        )
    }

    fn update_mail(&mut self, m: &KeyMail) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .execute(
                    "UPDATE license_mails SET license_key = ?2, state = ?3, attempts = ?4, next_at = ?5, last_error = ?6, \
                     sent_at = ?7, lease_until = NULL WHERE license_id = ?1",
                    params![m.license_id, m.key, m.state, m.attempts, m.next_at, m.last_error, m.sent_at],
                )
                .map(drop),
        )
    }
}
