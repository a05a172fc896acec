//! [`OutboxTx`] in PostgreSQL's SQL (the console's mail queue; table `license_mails`).

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::mail::KeyMail;
use crate::domain::outbox::OutboxTx;
use crate::store::sqlite::mail::COLUMNS;
use deadpool_postgres::GenericClient;

impl<C: GenericClient + Sync> OutboxTx for PgTx<'_, C> {
    async fn mail_page(
        &mut self,
        state: Option<&str>,
        before: Option<(i64, String)>,
        limit: u32,
    ) -> ApiResult<Vec<KeyMail>> {
        let (at, id) = before.unzip();
        let rows = self
            .0
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM license_mails WHERE ($1::TEXT IS NULL OR state = $1) \
                     AND ($2::BIGINT IS NULL OR (created_at, license_id) < ($2, $3::TEXT)) \
                     ORDER BY created_at DESC, license_id DESC LIMIT $4"
                ),
                &[&state, &at, &id, &i64::from(limit)],
            )
            .await?;
        Ok(rows.iter().map(super::mail::mail).collect())
    }
}
