//! Floating seats and auto-released activations in SQLite: the tables (created when missing,
//! also in files made before) and [`LeaseTx`] for [`SqliteTx`]. The rules:
//! [`crate::domain::leases`].

use super::tx::SqliteTx;
use crate::domain::errors::{ApiError, ApiResult};
use crate::domain::leases::tx::{AutoReleased, LeaseTx};
use crate::domain::leases::LeaseRow;
use crate::domain::model;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::future::{ready, Future};

/// `leases`: one row per seat slot of a floating license; `(license_id, expires_at)` finds the
/// slot that ends soonest, `(license_id, slot)` the number of slots, `(license_id, fingerprint)`
/// a device's own slot. `auto_released`: activations freed by `release_unseen_days`.
pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS leases (
    slot_id TEXT PRIMARY KEY,
    license_id TEXT NOT NULL,
    slot INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    borrowed INTEGER NOT NULL DEFAULT 0,
    released INTEGER NOT NULL DEFAULT 0,
    UNIQUE (license_id, slot),
    UNIQUE (license_id, fingerprint)
);
CREATE INDEX IF NOT EXISTS leases_license_expiry ON leases(license_id, expires_at);
CREATE TABLE IF NOT EXISTS auto_released (
    license_id TEXT NOT NULL,
    activation_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    released_at INTEGER NOT NULL,
    unseen_days INTEGER NOT NULL,
    PRIMARY KEY (license_id, activation_id)
);
CREATE INDEX IF NOT EXISTS auto_released_fingerprint ON auto_released(license_id, fingerprint);
"#;

/// The policy columns of floating seats and seats that free themselves, for files made before
/// them (see `schema::ADDED_COLUMNS`).
pub const POLICY_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "policies",
        "floating",
        "ALTER TABLE policies ADD COLUMN floating INTEGER NOT NULL DEFAULT 0;",
    ),
    (
        "policies",
        "lease_secs",
        "ALTER TABLE policies ADD COLUMN lease_secs INTEGER NOT NULL DEFAULT 0;",
    ),
    (
        "policies",
        "max_borrow_secs",
        "ALTER TABLE policies ADD COLUMN max_borrow_secs INTEGER NOT NULL DEFAULT 0;",
    ),
    (
        "policies",
        "release_unseen_days",
        "ALTER TABLE policies ADD COLUMN release_unseen_days INTEGER;",
    ),
];

pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// Both stores read these columns in this order.
pub const LEASE_COLS: &str =
    "slot_id, license_id, slot, generation, fingerprint, name, platform, started_at, expires_at, borrowed, released";

fn lease_at(r: &Row) -> rusqlite::Result<LeaseRow> {
    Ok(LeaseRow {
        slot_id: r.get(0)?,
        license_id: r.get(1)?,
        slot: model::count(r.get(2)?),
        generation: r.get(3)?,
        fingerprint: r.get(4)?,
        name: r.get(5)?,
        platform: r.get(6)?,
        started_at: r.get(7)?,
        expires_at: r.get(8)?,
        borrowed: r.get(9)?,
        released: r.get(10)?,
    })
}

fn done<T: Send>(result: rusqlite::Result<T>) -> impl Future<Output = ApiResult<T>> + Send {
    ready(result.map_err(ApiError::from))
}

impl SqliteTx<'_> {
    fn one_lease(&self, filter: &str, params: impl rusqlite::Params) -> rusqlite::Result<Option<LeaseRow>> {
        self.0
            .prepare_cached(&format!("SELECT {LEASE_COLS} FROM leases WHERE {filter}"))?
            .query_row(params, lease_at)
            .optional()
    }
}

impl LeaseTx for SqliteTx<'_> {
    fn lease_by_fingerprint(
        &mut self,
        license_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<Option<LeaseRow>>> + Send {
        done(self.one_lease("license_id = ?1 AND fingerprint = ?2", params![license_id, fingerprint]))
    }

    fn lease_by_slot(
        &mut self,
        license_id: &str,
        slot_id: &str,
    ) -> impl Future<Output = ApiResult<Option<LeaseRow>>> + Send {
        done(self.one_lease("license_id = ?1 AND slot_id = ?2", params![license_id, slot_id]))
    }

    fn soonest_lease(&mut self, license_id: &str) -> impl Future<Output = ApiResult<Option<LeaseRow>>> + Send {
        done(self.one_lease("license_id = ?1 ORDER BY expires_at LIMIT 1", [license_id]))
    }

    fn lease_slots(&mut self, license_id: &str) -> impl Future<Output = ApiResult<u32>> + Send {
        let read = || -> rusqlite::Result<u32> {
            let n: i64 = self
                .0
                .prepare_cached("SELECT COALESCE(MAX(slot) + 1, 0) FROM leases WHERE license_id = ?1")?
                .query_row([license_id], |r| r.get(0))?;
            Ok(model::count(n))
        };
        done(read())
    }

    fn insert_lease(&mut self, l: &LeaseRow) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            &format!("INSERT INTO leases ({LEASE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
            params![
                l.slot_id,
                l.license_id,
                l.slot,
                l.generation,
                l.fingerprint,
                l.name,
                l.platform,
                l.started_at,
                l.expires_at,
                l.borrowed,
                l.released
            ],
        ))
    }

    fn update_lease(&mut self, l: &LeaseRow) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "UPDATE leases SET generation = ?2, fingerprint = ?3, name = ?4, platform = ?5, started_at = ?6, \
             expires_at = ?7, borrowed = ?8, released = ?9 WHERE slot_id = ?1",
            params![
                l.slot_id,
                l.generation,
                l.fingerprint,
                l.name,
                l.platform,
                l.started_at,
                l.expires_at,
                l.borrowed,
                l.released
            ],
        ))
    }

    fn live_lease_count(&mut self, license_id: &str, now: i64) -> impl Future<Output = ApiResult<u32>> + Send {
        let read = || -> rusqlite::Result<u32> {
            let n: i64 = self
                .0
                .prepare_cached("SELECT COUNT(*) FROM leases WHERE license_id = ?1 AND expires_at > ?2")?
                .query_row(params![license_id, now], |r| r.get(0))?;
            Ok(model::count(n))
        };
        done(read())
    }

    fn live_leases(
        &mut self,
        license_id: &str,
        now: i64,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<LeaseRow>>> + Send {
        let read = || -> rusqlite::Result<Vec<LeaseRow>> {
            let mut stmt = self.0.prepare_cached(&format!(
                "SELECT {LEASE_COLS} FROM leases WHERE license_id = ?1 AND expires_at > ?2 ORDER BY expires_at LIMIT ?3"
            ))?;
            let rows = stmt.query_map(params![license_id, now, limit], lease_at)?;
            rows.collect()
        };
        done(read())
    }

    fn insert_auto_released(
        &mut self,
        license_id: &str,
        r: &AutoReleased,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "INSERT INTO auto_released (license_id, activation_id, fingerprint, released_at, unseen_days) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (license_id, activation_id) DO NOTHING",
            params![license_id, r.activation_id, r.fingerprint, r.released_at, r.unseen_days],
        ))
    }

    fn auto_released(
        &mut self,
        license_id: &str,
        activation_id: Option<&str>,
        fingerprint: Option<&str>,
    ) -> impl Future<Output = ApiResult<Option<AutoReleased>>> + Send {
        let read = || -> rusqlite::Result<Option<AutoReleased>> {
            self.0
                .prepare_cached(
                    "SELECT activation_id, fingerprint, released_at, unseen_days FROM auto_released \
                     WHERE license_id = ?1 AND (activation_id = ?2 OR fingerprint = ?3) \
                     ORDER BY released_at DESC LIMIT 1",
                )?
                .query_row(params![license_id, activation_id, fingerprint], |r| {
                    Ok(AutoReleased {
                        activation_id: r.get(0)?,
                        fingerprint: r.get(1)?,
                        released_at: r.get(2)?,
                        unseen_days: r.get(3)?,
                    })
                })
                .optional()
        };
        done(read())
    }

    fn forget_auto_released(
        &mut self,
        license_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.run(
            "DELETE FROM auto_released WHERE license_id = ?1 AND fingerprint = ?2",
            params![license_id, fingerprint],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema;
    use rusqlite::Connection;

    #[test]
    fn a_file_made_before_floating_seats_gets_the_columns_and_tables() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        conn.execute_batch(schema::SCHEMA).unwrap();
        assert!(!schema::SCHEMA.contains("floating"));
        conn.execute(
            "INSERT INTO policies (id, product_id, name, max_machines, uniqueness, matching, fuzzy_min, \
             renew_interval_secs, grace_secs, allow_vm, trial, created_at) \
             VALUES ('pol', 'prod', 'n', 1, 'PER_LICENSE', 'EXACT', 0, 1, 1, 1, 0, 0)",
            [],
        )
        .unwrap();
        schema::create(&conn).unwrap();
        schema::create(&conn).unwrap();
        let terms: (bool, i64, i64, Option<i64>) = conn
            .query_row(
                "SELECT floating, lease_secs, max_borrow_secs, release_unseen_days FROM policies",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(terms, (false, 0, 0, None));
        let empty: i64 = conn.query_row("SELECT COUNT(*) FROM leases", [], |r| r.get(0)).unwrap();
        assert_eq!(empty, 0);
    }
}
