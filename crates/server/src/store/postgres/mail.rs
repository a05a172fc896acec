//! [`MailTx`] in PostgreSQL's SQL (table `license_mails`: the mail block at the end of
//! [`super::schema`]); a claim leases rows with `FOR UPDATE SKIP LOCKED`, so with several
//! replicas one sends each email.

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::mail::{KeyMail, MailTx};
use crate::store::sqlite::mail::COLUMNS;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

pub(super) fn mail(r: &Row) -> KeyMail {
    KeyMail {
        license_id: r.get(0),
        to_email: r.get(1),
        to_name: r.get(2),
        product_name: r.get(3),
        key: r.get(4),
        state: r.get(5),
        attempts: r.get::<_, i32>(6).max(0) as u32,
        next_at: r.get(7),
        last_error: r.get(8),
        created_at: r.get(9),
        sent_at: r.get(10),
    }
}

impl<C: GenericClient + Sync> MailTx for PgTx<'_, C> {
    async fn insert_mail(&mut self, m: &KeyMail) -> ApiResult<bool> {
        let attempts = m.attempts as i32;
        let n = self
            .0
            .execute(
                &format!(
                    "INSERT INTO license_mails ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT DO NOTHING"
                ),
                &[
                    &m.license_id,
                    &m.to_email,
                    &m.to_name,
                    &m.product_name,
                    &m.key,
                    &m.state,
                    &attempts,
                    &m.next_at,
                    &m.last_error,
                    &m.created_at,
                    &m.sent_at,
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn claim_mails(&mut self, now: i64, lease_until: i64, limit: u32) -> ApiResult<Vec<KeyMail>> {
        let rows = self
            .0
            .query(
                &format!(
                    "UPDATE license_mails SET lease_until = $2 WHERE license_id IN (SELECT license_id FROM license_mails \
                     WHERE state = 'PENDING' AND next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) \
                     ORDER BY next_at LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     AND state = 'PENDING' AND (lease_until IS NULL OR lease_until <= $1) RETURNING {COLUMNS}"
                ),
                &[&now, &lease_until, &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(mail).collect())
    }

    async fn mail(&mut self, license_id: &str) -> ApiResult<Option<KeyMail>> {
        let row = self
            .0
            .query_opt(
                &format!("SELECT {COLUMNS} FROM license_mails WHERE license_id = $1"),
                &[&license_id],
            )
            .await?;
        Ok(row.as_ref().map(mail))
    }

    async fn update_mail(&mut self, m: &KeyMail) -> ApiResult<()> {
        let attempts = m.attempts as i32;
        self.0
            .execute(
                "UPDATE license_mails SET license_key = $2, state = $3, attempts = $4, next_at = $5, last_error = $6, \
                 sent_at = $7, lease_until = NULL WHERE license_id = $1",
                &[
                    &m.license_id,
                    &m.key,
                    &m.state,
                    &attempts,
                    &m.next_at,
                    &m.last_error,
                    &m.sent_at,
                ],
            )
            .await?;
        Ok(())
    }
}
