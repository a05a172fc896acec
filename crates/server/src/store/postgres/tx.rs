//! The rules' query interface ([`Tx`]) in PostgreSQL's SQL, on one transaction (or a pooled
//! connection for single-statement reads). [`Lock::ForUpdate`] locks the license row
//! (`FOR UPDATE`), [`Tx::lock_fingerprint`] takes a transaction-scoped advisory lock: together
//! they keep seat limits, uniqueness and one-trial-per-device exact across server replicas.
//! Hot statements are prepared once per pooled connection (`prepare_cached`).

use super::{events, rows as pg, schema};
use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, EventQuery, StoredEvent};
use crate::domain::model::{self, Activation, DemoKey, FingerprintRule, License, Policy, Product, StoredSession};
use crate::domain::page::Page;
use crate::domain::tx::{Device, Held, LicenseBy, Lock, Tx};
use deadpool_postgres::GenericClient;
use keyturn_protocol::wire::LicenseStatus;

pub struct PgTx<'a, C>(pub &'a C);

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("maps and lists serialize")
}

impl<C: GenericClient + Sync> Tx for PgTx<'_, C> {
    async fn license(&mut self, by: LicenseBy<'_>, lock: Lock) -> ApiResult<Option<Held>> {
        let (by_hash, value) = match by {
            LicenseBy::KeyHash(hash) => (true, hash),
            LicenseBy::Id(id) => (false, id),
        };
        Ok(pg::license(self.0, by_hash, value, lock == Lock::ForUpdate).await?)
    }

    async fn licenses(&mut self, product_id: Option<&str>) -> ApiResult<Vec<Held>> {
        Ok(pg::licenses(self.0, product_id).await?)
    }

    async fn seats_used(&mut self, license_id: &str) -> ApiResult<u32> {
        Ok(pg::seats_used(self.0, license_id).await?)
    }

    async fn insert_license(&mut self, l: &License, key_hash: &str) -> ApiResult<()> {
        self.execute(
            "INSERT INTO licenses (id, policy_id, product_id, key_hash, key_prefix, status, expires_at, owner_name, \
             owner_email, entitlements, metadata, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &l.id,
                &l.policy_id,
                &l.product_id,
                &key_hash,
                &l.key_prefix,
                &model::status_str(l.status),
                &l.expires_at,
                &l.owner_name,
                &l.owner_email,
                &json(&l.entitlements),
                &json(&l.metadata),
                &l.created_at,
            ],
        )
        .await
        .map(drop)
    }

    async fn set_license_status(&mut self, id: &str, status: LicenseStatus) -> ApiResult<()> {
        let sql = "UPDATE licenses SET status = $1 WHERE id = $2";
        self.execute(sql, &[&model::status_str(status), &id]).await.map(drop)
    }

    async fn set_license_expiry(&mut self, id: &str, at: Option<i64>) -> ApiResult<()> {
        let sql = "UPDATE licenses SET expires_at = $1 WHERE id = $2";
        self.execute(sql, &[&at, &id]).await.map(drop)
    }

    async fn product(&mut self, id: &str) -> ApiResult<Option<Product>> {
        Ok(pg::product(self.0, id).await?)
    }

    async fn products(&mut self) -> ApiResult<Vec<Product>> {
        Ok(pg::products(self.0).await?)
    }

    async fn insert_product(&mut self, p: &Product) -> ApiResult<bool> {
        let sql = "INSERT INTO products (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING";
        Ok(self.execute(sql, &[&p.id, &p.name, &p.created_at]).await? == 1)
    }

    async fn policy(&mut self, id: &str) -> ApiResult<Option<Policy>> {
        Ok(pg::policy(self.0, id).await?)
    }

    async fn policies(&mut self, product_id: Option<&str>) -> ApiResult<Vec<Policy>> {
        Ok(pg::policies(self.0, product_id).await?)
    }

    async fn policy_named(&mut self, product_id: &str, name: &str) -> ApiResult<Option<Policy>> {
        Ok(pg::policy_named(self.0, product_id, name).await?)
    }

    async fn trial_policy(&mut self, product_id: &str) -> ApiResult<Option<Policy>> {
        Ok(pg::trial_policy(self.0, product_id).await?)
    }

    async fn insert_policy(&mut self, p: &Policy) -> ApiResult<()> {
        self.execute(
            "INSERT INTO policies (id, product_id, name, max_machines, uniqueness, matching, fuzzy_min, \
             renew_interval_secs, grace_secs, duration_secs, allow_vm, trial, created_at, offline_lease_secs, \
             floating, lease_secs, max_borrow_secs, release_unseen_days) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            &[
                &p.id,
                &p.product_id,
                &p.name,
                &i64::from(p.max_machines),
                &p.uniqueness.as_str(),
                &p.matching.as_str(),
                &i64::from(p.fuzzy_min),
                &p.renew_interval_secs,
                &p.grace_secs,
                &p.duration_secs,
                &p.allow_vm,
                &p.trial,
                &p.created_at,
                &p.offline_lease_secs,
                &p.seats.floating,
                &p.seats.lease_secs,
                &p.seats.max_borrow_secs,
                &p.seats.release_unseen_days,
            ],
        )
        .await
        .map(drop)
    }

    async fn activation_by_fingerprint(
        &mut self,
        license_id: &str,
        fingerprint: &str,
    ) -> ApiResult<Option<Activation>> {
        Ok(pg::activation_by_fingerprint(self.0, license_id, fingerprint).await?)
    }

    async fn activation_by_id(&mut self, license_id: &str, id: &str) -> ApiResult<Option<Activation>> {
        Ok(pg::activation_by_id(self.0, license_id, id).await?)
    }

    async fn activations(&mut self, license_id: &str) -> ApiResult<Vec<Activation>> {
        Ok(pg::activations(self.0, license_id).await?)
    }

    async fn activations_page(
        &mut self,
        license_id: &str,
        page: &Page,
    ) -> ApiResult<(Vec<Activation>, Option<String>)> {
        Ok(pg::activations_page(self.0, license_id, page).await?)
    }

    async fn stalest_activations(&mut self, license_id: &str, limit: u32) -> ApiResult<Vec<Activation>> {
        Ok(pg::stalest_activations(self.0, license_id, limit).await?)
    }

    async fn lock_fingerprint(&mut self, fingerprint: &str) -> ApiResult<()> {
        let sql = "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))";
        self.execute(sql, &[&fingerprint]).await.map(drop)
    }

    async fn fingerprint_bound_elsewhere(
        &mut self,
        fingerprint: &str,
        license_id: &str,
        policy_id: Option<&str>,
    ) -> ApiResult<bool> {
        self.exists(
            "SELECT EXISTS (SELECT 1 FROM activations WHERE fingerprint = $1 AND license_id <> $2 \
             AND ($3::TEXT IS NULL OR policy_id = $3))",
            &[&fingerprint, &license_id, &policy_id],
        )
        .await
    }

    async fn insert_activation(&mut self, policy_id: &str, d: Device<'_>) -> ApiResult<()> {
        let a = d.activation;
        self.execute(
            "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, \
             container, virt_kind, created_at, last_renewed_at, offline_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            &[
                &a.id,
                &a.license_id,
                &policy_id,
                &a.fingerprint,
                &json(&a.components),
                &a.name,
                &a.platform,
                &a.vm,
                &a.container,
                &d.virt_kind,
                &a.created_at,
                &a.last_renewed_at,
                &a.offline_until,
            ],
        )
        .await
        .map(drop)
    }

    async fn rebind_activation(&mut self, d: Device<'_>) -> ApiResult<()> {
        let a = d.activation;
        self.execute(
            "UPDATE activations SET fingerprint = $1, components = $2, name = $3, platform = $4, vm = $5, \
             container = $6, virt_kind = $7, last_renewed_at = $8 WHERE id = $9",
            &[
                &a.fingerprint,
                &json(&a.components),
                &a.name,
                &a.platform,
                &a.vm,
                &a.container,
                &d.virt_kind,
                &a.last_renewed_at,
                &a.id,
            ],
        )
        .await
        .map(drop)
    }

    async fn touch_activation(&mut self, id: &str, now: i64) -> ApiResult<()> {
        let sql = "UPDATE activations SET last_renewed_at = $1 WHERE id = $2";
        self.execute(sql, &[&now, &id]).await.map(drop)
    }

    async fn set_offline_until(&mut self, id: &str, until: i64) -> ApiResult<()> {
        let sql = "UPDATE activations SET offline_until = $1 WHERE id = $2";
        self.execute(sql, &[&until, &id]).await.map(drop)
    }

    async fn delete_activation(&mut self, license_id: &str, id: &str) -> ApiResult<u64> {
        let sql = "DELETE FROM activations WHERE license_id = $1 AND id = $2";
        self.execute(sql, &[&license_id, &id]).await
    }

    async fn delete_activations(&mut self, license_id: &str) -> ApiResult<u64> {
        let sql = "DELETE FROM activations WHERE license_id = $1";
        self.execute(sql, &[&license_id]).await
    }

    async fn fingerprint_rule(&mut self, product_id: &str, fingerprint: &str) -> ApiResult<Option<FingerprintRule>> {
        Ok(pg::fingerprint_rule(self.0, product_id, fingerprint).await?)
    }

    async fn put_fingerprint_rule(
        &mut self,
        product_id: &str,
        fingerprint: &str,
        rule: Option<FingerprintRule>,
        now: i64,
    ) -> ApiResult<()> {
        match rule {
            Some(rule) => self
                .execute(
                    "INSERT INTO fingerprint_rules (product_id, fingerprint, rule, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (product_id, fingerprint) \
                     DO UPDATE SET rule = excluded.rule, created_at = excluded.created_at",
                    &[&product_id, &fingerprint, &rule.as_str(), &now],
                )
                .await
                .map(drop),
            None => {
                let sql = "DELETE FROM fingerprint_rules WHERE product_id = $1 AND fingerprint = $2";
                self.execute(sql, &[&product_id, &fingerprint]).await.map(drop)
            }
        }
    }

    async fn trial_used(&mut self, policy_id: &str, fingerprint: &str) -> ApiResult<bool> {
        let sql = "SELECT EXISTS (SELECT 1 FROM trials WHERE policy_id = $1 AND fingerprint = $2)";
        self.exists(sql, &[&policy_id, &fingerprint]).await
    }

    async fn insert_trial(&mut self, policy_id: &str, fingerprint: &str, license_id: &str, now: i64) -> ApiResult<()> {
        let sql = "INSERT INTO trials (policy_id, fingerprint, license_id, created_at) VALUES ($1, $2, $3, $4)";
        self.execute(sql, &[&policy_id, &fingerprint, &license_id, &now])
            .await
            .map(drop)
    }

    async fn lock_demo(&mut self) -> ApiResult<()> {
        let sql = "SELECT pg_advisory_xact_lock($1)";
        self.execute(sql, &[&(schema::SCHEMA_LOCK + 1)]).await.map(drop)
    }

    async fn demo_keys(&mut self) -> ApiResult<Vec<DemoKey>> {
        let sql = "SELECT label, license_key, purpose FROM demo_keys ORDER BY seq";
        let rows = self.0.query(sql, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| DemoKey {
                label: r.get(0),
                key: r.get(1),
                purpose: r.get(2),
            })
            .collect())
    }

    async fn insert_demo_key(&mut self, k: &DemoKey) -> ApiResult<()> {
        let sql = "INSERT INTO demo_keys (label, license_key, purpose) VALUES ($1, $2, $3)";
        self.execute(sql, &[&k.label, &k.key, &k.purpose]).await.map(drop)
    }

    async fn insert_events(&mut self, list: &[Event]) -> ApiResult<()> {
        Ok(events::insert_all(self.0, list).await?)
    }

    async fn events(&mut self, query: &EventQuery, limit: u32) -> ApiResult<Vec<StoredEvent>> {
        Ok(events::query(self.0, query, limit).await?)
    }

    async fn delete_events_before(&mut self, before: i64, limit: u32) -> ApiResult<u64> {
        Ok(events::prune(self.0, before, limit).await?)
    }

    async fn delete_sessions_expired(&mut self, now: i64) -> ApiResult<()> {
        let sql = "DELETE FROM sessions WHERE expires_at <= $1";
        self.execute(sql, &[&now]).await.map(drop)
    }

    async fn insert_session(&mut self, s: &StoredSession) -> ApiResult<()> {
        self.execute(
            "INSERT INTO sessions (id_hash, kind, csrf, data, expires_at) VALUES ($1, $2, $3, $4, $5)",
            &[&s.id_hash, &s.kind, &s.csrf, &s.data, &s.expires_at],
        )
        .await
        .map(drop)
    }

    async fn session(&mut self, kind: &str, id_hash: &str, now: i64) -> ApiResult<Option<StoredSession>> {
        let stmt = self
            .0
            .prepare_cached(
                "SELECT csrf, data, expires_at FROM sessions WHERE id_hash = $1 AND kind = $2 AND expires_at > $3",
            )
            .await?;
        let row = self.0.query_opt(&stmt, &[&id_hash, &kind, &now]).await?;
        Ok(row.map(|r| StoredSession {
            kind: kind.to_owned(),
            id_hash: id_hash.to_owned(),
            csrf: r.get(0),
            data: r.get(1),
            expires_at: r.get(2),
        }))
    }

    async fn delete_session(&mut self, kind: &str, id_hash: &str) -> ApiResult<()> {
        let sql = "DELETE FROM sessions WHERE id_hash = $1 AND kind = $2";
        self.execute(sql, &[&id_hash, &kind]).await.map(drop)
    }
}
