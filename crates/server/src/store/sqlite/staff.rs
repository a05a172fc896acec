//! Staff accounts, API tokens and staff settings in SQLite ([`StaffTx`]; the tables are at the
//! end of [`super::schema::SCHEMA`]; the rules: [`crate::domain::staff`]).

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::staff::attempts::Budget;
use crate::domain::staff::tx::StaffTx;
use crate::domain::staff::{ApiToken, Role, StaffAccount};
use rusqlite::{params, Row};
use std::future::{ready, Future};

fn done<T: Send>(result: rusqlite::Result<T>) -> impl Future<Output = ApiResult<T>> + Send {
    ready(result.map_err(Into::into))
}

/// A role as stored; an unknown one (a newer server's) reads as the least: viewer.
fn role(text: String) -> Role {
    Role::parse(&text).unwrap_or(Role::Viewer)
}

const STAFF: &str = "SELECT id, email, role, disabled, password_hash, totp_secret, created_at FROM staff";
const TOKENS: &str =
    "SELECT id, name, role, product_id, expires_at, last_used_at, revoked_at, created_at FROM api_tokens";

fn account(r: &Row<'_>) -> rusqlite::Result<StaffAccount> {
    Ok(StaffAccount {
        id: r.get(0)?,
        email: r.get(1)?,
        role: role(r.get(2)?),
        disabled: r.get(3)?,
        password_hash: r.get(4)?,
        totp_secret: r.get(5)?,
        created_at: r.get(6)?,
    })
}

fn token(r: &Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role(r.get(2)?),
        product_id: r.get(3)?,
        expires_at: r.get(4)?,
        last_used_at: r.get(5)?,
        revoked_at: r.get(6)?,
        created_at: r.get(7)?,
    })
}

impl StaffTx for SqliteTx<'_> {
    fn insert_staff(&mut self, a: &StaffAccount) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "INSERT INTO staff (id, email, role, disabled, password_hash, totp_secret, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                a.id,
                a.email,
                a.role.as_str(),
                a.disabled,
                a.password_hash,
                a.totp_secret,
                a.created_at
            ],
        ))
    }

    fn staff_by_email(&mut self, email: &str) -> impl Future<Output = ApiResult<Option<StaffAccount>>> + Send {
        done(self.one(&format!("{STAFF} WHERE email = ?1"), [email], account))
    }

    fn staff_by_id(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<StaffAccount>>> + Send {
        done(self.one(&format!("{STAFF} WHERE id = ?1"), [id], account))
    }

    fn staff_list(&mut self) -> impl Future<Output = ApiResult<Vec<StaffAccount>>> + Send {
        done(self.all(&format!("{STAFF} ORDER BY created_at, id"), account))
    }

    fn update_staff(&mut self, a: &StaffAccount) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "UPDATE staff SET role = ?2, disabled = ?3, password_hash = ?4, totp_secret = ?5 WHERE id = ?1",
            params![a.id, a.role.as_str(), a.disabled, a.password_hash, a.totp_secret],
        ))
    }

    fn insert_api_token(&mut self, t: &ApiToken, hash: &str) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "INSERT INTO api_tokens (id, name, token_hash, role, product_id, expires_at, last_used_at, revoked_at, \
             created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                t.id,
                t.name,
                hash,
                t.role.as_str(),
                t.product_id,
                t.expires_at,
                t.last_used_at,
                t.revoked_at,
                t.created_at
            ],
        ))
    }

    fn api_token_by_hash(&mut self, hash: &str) -> impl Future<Output = ApiResult<Option<ApiToken>>> + Send {
        done(self.one(&format!("{TOKENS} WHERE token_hash = ?1"), [hash], token))
    }

    fn api_token_by_id(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<ApiToken>>> + Send {
        done(self.one(&format!("{TOKENS} WHERE id = ?1"), [id], token))
    }

    fn api_tokens(&mut self) -> impl Future<Output = ApiResult<Vec<ApiToken>>> + Send {
        done(self.all(&format!("{TOKENS} ORDER BY created_at, id"), token))
    }

    fn set_api_token_revoked(&mut self, id: &str, at: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1", params![id, at]))
    }

    fn set_api_token_used(&mut self, id: &str, at: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1", params![id, at]))
    }

    fn staff_setting(&mut self, name: &str) -> impl Future<Output = ApiResult<Option<String>>> + Send {
        done(self.one("SELECT value FROM staff_settings WHERE name = ?1", [name], |r| r.get(0)))
    }

    fn put_staff_setting(&mut self, name: &str, value: &str) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "INSERT INTO staff_settings (name, value) VALUES (?1, ?2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![name, value],
        ))
    }

    fn claim_totp_step(&mut self, staff_id: &str, step: i64) -> impl Future<Output = ApiResult<bool>> + Send {
        done(self.execute(CLAIM_TOTP_STEP, params![staff_id, step]).map(|n| n == 1))
    }

    /// SQLite has one writer: a change is decided alone.
    fn lock_owners(&mut self) -> impl Future<Output = ApiResult<()>> + Send {
        ready(Ok(()))
    }

    fn take_attempt(&mut self, key: &str, now: i64, budget: Budget) -> impl Future<Output = ApiResult<bool>> + Send {
        let (every, max_ahead, cap) = (budget.every, budget.max_ahead(), budget.cap());
        done(
            self.execute(TAKE_ATTEMPT, params![key, now, every, max_ahead, cap])
                .map(|n| n == 1),
        )
    }

    fn return_attempt(&mut self, key: &str, every: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "UPDATE sign_in_attempts SET ahead_until = ahead_until - ?2 WHERE k = ?1",
            params![key, every],
        ))
    }

    fn attempts_ahead_until(&mut self, key: &str) -> impl Future<Output = ApiResult<Option<i64>>> + Send {
        done(
            self.one("SELECT ahead_until FROM sign_in_attempts WHERE k = ?1", [key], |r| {
                r.get(0)
            }),
        )
    }

    fn forget_attempts_before(&mut self, now: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "DELETE FROM sign_in_attempts WHERE k IN \
             (SELECT k FROM sign_in_attempts WHERE ahead_until < ?1 LIMIT 100)",
            [now],
        ))
    }
}

/// One sign-in attempt taken in one conditional write (`crate::domain::staff::attempts`):
/// ?1 key, ?2 now, ?3 every, ?4 max_ahead, ?5 cap. No row, or one beyond the cap: a full budget.
const TAKE_ATTEMPT: &str = "INSERT INTO sign_in_attempts (k, ahead_until) VALUES (?1, ?2 + ?3) \
     ON CONFLICT (k) DO UPDATE SET ahead_until = CASE WHEN sign_in_attempts.ahead_until - ?2 > ?5 \
     THEN ?2 + ?3 ELSE MAX(sign_in_attempts.ahead_until, ?2) + ?3 END \
     WHERE sign_in_attempts.ahead_until - ?2 <= ?4 OR sign_in_attempts.ahead_until - ?2 > ?5";

/// Schema step "sign-in attempts, sealed TOTP secrets" (end of [`super::schema::STEPS`]): the
/// attempts table; TOTP secrets are sealed by the store's opening (it needs the server secret).
pub fn attempts_step(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS sign_in_attempts (k TEXT PRIMARY KEY, ahead_until INTEGER NOT NULL); \
         CREATE INDEX IF NOT EXISTS sign_in_attempts_ahead ON sign_in_attempts(ahead_until);",
    )
}

/// The last accepted TOTP step per account (the table: [`TOTP_STEPS`]): raised only upwards.
const CLAIM_TOTP_STEP: &str = "INSERT INTO staff_totp_steps (staff_id, last_step) VALUES (?1, ?2) \
     ON CONFLICT (staff_id) DO UPDATE SET last_step = excluded.last_step \
     WHERE staff_totp_steps.last_step < excluded.last_step";

/// Schema (end of [`super::schema::SCHEMA`]'s steps): a table of its own, so existing databases
/// get it with `CREATE TABLE IF NOT EXISTS`.
pub const TOTP_STEPS: &str = "CREATE TABLE IF NOT EXISTS staff_totp_steps (\
     staff_id TEXT PRIMARY KEY, last_step INTEGER NOT NULL)";

/// Seals the TOTP secrets an earlier release stored in plain base32
/// ([`crate::domain::staff::sealed::seal_plain`]), in one transaction. The freed plain text is
/// overwritten in the file (`secure_delete`) and the WAL checkpointed, so no copy stays on disk.
pub fn seal_plain_totp_secrets(
    conn: &rusqlite::Connection,
    sealer: &crate::domain::sealed::Sealer,
) -> rusqlite::Result<()> {
    let plain: i64 = conn.query_row(
        "SELECT count(*) FROM staff WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'v1.%' \
         AND totp_secret NOT LIKE 'v2.%'",
        [],
        |r| r.get(0),
    )?;
    if plain == 0 {
        return Ok(());
    }
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let sealed = super::complete(crate::domain::staff::sealed::seal_plain(&mut SqliteTx(conn), sealer));
    match sealed {
        Ok(n) => {
            conn.execute_batch("COMMIT")?;
            tracing::info!(
                accounts = n,
                "sealed the TOTP secrets stored in plain by an earlier release"
            );
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK")?;
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                Some(format!("cannot seal the TOTP secrets: {e}")),
            ));
        }
    }
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.pragma_update(None, "secure_delete", "OFF")
}
