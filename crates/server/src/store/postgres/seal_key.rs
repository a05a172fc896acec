//! [`SealTx`] in PostgreSQL's SQL (run inside the store's opening transaction, under its
//! advisory lock: [`super::open`]).

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::seal_key::{Holder, SealTx, SealedValue, FORGOTTEN_MAIL};
use crate::store::sqlite::seal_key::{holder, SEALED_VALUES};
use deadpool_postgres::GenericClient;

const META_CHECK: &str = "seal_key_check";

impl<C: GenericClient + Sync> SealTx for PgTx<'_, C> {
    async fn sealed_values(&mut self) -> ApiResult<Vec<SealedValue>> {
        Ok(self
            .rows(SEALED_VALUES, &[])
            .await?
            .iter()
            .map(|r| SealedValue {
                holder: holder(r.get(0)),
                owner: r.get(1),
                stored: r.get(2),
            })
            .collect())
    }

    async fn replace_sealed(&mut self, v: &SealedValue, new: Option<&str>) -> ApiResult<()> {
        match (v.holder, new) {
            (Holder::TotpSecret, _) => {
                self.run(
                    "UPDATE staff SET totp_secret = $3 WHERE id = $1 AND totp_secret = $2",
                    &[&v.owner, &v.stored, &new],
                )
                .await
            }
            (Holder::MailedKey, Some(new)) => {
                self.run(
                    "UPDATE license_mails SET license_key = $3 WHERE license_id = $1 AND license_key = $2",
                    &[&v.owner, &v.stored, &new],
                )
                .await
            }
            (Holder::MailedKey, None) => {
                self.run(
                    "UPDATE license_mails SET license_key = NULL, state = CASE WHEN state = 'SENT' THEN state ELSE 'FAILED' END, \
                     last_error = $3 WHERE license_id = $1 AND license_key = $2",
                    &[&v.owner, &v.stored, &FORGOTTEN_MAIL],
                )
                .await
            }
        }
    }

    async fn seal_key_check(&mut self) -> ApiResult<Option<String>> {
        let rows = self.rows("SELECT v FROM meta WHERE k = $1", &[&META_CHECK]).await?;
        Ok(rows
            .first()
            .map(|r| String::from_utf8_lossy(r.get::<_, &[u8]>(0)).into_owned()))
    }

    async fn set_seal_key_check(&mut self, check: Option<&str>) -> ApiResult<()> {
        match check {
            Some(check) => {
                self.run(
                    "INSERT INTO meta (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                    &[&META_CHECK, &check.as_bytes()],
                )
                .await
            }
            None => self.run("DELETE FROM meta WHERE k = $1", &[&META_CHECK]).await,
        }
    }
}
