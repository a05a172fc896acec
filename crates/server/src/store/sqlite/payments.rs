//! [`PaymentTx`] in SQLite's SQL (tables: the payments block at the end of [`super::schema`]).
//! The single writer runs one payment at a time, so an order needs no row lock.

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::payments::{Buyer, Order, PaymentTx};
use crate::domain::tx::Lock;
use rusqlite::{params, OptionalExtension};
use std::future::{ready, Future};

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
        event_id: &str,
        now: i64,
    ) -> impl Future<Output = ApiResult<bool>> + Send {
        done(
            self.0
                .execute(
                    "INSERT OR IGNORE INTO payment_events (provider, event_id, received_at) VALUES (?1, ?2, ?3)",
                    params![provider, event_id, now],
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
}
