//! [`PaymentTx`] in SQLite's SQL (tables: the payments block at the end of [`super::schema`]).
//! The single writer runs one payment at a time, so an order needs no row lock.

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::payments::unmatched::StoredEvent;
use crate::domain::payments::{Buyer, Order, PaymentTx};
use crate::domain::tx::Lock;
use rusqlite::{params, OptionalExtension};
use std::future::{ready, Future};

/// Schema step (issue 18, unmatched refunds): each event's type and the id it named its order by.
pub fn events_step(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    for column in ["event_type", "order_alias"] {
        let sql = format!("ALTER TABLE payment_events ADD COLUMN {column} TEXT;");
        super::schema::add_column(conn, "payment_events", column, &sql)?;
    }
    conn.execute_batch(EVENTS_INDEX)
}

/// The same on both stores: events found by the alias they named their order by, and orders with
/// a revocation and no license (the unmatched list) found without a scan of every order.
pub const EVENTS_INDEX: &str = "CREATE INDEX IF NOT EXISTS payment_events_alias ON payment_events(provider, order_alias);
CREATE INDEX IF NOT EXISTS payment_orders_unmatched ON payment_orders(created_at) WHERE license_id IS NULL AND revoked;";

/// The unmatched orders, newest first (`?1` at most).
pub const UNMATCHED_SQL: &str = "SELECT provider, order_id, license_id, paid_until, ends_at, revoked, created_at      FROM payment_orders WHERE license_id IS NULL AND revoked ORDER BY created_at DESC, provider, order_id LIMIT ?1";

/// The names of an order (`?1` provider, `?2` order).
pub const NAMES_SQL: &str = "SELECT alias FROM payment_aliases WHERE provider = ?1 AND order_id = ?2 ORDER BY alias";

/// The events of an order, found through the alias each named it by.
pub const EVENTS_SQL: &str = "SELECT e.event_id, COALESCE(e.event_type, ''), e.received_at FROM payment_events e      JOIN payment_aliases a ON a.provider = e.provider AND a.alias = e.order_alias      WHERE a.provider = ?1 AND a.order_id = ?2 ORDER BY e.received_at, e.event_id";

fn done<T: Send>(result: rusqlite::Result<T>) -> impl Future<Output = ApiResult<T>> + Send {
    ready(result.map_err(Into::into))
}

impl PaymentTx for SqliteTx<'_> {
    fn lock_payments(&mut self, _provider: &str) -> impl Future<Output = ApiResult<()>> + Send {
        // The single writer applies one transaction at a time already.
        ready(Ok(()))
    }

    fn insert_payment_event(
        &mut self,
        provider: &str,
        (event_id, event_type): (&str, &str),
        order_alias: Option<&str>,
        now: i64,
    ) -> impl Future<Output = ApiResult<bool>> + Send {
        done(
            self.0
                .execute(
                    "INSERT OR IGNORE INTO payment_events (provider, event_id, received_at, event_type, order_alias) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![provider, event_id, now, event_type, order_alias],
                )
                .map(|n| n == 1),
        )
    }

    fn payment_order(
        &mut self,
        provider: &str,
        ids: &[String],
        _lock: Lock,
    ) -> impl Future<Output = ApiResult<Option<Order>>> + Send {
        done((|| {
            let mut stmt = self.0.prepare_cached(
                "SELECT o.order_id, o.license_id, o.paid_until, o.ends_at, o.revoked, o.created_at \
                 FROM payment_aliases a JOIN payment_orders o ON o.provider = a.provider AND o.order_id = a.order_id \
                 WHERE a.provider = ?1 AND a.alias = ?2",
            )?;
            for id in ids {
                let found = stmt
                    .query_row(params![provider, id], |r| {
                        Ok(Order {
                            provider: provider.to_string(),
                            id: r.get(0)?,
                            license_id: r.get(1)?,
                            paid_until: r.get(2)?,
                            ends_at: r.get(3)?,
                            revoked: r.get(4)?,
                            created_at: r.get(5)?,
                        })
                    })
                    .optional()?;
                if found.is_some() {
                    return Ok(found);
                }
            }
            Ok(None)
        })())
    }

    fn insert_payment_order(&mut self, o: &Order) -> impl Future<Output = ApiResult<bool>> + Send {
        done(
            self.0
                .execute(
                    "INSERT OR IGNORE INTO payment_orders (provider, order_id, license_id, paid_until, ends_at, revoked, \
                     created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![o.provider, o.id, o.license_id, o.paid_until, o.ends_at, o.revoked, o.created_at],
                )
                .map(|n| n == 1),
        )
    }

    fn update_payment_order(&mut self, o: &Order) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .execute(
                    "UPDATE payment_orders SET license_id = ?3, paid_until = ?4, ends_at = ?5, revoked = ?6 \
                     WHERE provider = ?1 AND order_id = ?2",
                    params![o.provider, o.id, o.license_id, o.paid_until, o.ends_at, o.revoked],
                )
                .map(drop),
        )
    }

    fn claim_payment_alias(
        &mut self,
        provider: &str,
        alias: &str,
        order_id: &str,
    ) -> impl Future<Output = ApiResult<String>> + Send {
        done(self.0.query_row(
            "INSERT INTO payment_aliases (provider, alias, order_id) VALUES (?1, ?2, ?3) \
             ON CONFLICT (provider, alias) DO UPDATE SET order_id = payment_aliases.order_id RETURNING order_id",
            params![provider, alias, order_id],
            |r| r.get(0),
        ))
    }

    fn repoint_payment_aliases(
        &mut self,
        provider: &str,
        from: &str,
        to: &str,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .execute(
                    "UPDATE payment_aliases SET order_id = ?3 WHERE provider = ?1 AND order_id = ?2",
                    params![provider, from, to],
                )
                .map(drop),
        )
    }

    fn delete_payment_order(&mut self, provider: &str, order_id: &str) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .execute(
                    "DELETE FROM payment_orders WHERE provider = ?1 AND order_id = ?2",
                    params![provider, order_id],
                )
                .map(drop),
        )
    }

    fn put_payment_customer(
        &mut self,
        provider: &str,
        b: &Buyer,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .execute(
                    "INSERT INTO payment_customers (provider, customer_id, name, email, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (provider, customer_id) DO UPDATE SET \
                     name = excluded.name, email = excluded.email, updated_at = excluded.updated_at",
                    params![provider, b.customer_id, b.name, b.email, now],
                )
                .map(drop),
        )
    }

    fn payment_customer(
        &mut self,
        provider: &str,
        customer_id: &str,
    ) -> impl Future<Output = ApiResult<Option<Buyer>>> + Send {
        done(
            self.0
                .query_row(
                    "SELECT name, email FROM payment_customers WHERE provider = ?1 AND customer_id = ?2",
                    params![provider, customer_id],
                    |r| {
                        Ok(Buyer {
                            customer_id: Some(customer_id.to_string()),
                            name: r.get(0)?,
                            email: r.get(1)?,
                        })
                    },
                )
                .optional(),
        )
    }

    fn unmatched_payment_orders(&mut self, limit: u32) -> impl Future<Output = ApiResult<Vec<Order>>> + Send {
        done((|| {
            let mut stmt = self.0.prepare_cached(UNMATCHED_SQL)?;
            let rows = stmt.query_map(params![limit], |r| {
                Ok(Order {
                    provider: r.get(0)?,
                    id: r.get(1)?,
                    license_id: r.get(2)?,
                    paid_until: r.get(3)?,
                    ends_at: r.get(4)?,
                    revoked: r.get(5)?,
                    created_at: r.get(6)?,
                })
            })?;
            rows.collect()
        })())
    }

    fn payment_order_history(
        &mut self,
        provider: &str,
        order_id: &str,
    ) -> impl Future<Output = ApiResult<(Vec<String>, Vec<StoredEvent>)>> + Send {
        done((|| {
            let names = self
                .0
                .prepare_cached(NAMES_SQL)?
                .query_map(params![provider, order_id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            let events = self
                .0
                .prepare_cached(EVENTS_SQL)?
                .query_map(params![provider, order_id], |r| {
                    Ok(StoredEvent {
                        event_id: r.get(0)?,
                        event_type: r.get(1)?,
                        received_at: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((names, events))
        })())
    }
}
