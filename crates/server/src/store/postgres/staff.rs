//! Staff accounts, API tokens and staff settings in PostgreSQL ([`StaffTx`]; the tables are at
//! the end of [`super::schema::SCHEMA`]; the rules: [`crate::domain::staff`]).

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::staff::attempts::Budget;
use crate::domain::staff::tx::StaffTx;
use crate::domain::staff::{ApiToken, Role, StaffAccount};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

/// A role as stored; an unknown one (a newer server's) reads as the least: viewer.
fn role(text: String) -> Role {
    Role::parse(&text).unwrap_or(Role::Viewer)
}

const STAFF: &str = "SELECT id, email, role, disabled, password_hash, totp_secret, created_at FROM staff";
const TOKENS: &str =
    "SELECT id, name, role, product_id, expires_at, last_used_at, revoked_at, created_at FROM api_tokens";

fn account(r: &Row) -> StaffAccount {
    StaffAccount {
        id: r.get(0),
        email: r.get(1),
        role: role(r.get(2)),
        disabled: r.get(3),
        password_hash: r.get(4),
        totp_secret: r.get(5),
        created_at: r.get(6),
    }
}

fn token(r: &Row) -> ApiToken {
    ApiToken {
        id: r.get(0),
        name: r.get(1),
        role: role(r.get(2)),
        product_id: r.get(3),
        expires_at: r.get(4),
        last_used_at: r.get(5),
        revoked_at: r.get(6),
        created_at: r.get(7),
    }
}

impl<C: GenericClient + Sync> StaffTx for PgTx<'_, C> {
    async fn insert_staff(&mut self, a: &StaffAccount) -> ApiResult<()> {
        self.run(
            "INSERT INTO staff (id, email, role, disabled, password_hash, totp_secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &a.id,
                &a.email,
                &a.role.as_str(),
                &a.disabled,
                &a.password_hash,
                &a.totp_secret,
                &a.created_at,
            ],
        )
        .await
    }

    async fn staff_by_email(&mut self, email: &str) -> ApiResult<Option<StaffAccount>> {
        let rows = self.rows(&format!("{STAFF} WHERE email = $1"), &[&email]).await?;
        Ok(rows.first().map(account))
    }

    async fn staff_by_id(&mut self, id: &str) -> ApiResult<Option<StaffAccount>> {
        let rows = self.rows(&format!("{STAFF} WHERE id = $1"), &[&id]).await?;
        Ok(rows.first().map(account))
    }

    async fn staff_list(&mut self) -> ApiResult<Vec<StaffAccount>> {
        let rows = self.rows(&format!("{STAFF} ORDER BY created_at, id"), &[]).await?;
        Ok(rows.iter().map(account).collect())
    }

    async fn update_staff(&mut self, a: &StaffAccount) -> ApiResult<()> {
        self.run(
            "UPDATE staff SET role = $2, disabled = $3, password_hash = $4, totp_secret = $5 WHERE id = $1",
            &[&a.id, &a.role.as_str(), &a.disabled, &a.password_hash, &a.totp_secret],
        )
        .await
    }

    async fn insert_api_token(&mut self, t: &ApiToken, hash: &str) -> ApiResult<()> {
        self.run(
            "INSERT INTO api_tokens (id, name, token_hash, role, product_id, expires_at, last_used_at, revoked_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &t.id,
                &t.name,
                &hash,
                &t.role.as_str(),
                &t.product_id,
                &t.expires_at,
                &t.last_used_at,
                &t.revoked_at,
                &t.created_at,
            ],
        )
        .await
    }

    async fn api_token_by_hash(&mut self, hash: &str) -> ApiResult<Option<ApiToken>> {
        let rows = self.rows(&format!("{TOKENS} WHERE token_hash = $1"), &[&hash]).await?;
        Ok(rows.first().map(token))
    }

    async fn api_token_by_id(&mut self, id: &str) -> ApiResult<Option<ApiToken>> {
        let rows = self.rows(&format!("{TOKENS} WHERE id = $1"), &[&id]).await?;
        Ok(rows.first().map(token))
    }

    async fn api_tokens(&mut self) -> ApiResult<Vec<ApiToken>> {
        let rows = self.rows(&format!("{TOKENS} ORDER BY created_at, id"), &[]).await?;
        Ok(rows.iter().map(token).collect())
    }

    async fn set_api_token_revoked(&mut self, id: &str, at: i64) -> ApiResult<()> {
        self.run("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1", &[&id, &at])
            .await
    }

    async fn set_api_token_used(&mut self, id: &str, at: i64) -> ApiResult<()> {
        self.run("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", &[&id, &at])
            .await
    }

    async fn staff_setting(&mut self, name: &str) -> ApiResult<Option<String>> {
        let rows = self
            .rows("SELECT value FROM staff_settings WHERE name = $1", &[&name])
            .await?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    async fn put_staff_setting(&mut self, name: &str, value: &str) -> ApiResult<()> {
        self.run(
            "INSERT INTO staff_settings (name, value) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[&name, &value],
        )
        .await
    }

    async fn claim_totp_step(&mut self, staff_id: &str, step: i64) -> ApiResult<bool> {
        Ok(self.execute(CLAIM_TOTP_STEP, &[&staff_id, &step]).await? == 1)
    }

    /// A transaction-scoped advisory lock: replicas changing staff roles take turns.
    async fn lock_owners(&mut self) -> ApiResult<()> {
        self.run("SELECT pg_advisory_xact_lock($1)", &[&OWNERS_LOCK]).await
    }

    async fn take_attempt(&mut self, key: &str, now: i64, budget: Budget) -> ApiResult<bool> {
        let (every, max_ahead, cap) = (budget.every, budget.max_ahead(), budget.cap());
        Ok(self
            .execute(TAKE_ATTEMPT, &[&key, &now, &every, &max_ahead, &cap])
            .await?
            == 1)
    }

    async fn return_attempt(&mut self, key: &str, every: i64) -> ApiResult<()> {
        self.run(
            "UPDATE sign_in_attempts SET ahead_until = ahead_until - $2 WHERE k = $1",
            &[&key, &every],
        )
        .await
    }

    async fn attempts_ahead_until(&mut self, key: &str) -> ApiResult<Option<i64>> {
        let rows = self
            .rows("SELECT ahead_until FROM sign_in_attempts WHERE k = $1", &[&key])
            .await?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    /// Rows another transaction holds are skipped (no waiting, no deadlock between replicas).
    async fn forget_attempts_before(&mut self, now: i64) -> ApiResult<()> {
        self.run(
            "DELETE FROM sign_in_attempts WHERE k IN (SELECT k FROM sign_in_attempts \
             WHERE ahead_until < $1 LIMIT 100 FOR UPDATE SKIP LOCKED)",
            &[&now],
        )
        .await
    }
}

/// The advisory lock key of staff role changes ("staff" in ASCII).
const OWNERS_LOCK: i64 = 0x0073_7461_6666;

/// One sign-in attempt in one conditional write, as SQLite's (`store::sqlite::staff`): $1 key,
/// $2 now, $3 every, $4 max_ahead, $5 cap. Concurrent ones on the same key wait for the row's lock.
const TAKE_ATTEMPT: &str = "INSERT INTO sign_in_attempts (k, ahead_until) VALUES ($1, $2::BIGINT + $3::BIGINT) \
     ON CONFLICT (k) DO UPDATE SET ahead_until = CASE WHEN sign_in_attempts.ahead_until - $2 > $5 \
     THEN $2::BIGINT + $3::BIGINT ELSE GREATEST(sign_in_attempts.ahead_until, $2) + $3 END \
     WHERE sign_in_attempts.ahead_until - $2 <= $4 OR sign_in_attempts.ahead_until - $2 > $5";

/// Schema step "sign-in attempts, sealed TOTP secrets" (end of [`super::schema::STEPS`]).
pub const ATTEMPTS_STEP: &str = "CREATE TABLE IF NOT EXISTS sign_in_attempts (\
     k TEXT PRIMARY KEY, ahead_until BIGINT NOT NULL); \
     CREATE INDEX IF NOT EXISTS sign_in_attempts_ahead ON sign_in_attempts(ahead_until);";

/// The last accepted TOTP step per account (as SQLite's, `store::sqlite::staff`): raised only
/// upwards.
const CLAIM_TOTP_STEP: &str = "INSERT INTO staff_totp_steps (staff_id, last_step) VALUES ($1, $2) \
     ON CONFLICT (staff_id) DO UPDATE SET last_step = excluded.last_step \
     WHERE staff_totp_steps.last_step < excluded.last_step";

/// Schema (run after [`super::schema::SCHEMA`]): a table of its own, so existing databases get
/// it with `CREATE TABLE IF NOT EXISTS`.
pub const TOTP_STEPS: &str = "CREATE TABLE IF NOT EXISTS staff_totp_steps (\
     staff_id TEXT PRIMARY KEY, last_step BIGINT NOT NULL)";
