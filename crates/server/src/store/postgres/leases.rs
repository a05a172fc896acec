//! Floating seats and auto-released activations in PostgreSQL: the tables and policy columns
//! (created when missing, also in databases made before) and [`LeaseTx`] for [`PgTx`]. The
//! license row is locked by the rules before any of these runs, so slots are taken one at a
//! time per license across replicas. The rules: [`crate::domain::leases`].

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::leases::tx::{AutoReleased, LeaseTx};
use crate::domain::leases::LeaseRow;
use crate::domain::model;
use crate::store::sqlite::leases::LEASE_COLS;
use deadpool_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

pub const SCHEMA: &str = r#"
ALTER TABLE policies ADD COLUMN IF NOT EXISTS floating BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE policies ADD COLUMN IF NOT EXISTS lease_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE policies ADD COLUMN IF NOT EXISTS max_borrow_secs BIGINT NOT NULL DEFAULT 0;
ALTER TABLE policies ADD COLUMN IF NOT EXISTS release_unseen_days BIGINT;
CREATE TABLE IF NOT EXISTS leases (
    slot_id TEXT PRIMARY KEY,
    license_id TEXT NOT NULL,
    slot BIGINT NOT NULL,
    generation BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    borrowed BOOLEAN NOT NULL DEFAULT FALSE,
    released BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (license_id, slot),
    UNIQUE (license_id, fingerprint)
);
CREATE INDEX IF NOT EXISTS leases_license_expiry ON leases(license_id, expires_at);
CREATE TABLE IF NOT EXISTS auto_released (
    license_id TEXT NOT NULL,
    activation_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    released_at BIGINT NOT NULL,
    unseen_days BIGINT NOT NULL,
    PRIMARY KEY (license_id, activation_id)
);
CREATE INDEX IF NOT EXISTS auto_released_fingerprint ON auto_released(license_id, fingerprint);
"#;

fn lease_at(r: &Row) -> LeaseRow {
    LeaseRow {
        slot_id: r.get(0),
        license_id: r.get(1),
        slot: model::count(r.get(2)),
        generation: r.get(3),
        fingerprint: r.get(4),
        name: r.get(5),
        platform: r.get(6),
        started_at: r.get(7),
        expires_at: r.get(8),
        borrowed: r.get(9),
        released: r.get(10),
    }
}

impl<C: GenericClient + Sync> PgTx<'_, C> {
    async fn one_lease(&self, filter: &str, params: &[&(dyn ToSql + Sync)]) -> ApiResult<Option<LeaseRow>> {
        let sql = format!("SELECT {LEASE_COLS} FROM leases WHERE {filter}");
        Ok(self.rows(&sql, params).await?.first().map(lease_at))
    }
}

impl<C: GenericClient + Sync> LeaseTx for PgTx<'_, C> {
    async fn lease_by_fingerprint(&mut self, license_id: &str, fingerprint: &str) -> ApiResult<Option<LeaseRow>> {
        self.one_lease("license_id = $1 AND fingerprint = $2", &[&license_id, &fingerprint])
            .await
    }

    async fn lease_by_slot(&mut self, license_id: &str, slot_id: &str) -> ApiResult<Option<LeaseRow>> {
        self.one_lease("license_id = $1 AND slot_id = $2", &[&license_id, &slot_id])
            .await
    }

    async fn soonest_lease(&mut self, license_id: &str) -> ApiResult<Option<LeaseRow>> {
        self.one_lease("license_id = $1 ORDER BY expires_at LIMIT 1", &[&license_id])
            .await
    }

    async fn lease_slots(&mut self, license_id: &str) -> ApiResult<u32> {
        let rows = self
            .rows(
                "SELECT COALESCE(MAX(slot) + 1, 0)::BIGINT FROM leases WHERE license_id = $1",
                &[&license_id],
            )
            .await?;
        Ok(rows.first().map_or(0, |r| model::count(r.get(0))))
    }

    async fn insert_lease(&mut self, l: &LeaseRow) -> ApiResult<()> {
        let sql = format!("INSERT INTO leases ({LEASE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        self.run(
            &sql,
            &[
                &l.slot_id,
                &l.license_id,
                &i64::from(l.slot),
                &l.generation,
                &l.fingerprint,
                &l.name,
                &l.platform,
                &l.started_at,
                &l.expires_at,
                &l.borrowed,
                &l.released,
            ],
        )
        .await
    }

    async fn update_lease(&mut self, l: &LeaseRow) -> ApiResult<()> {
        self.run(
            "UPDATE leases SET generation = $2, fingerprint = $3, name = $4, platform = $5, started_at = $6, \
             expires_at = $7, borrowed = $8, released = $9 WHERE slot_id = $1",
            &[
                &l.slot_id,
                &l.generation,
                &l.fingerprint,
                &l.name,
                &l.platform,
                &l.started_at,
                &l.expires_at,
                &l.borrowed,
                &l.released,
            ],
        )
        .await
    }

    async fn live_lease_count(&mut self, license_id: &str, now: i64) -> ApiResult<u32> {
        let rows = self
            .rows(
                "SELECT COUNT(*)::BIGINT FROM leases WHERE license_id = $1 AND expires_at > $2",
                &[&license_id, &now],
            )
            .await?;
        Ok(rows.first().map_or(0, |r| model::count(r.get(0))))
    }

    async fn live_leases(&mut self, license_id: &str, now: i64, limit: u32) -> ApiResult<Vec<LeaseRow>> {
        let sql = format!(
            "SELECT {LEASE_COLS} FROM leases WHERE license_id = $1 AND expires_at > $2 ORDER BY expires_at LIMIT $3"
        );
        let rows = self.rows(&sql, &[&license_id, &now, &i64::from(limit)]).await?;
        Ok(rows.iter().map(lease_at).collect())
    }

    async fn insert_auto_released(&mut self, license_id: &str, r: &AutoReleased) -> ApiResult<()> {
        self.run(
            "INSERT INTO auto_released (license_id, activation_id, fingerprint, released_at, unseen_days) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (license_id, activation_id) DO NOTHING",
            &[
                &license_id,
                &r.activation_id,
                &r.fingerprint,
                &r.released_at,
                &r.unseen_days,
            ],
        )
        .await
    }

    async fn auto_released(
        &mut self,
        license_id: &str,
        activation_id: Option<&str>,
        fingerprint: Option<&str>,
    ) -> ApiResult<Option<AutoReleased>> {
        let rows = self
            .rows(
                "SELECT activation_id, fingerprint, released_at, unseen_days FROM auto_released \
                 WHERE license_id = $1 AND (activation_id = $2 OR fingerprint = $3) \
                 ORDER BY released_at DESC LIMIT 1",
                &[&license_id, &activation_id, &fingerprint],
            )
            .await?;
        Ok(rows.first().map(|r| AutoReleased {
            activation_id: r.get(0),
            fingerprint: r.get(1),
            released_at: r.get(2),
            unseen_days: r.get(3),
        }))
    }

    async fn forget_auto_released(&mut self, license_id: &str, fingerprint: &str) -> ApiResult<()> {
        self.run(
            "DELETE FROM auto_released WHERE license_id = $1 AND fingerprint = $2",
            &[&license_id, &fingerprint],
        )
        .await
    }
}
