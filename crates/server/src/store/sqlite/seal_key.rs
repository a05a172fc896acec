//! [`SealTx`] in SQLite's SQL, and [`adopt_at_open`]: the seal key check and reseal of
//! [`crate::domain::seal_key::adopt`] when the file opens.

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::seal_key::{self, Holder, SealTx, SealedValue, Setting, FORGOTTEN_MAIL};
use crate::domain::secrets::Secrets;
use rusqlite::{params, OptionalExtension};
use std::future::{ready, Future};

const META_CHECK: &str = "seal_key_check";

pub(crate) const SEALED_VALUES: &str = "SELECT 'totp', id, totp_secret FROM staff WHERE totp_secret IS NOT NULL \
     UNION ALL SELECT 'mail', license_id, license_key FROM license_mails WHERE license_key IS NOT NULL";

pub(crate) fn holder(kind: &str) -> Holder {
    if kind == "totp" {
        Holder::TotpSecret
    } else {
        Holder::MailedKey
    }
}

impl SealTx for SqliteTx<'_> {
    fn sealed_values(&mut self) -> impl Future<Output = ApiResult<Vec<SealedValue>>> + Send {
        let read = || -> rusqlite::Result<Vec<SealedValue>> {
            let mut stmt = self.0.prepare(SEALED_VALUES)?;
            let rows = stmt.query_map([], |r| {
                Ok(SealedValue {
                    holder: holder(&r.get::<_, String>(0)?),
                    owner: r.get(1)?,
                    stored: r.get(2)?,
                })
            })?;
            rows.collect()
        };
        ready(read().map_err(Into::into))
    }

    fn replace_sealed(&mut self, v: &SealedValue, new: Option<&str>) -> impl Future<Output = ApiResult<()>> + Send {
        let changed = match (v.holder, new) {
            (Holder::TotpSecret, _) => self.0.execute(
                "UPDATE staff SET totp_secret = ?3 WHERE id = ?1 AND totp_secret = ?2",
                params![v.owner, v.stored, new],
            ),
            (Holder::MailedKey, Some(new)) => self.0.execute(
                "UPDATE license_mails SET license_key = ?3 WHERE license_id = ?1 AND license_key = ?2",
                params![v.owner, v.stored, new],
            ),
            (Holder::MailedKey, None) => self.0.execute(
                "UPDATE license_mails SET license_key = NULL, state = CASE WHEN state = 'SENT' THEN state ELSE 'FAILED' END, \
                 last_error = ?3 WHERE license_id = ?1 AND license_key = ?2",
                params![v.owner, v.stored, FORGOTTEN_MAIL],
            ),
        };
        ready(changed.map(drop).map_err(Into::into))
    }

    fn seal_key_check(&mut self) -> impl Future<Output = ApiResult<Option<String>>> + Send {
        let check = self
            .0
            .query_row("SELECT v FROM meta WHERE k = ?1", [META_CHECK], |r| {
                r.get::<_, Vec<u8>>(0)
            })
            .optional();
        ready(
            check
                .map(|v| v.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
                .map_err(Into::into),
        )
    }

    fn set_seal_key_check(&mut self, check: Option<&str>) -> impl Future<Output = ApiResult<()>> + Send {
        let done = match check {
            Some(check) => self.0.execute(
                "INSERT INTO meta (k, v) VALUES (?1, ?2) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
                params![META_CHECK, check.as_bytes()],
            ),
            None => self.0.execute("DELETE FROM meta WHERE k = ?1", [META_CHECK]),
        };
        ready(done.map(drop).map_err(Into::into))
    }
}

/// Runs [`seal_key::adopt`] in one `BEGIN IMMEDIATE` transaction. Replaced values are
/// overwritten in the file (`secure_delete`) and the WAL checkpointed, so no copy sealed under
/// the database's own secret stays on disk beside that secret.
pub fn adopt_at_open(conn: &rusqlite::Connection, secrets: &Secrets, setting: &Setting) -> rusqlite::Result<()> {
    if matches!(setting, Setting::NotChecked) {
        return Ok(());
    }
    let refused = |message: String| {
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR), Some(message))
    };
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let outcome = super::complete(async { Ok(seal_key::adopt(&mut SqliteTx(conn), setting, secrets).await) })
        .map_err(|e| e.to_string())
        .and_then(|adopted| adopted.map_err(|e| e.to_string()));
    let adopted = match outcome {
        Ok(adopted) => adopted,
        Err(message) => {
            conn.execute_batch("ROLLBACK")?;
            return Err(refused(message));
        }
    };
    conn.execute_batch("COMMIT")?;
    if adopted.resealed + adopted.forgotten > 0 {
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    conn.pragma_update(None, "secure_delete", "OFF")?;
    adopted.log();
    Ok(())
}
