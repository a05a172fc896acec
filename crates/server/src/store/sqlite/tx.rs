//! The rules' query interface ([`Tx`]) in SQLite's SQL, on one connection: the writer's
//! (inside its `BEGIN IMMEDIATE`) or a reader's snapshot. Every query runs when it is called
//! and its future is ready at once ([`super::complete`]). There are no row locks to take: the
//! single writer already runs one change at a time.

use super::{events, rows, sessions};
use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, EventQuery, StoredEvent};
use crate::domain::model::{self, Activation, DemoKey, FingerprintRule, License, Policy, Product, StoredSession};
use crate::domain::page::Page;
use crate::domain::tx::{Device, Held, LicenseBy, Lock, Tx};
use keyturn_protocol::wire::LicenseStatus;
use rusqlite::{params, Connection, OptionalExtension};
use std::future::{ready, Future};

pub struct SqliteTx<'c>(pub &'c Connection);

/// The answer of a query that already ran, as the future [`Tx`] asks for.
fn done<T, E: Into<crate::domain::errors::ApiError>>(result: Result<T, E>) -> impl Future<Output = ApiResult<T>> + Send
where
    T: Send,
{
    ready(result.map_err(Into::into))
}

impl Tx for SqliteTx<'_> {
    fn license(&mut self, by: LicenseBy<'_>, _lock: Lock) -> impl Future<Output = ApiResult<Option<Held>>> + Send {
        done(match by {
            LicenseBy::KeyHash(hash) => rows::license_by_hash(self.0, hash),
            LicenseBy::Id(id) => rows::license_by_id(self.0, id),
        })
    }

    fn licenses(&mut self, product_id: Option<&str>) -> impl Future<Output = ApiResult<Vec<Held>>> + Send {
        done(rows::licenses(self.0, product_id))
    }

    fn seats_used(&mut self, license_id: &str) -> impl Future<Output = ApiResult<u32>> + Send {
        done(rows::seats_used(self.0, license_id))
    }

    fn insert_license(&mut self, l: &License, key_hash: &str) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.write_license(l, key_hash))
    }

    fn set_license_status(&mut self, id: &str, status: LicenseStatus) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute(
                "UPDATE licenses SET status = ?1 WHERE id = ?2",
                params![model::status_str(status), id],
            )
            .map(drop),
        )
    }

    fn set_license_expiry(&mut self, id: &str, at: Option<i64>) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute("UPDATE licenses SET expires_at = ?1 WHERE id = ?2", params![at, id])
                .map(drop),
        )
    }

    fn product(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<Product>>> + Send {
        done(rows::product(self.0, id))
    }

    fn products(&mut self) -> impl Future<Output = ApiResult<Vec<Product>>> + Send {
        done(rows::products(self.0))
    }

    fn insert_product(&mut self, p: &Product) -> impl Future<Output = ApiResult<bool>> + Send {
        done(
            self.execute(
                "INSERT INTO products (id, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
                params![p.id, p.name, p.created_at],
            )
            .map(|n| n == 1),
        )
    }

    fn policy(&mut self, id: &str) -> impl Future<Output = ApiResult<Option<Policy>>> + Send {
        done(rows::policy(self.0, id))
    }

    fn policies(&mut self, product_id: Option<&str>) -> impl Future<Output = ApiResult<Vec<Policy>>> + Send {
        done(rows::policies(self.0, product_id))
    }

    fn policy_named(&mut self, product_id: &str, name: &str) -> impl Future<Output = ApiResult<Option<Policy>>> + Send {
        done(rows::policy_named(self.0, product_id, name))
    }

    fn trial_policy(&mut self, product_id: &str) -> impl Future<Output = ApiResult<Option<Policy>>> + Send {
        done(rows::trial_policy(self.0, product_id))
    }

    fn insert_policy(&mut self, p: &Policy) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.write_policy(p))
    }

    fn activation_by_fingerprint(
        &mut self,
        license_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<Option<Activation>>> + Send {
        done(rows::activation_by_fingerprint(self.0, license_id, fingerprint))
    }

    fn activation_by_id(
        &mut self,
        license_id: &str,
        id: &str,
    ) -> impl Future<Output = ApiResult<Option<Activation>>> + Send {
        done(rows::activation_by_id(self.0, license_id, id))
    }

    fn activations(&mut self, license_id: &str) -> impl Future<Output = ApiResult<Vec<Activation>>> + Send {
        done(rows::activations(self.0, license_id))
    }

    fn activations_page(
        &mut self,
        license_id: &str,
        page: &Page,
    ) -> impl Future<Output = ApiResult<(Vec<Activation>, Option<String>)>> + Send {
        done(rows::activations_page(self.0, license_id, page))
    }

    fn stalest_activations(
        &mut self,
        license_id: &str,
        limit: u32,
    ) -> impl Future<Output = ApiResult<Vec<Activation>>> + Send {
        done(rows::stalest_activations(self.0, license_id, limit))
    }

    fn lock_fingerprint(&mut self, _fingerprint: &str) -> impl Future<Output = ApiResult<()>> + Send {
        ready(Ok(()))
    }

    fn fingerprint_bound_elsewhere(
        &mut self,
        fingerprint: &str,
        license_id: &str,
        policy_id: Option<&str>,
    ) -> impl Future<Output = ApiResult<bool>> + Send {
        done(self.exists(
            "SELECT EXISTS (SELECT 1 FROM activations WHERE fingerprint = ?1 AND license_id != ?2 \
             AND (?3 IS NULL OR policy_id = ?3))",
            params![fingerprint, license_id, policy_id],
        ))
    }

    fn insert_activation(&mut self, policy_id: &str, d: Device<'_>) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.write_activation(policy_id, d))
    }

    fn rebind_activation(&mut self, d: Device<'_>) -> impl Future<Output = ApiResult<()>> + Send {
        done(self.rebind(d))
    }

    fn touch_activation(&mut self, id: &str, now: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute(
                "UPDATE activations SET last_renewed_at = ?1 WHERE id = ?2",
                params![now, id],
            )
            .map(drop),
        )
    }

    fn set_offline_until(&mut self, id: &str, until: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute(
                "UPDATE activations SET offline_until = ?1 WHERE id = ?2",
                params![until, id],
            )
            .map(drop),
        )
    }

    fn delete_activation(&mut self, license_id: &str, id: &str) -> impl Future<Output = ApiResult<u64>> + Send {
        done(
            self.execute(
                "DELETE FROM activations WHERE license_id = ?1 AND id = ?2",
                params![license_id, id],
            )
            .map(|n| n as u64),
        )
    }

    fn delete_activations(&mut self, license_id: &str) -> impl Future<Output = ApiResult<u64>> + Send {
        done(
            self.execute("DELETE FROM activations WHERE license_id = ?1", [license_id])
                .map(|n| n as u64),
        )
    }

    fn fingerprint_rule(
        &mut self,
        product_id: &str,
        fingerprint: &str,
    ) -> impl Future<Output = ApiResult<Option<FingerprintRule>>> + Send {
        done(rows::fingerprint_rule(self.0, product_id, fingerprint))
    }

    fn put_fingerprint_rule(
        &mut self,
        product_id: &str,
        fingerprint: &str,
        rule: Option<FingerprintRule>,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        done(match rule {
            Some(rule) => self.execute(
                "INSERT INTO fingerprint_rules (product_id, fingerprint, rule, created_at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (product_id, fingerprint) DO UPDATE SET rule = excluded.rule, created_at = excluded.created_at",
                params![product_id, fingerprint, rule.as_str(), now],
            ),
            None => self.execute(
                "DELETE FROM fingerprint_rules WHERE product_id = ?1 AND fingerprint = ?2",
                params![product_id, fingerprint],
            ),
        }
        .map(drop))
    }

    fn trial_used(&mut self, policy_id: &str, fingerprint: &str) -> impl Future<Output = ApiResult<bool>> + Send {
        done(self.exists(
            "SELECT EXISTS (SELECT 1 FROM trials WHERE policy_id = ?1 AND fingerprint = ?2)",
            params![policy_id, fingerprint],
        ))
    }

    fn insert_trial(
        &mut self,
        policy_id: &str,
        fingerprint: &str,
        license_id: &str,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute(
                "INSERT INTO trials (policy_id, fingerprint, license_id, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![policy_id, fingerprint, license_id, now],
            )
            .map(drop),
        )
    }

    fn lock_demo(&mut self) -> impl Future<Output = ApiResult<()>> + Send {
        ready(Ok(()))
    }

    fn demo_keys(&mut self) -> impl Future<Output = ApiResult<Vec<DemoKey>>> + Send {
        let read = || -> rusqlite::Result<Vec<DemoKey>> {
            let mut stmt = self
                .0
                .prepare_cached("SELECT label, license_key, purpose FROM demo_keys ORDER BY rowid")?;
            let keys = stmt.query_map([], |r| {
                Ok(DemoKey {
                    label: r.get(0)?,
                    key: r.get(1)?,
                    purpose: r.get(2)?,
                })
            })?;
            keys.collect()
        };
        done(read())
    }

    fn insert_demo_key(&mut self, k: &DemoKey) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute(
                "INSERT INTO demo_keys (label, license_key, purpose) VALUES (?1, ?2, ?3)",
                params![k.label, k.key, k.purpose],
            )
            .map(drop),
        )
    }

    fn insert_events(&mut self, list: &[Event]) -> impl Future<Output = ApiResult<()>> + Send {
        done(events::insert_all(self.0, list))
    }

    fn events(&mut self, query: &EventQuery, limit: u32) -> impl Future<Output = ApiResult<Vec<StoredEvent>>> + Send {
        done(events::query(self.0, query, limit))
    }

    fn delete_events_before(&mut self, before: i64, limit: u32) -> impl Future<Output = ApiResult<u64>> + Send {
        done(events::prune(self.0, before, limit))
    }

    fn delete_sessions_expired(&mut self, now: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
                .map(drop),
        )
    }

    fn insert_session(&mut self, s: &StoredSession) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute(
                "INSERT INTO sessions (id_hash, kind, csrf, data, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.id_hash, s.kind, s.csrf, s.data, s.expires_at],
            )
            .map(drop),
        )
    }

    fn session(
        &mut self,
        kind: &str,
        id_hash: &str,
        now: i64,
    ) -> impl Future<Output = ApiResult<Option<StoredSession>>> + Send {
        done(sessions::get(self.0, kind, id_hash, now).optional())
    }

    fn delete_session(&mut self, kind: &str, id_hash: &str) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.execute(
                "DELETE FROM sessions WHERE id_hash = ?1 AND kind = ?2",
                params![id_hash, kind],
            )
            .map(drop),
        )
    }
}
