//! [`PaymentTx`] in PostgreSQL's SQL (tables: the payments block at the end of
//! [`super::schema`]). A provider's events run one at a time (an advisory lock per provider,
//! [`PaymentTx::lock_payments`]); the primary keys on event ids, aliases and order ids keep every
//! row unique.

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::payments::unmatched::StoredEvent;
use crate::domain::payments::{Buyer, Order, PaymentTx};
use crate::domain::tx::Lock;
use deadpool_postgres::GenericClient;

/// Schema step (issue 18, unmatched refunds; as SQLite's): each event's type and the id it named
/// its order by, and the indexes of [`crate::store::sqlite::payments::EVENTS_INDEX`].
pub const EVENTS_STEP: &str = "DO $$ BEGIN
IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'payment_events'::regclass AND attname = 'order_alias'
    AND NOT attisdropped) THEN
    ALTER TABLE payment_events ADD COLUMN event_type TEXT, ADD COLUMN order_alias TEXT;
END IF;
END $$;
CREATE INDEX IF NOT EXISTS payment_events_alias ON payment_events(provider, order_alias);
CREATE INDEX IF NOT EXISTS payment_orders_unmatched ON payment_orders(created_at) WHERE license_id IS NULL AND revoked;";

/// SQLite's statement with PostgreSQL's placeholders.
fn numbered(sql: &str) -> String {
    sql.replace("?1", "$1").replace("?2", "$2")
}

impl<C: GenericClient + Sync> PaymentTx for PgTx<'_, C> {
    async fn lock_payments(&mut self, provider: &str) -> ApiResult<()> {
        // A key of its own: the provider's name hashed with a seed no other lock uses.
        let key = format!("keyturn payments {provider}");
        self.0
            .execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 18))", &[&key])
            .await?;
        Ok(())
    }

    async fn insert_payment_event(
        &mut self,
        provider: &str,
        (event_id, event_type): (&str, &str),
        order_alias: Option<&str>,
        now: i64,
    ) -> ApiResult<bool> {
        let n = self
            .0
            .execute(
                "INSERT INTO payment_events (provider, event_id, received_at, event_type, order_alias) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&provider, &event_id, &now, &event_type, &order_alias],
            )
            .await?;
        Ok(n == 1)
    }

    async fn payment_order(&mut self, provider: &str, ids: &[String], lock: Lock) -> ApiResult<Option<Order>> {
        let sql = format!(
            "SELECT o.order_id, o.license_id, o.paid_until, o.ends_at, o.revoked, o.created_at \
             FROM payment_aliases a JOIN payment_orders o ON o.provider = a.provider AND o.order_id = a.order_id \
             WHERE a.provider = $1 AND a.alias = $2{}",
            if lock == Lock::ForUpdate {
                " FOR UPDATE OF o"
            } else {
                ""
            }
        );
        for id in ids {
            let row = self.0.query_opt(sql.as_str(), &[&provider, id]).await?;
            if let Some(r) = row {
                return Ok(Some(Order {
                    provider: provider.to_string(),
                    id: r.get(0),
                    license_id: r.get(1),
                    paid_until: r.get(2),
                    ends_at: r.get(3),
                    revoked: r.get(4),
                    created_at: r.get(5),
                }));
            }
        }
        Ok(None)
    }

    async fn insert_payment_order(&mut self, o: &Order) -> ApiResult<bool> {
        let n = self
            .0
            .execute(
                "INSERT INTO payment_orders (provider, order_id, license_id, paid_until, ends_at, revoked, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                &[&o.provider, &o.id, &o.license_id, &o.paid_until, &o.ends_at, &o.revoked, &o.created_at],
            )
            .await?;
        if n == 1 {
            // Its own id names it (so a concurrent event finds it once this commits).
            self.0
                .execute(
                    "INSERT INTO payment_aliases (provider, alias, order_id) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING",
                    &[&o.provider, &o.id],
                )
                .await?;
        }
        Ok(n == 1)
    }

    async fn update_payment_order(&mut self, o: &Order) -> ApiResult<()> {
        self.0
            .execute(
                "UPDATE payment_orders SET license_id = $3, paid_until = $4, ends_at = $5, revoked = $6 \
                 WHERE provider = $1 AND order_id = $2",
                &[&o.provider, &o.id, &o.license_id, &o.paid_until, &o.ends_at, &o.revoked],
            )
            .await?;
        Ok(())
    }

    async fn claim_payment_alias(&mut self, provider: &str, alias: &str, order_id: &str) -> ApiResult<String> {
        // DO UPDATE (not DO NOTHING): it returns the row that won and keeps it locked.
        let row = self
            .0
            .query_one(
                "INSERT INTO payment_aliases (provider, alias, order_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (provider, alias) DO UPDATE SET order_id = payment_aliases.order_id RETURNING order_id",
                &[&provider, &alias, &order_id],
            )
            .await?;
        Ok(row.get(0))
    }

    async fn repoint_payment_aliases(&mut self, provider: &str, from: &str, to: &str) -> ApiResult<()> {
        self.0
            .execute(
                "UPDATE payment_aliases SET order_id = $3 WHERE provider = $1 AND order_id = $2",
                &[&provider, &from, &to],
            )
            .await?;
        Ok(())
    }

    async fn delete_payment_order(&mut self, provider: &str, order_id: &str) -> ApiResult<()> {
        self.0
            .execute(
                "DELETE FROM payment_orders WHERE provider = $1 AND order_id = $2",
                &[&provider, &order_id],
            )
            .await?;
        Ok(())
    }

    async fn put_payment_customer(&mut self, provider: &str, b: &Buyer, now: i64) -> ApiResult<()> {
        self.0
            .execute(
                "INSERT INTO payment_customers (provider, customer_id, name, email, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (provider, customer_id) DO UPDATE SET name = excluded.name, email = excluded.email, \
                 updated_at = excluded.updated_at",
                &[&provider, &b.customer_id, &b.name, &b.email, &now],
            )
            .await?;
        Ok(())
    }

    async fn payment_customer(&mut self, provider: &str, customer_id: &str) -> ApiResult<Option<Buyer>> {
        let row = self
            .0
            .query_opt(
                "SELECT name, email FROM payment_customers WHERE provider = $1 AND customer_id = $2",
                &[&provider, &customer_id],
            )
            .await?;
        Ok(row.map(|r| Buyer {
            customer_id: Some(customer_id.to_string()),
            name: r.get(0),
            email: r.get(1),
        }))
    }

    async fn unmatched_payment_orders(&mut self, limit: u32) -> ApiResult<Vec<Order>> {
        use crate::store::sqlite::payments::UNMATCHED_SQL;
        let rows = self
            .0
            .query(numbered(UNMATCHED_SQL).as_str(), &[&i64::from(limit)])
            .await?;
        Ok(rows
            .iter()
            .map(|r| Order {
                provider: r.get(0),
                id: r.get(1),
                license_id: r.get(2),
                paid_until: r.get(3),
                ends_at: r.get(4),
                revoked: r.get(5),
                created_at: r.get(6),
            })
            .collect())
    }

    async fn payment_order_history(
        &mut self,
        provider: &str,
        order_id: &str,
    ) -> ApiResult<(Vec<String>, Vec<StoredEvent>)> {
        use crate::store::sqlite::payments::{EVENTS_SQL, NAMES_SQL};
        let names = self
            .0
            .query(numbered(NAMES_SQL).as_str(), &[&provider, &order_id])
            .await?;
        let events = self
            .0
            .query(numbered(EVENTS_SQL).as_str(), &[&provider, &order_id])
            .await?;
        Ok((
            names.iter().map(|r| r.get(0)).collect(),
            events
                .iter()
                .map(|r| StoredEvent {
                    event_id: r.get(0),
                    event_type: r.get(1),
                    received_at: r.get(2),
                })
                .collect(),
        ))
    }
}
