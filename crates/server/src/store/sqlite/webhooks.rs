//! [`WebhookTx`] in SQLite's SQL (tables: the webhooks block at the end of [`super::schema`]).
//! One writer runs every change, so a claim needs no row locks and event ids grow in commit
//! order: every event after an endpoint's cursor is settled. The head's lease still keeps an endpoint from being sent to by two processes on one file.

use super::tx::SqliteTx;
use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, StoredEvent};
use crate::domain::webhooks::intake::{LogEntry, Settled};
use crate::domain::webhooks::{Delivery, DeliveryQuery, Due, Endpoint, WebhookTx};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::future::{ready, Future};

fn done<T: Send>(result: rusqlite::Result<T>) -> impl Future<Output = ApiResult<T>> + Send {
    ready(result.map_err(Into::into))
}

const DELIVERY_COLUMNS: &str =
    "d.id, d.endpoint_id, d.event_id, d.state, d.attempts, d.next_at, d.last_status, d.last_error, d.created_at, \
     d.delivered_at, d.seq";

fn delivery(r: &Row<'_>) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        endpoint_id: r.get(1)?,
        event_id: r.get(2)?,
        state: r.get(3)?,
        attempts: r.get(4)?,
        next_at: r.get(5)?,
        last_status: r.get(6)?,
        last_error: r.get(7)?,
        created_at: r.get(8)?,
        delivered_at: r.get(9)?,
        sequence: r.get(10)?,
    })
}

fn endpoints(c: &Connection) -> rusqlite::Result<Vec<Endpoint>> {
    let mut list = c
        .prepare_cached("SELECT id, url, secret, created_at FROM webhook_endpoints ORDER BY created_at, id")?
        .query_map([], |r| {
            Ok(Endpoint {
                id: r.get(0)?,
                url: r.get(1)?,
                secret: r.get(2)?,
                created_at: r.get(3)?,
                event_types: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut subs = c.prepare_cached("SELECT endpoint_id, event_type FROM webhook_subscriptions ORDER BY event_type")?;
    for row in subs.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (id, t) = row?;
        if let Some(e) = list.iter_mut().find(|e| e.id == id) {
            e.event_types.push(t);
        }
    }
    Ok(list)
}

/// The highest sequence number the endpoint has given (see [`super::webhook_schema::create_seq_counter`]).
fn highest_seq(c: &Connection, endpoint: &str) -> rusqlite::Result<i64> {
    c.prepare_cached(
        "SELECT MAX((SELECT COALESCE(MAX(seq), 0) FROM webhook_deliveries WHERE endpoint_id = ?1), \
         COALESCE((SELECT last_seq FROM webhook_endpoints WHERE id = ?1), 0))",
    )?
    .query_row([endpoint], |r| r.get(0))
}

/// Notes that the endpoint has given the numbers up to `highest`.
fn seq_given(c: &Connection, endpoint: &str, highest: i64) -> rusqlite::Result<()> {
    c.prepare_cached("UPDATE webhook_endpoints SET last_seq = ?2 WHERE id = ?1 AND last_seq < ?2")?
        .execute(params![endpoint, highest])
        .map(drop)
}

/// The head: the endpoint's pending delivery with the lowest sequence number.
const HEAD: &str = "SELECT h.next_at, h.lease_until FROM webhook_deliveries h WHERE h.endpoint_id = w.id \
                    AND h.state = 'PENDING' AND h.seq IS NOT NULL ORDER BY h.seq LIMIT 1";

fn claim_endpoints(c: &Connection, now: i64, limit: u32) -> rusqlite::Result<Vec<String>> {
    c.prepare_cached(&format!(
        "SELECT w.id FROM webhook_endpoints w WHERE EXISTS (SELECT 1 FROM events e WHERE e.id > w.after_event) \
         OR EXISTS (SELECT 1 FROM webhook_deliveries n \
         WHERE n.endpoint_id = w.id AND n.seq IS NULL AND n.state = 'PENDING') \
         OR EXISTS (SELECT 1 FROM ({HEAD}) head WHERE head.next_at <= ?1 \
         AND (head.lease_until IS NULL OR head.lease_until <= ?1)) \
         ORDER BY (SELECT MIN(p.next_at) FROM webhook_deliveries p WHERE p.endpoint_id = w.id AND p.state = 'PENDING') \
         LIMIT ?2"
    ))?
    .query_map(params![now, limit], |r| r.get(0))?
    .collect()
}

fn sequence_new(c: &Connection, endpoint: &str, now: i64) -> rusqlite::Result<u64> {
    let highest = highest_seq(c, endpoint)?;
    let new = c
        .prepare_cached(
            // (`+ 0`: ordering by the bare column would make SQLite walk the endpoint's whole
            // history in the unique index instead of the few new ones in the queue's.)
            "SELECT id FROM webhook_deliveries WHERE endpoint_id = ?1 AND state = 'PENDING' AND seq IS NULL \
             AND (lease_until IS NULL OR lease_until <= ?2) ORDER BY event_id + 0",
        )?
        .query_map(params![endpoint, now], |r| r.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut number = c.prepare_cached("UPDATE webhook_deliveries SET seq = ?2 WHERE id = ?1")?;
    for (n, id) in (highest + 1..).zip(&new) {
        number.execute(params![id, n])?;
    }
    seq_given(c, endpoint, highest + new.len() as i64)?;
    Ok(new.len() as u64)
}

fn lease_head(
    c: &Connection,
    endpoint: &str,
    now: i64,
    lease_until: i64,
    per_endpoint: u32,
) -> rusqlite::Result<Vec<i64>> {
    let head: Option<(i64, i64, Option<i64>)> = c
        .prepare_cached(&HEAD.replace("h.next_at", "h.id, h.next_at").replace("w.id", "?1"))?
        .query_row([endpoint], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    // A redelivered one still leased: its batch is still being sent (see `WebhookTx::lease_head`).
    let held: bool = c
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE endpoint_id = ?1 AND state = 'PENDING' \
             AND seq IS NULL AND lease_until > ?2)",
        )?
        .query_row(params![endpoint, now], |r| r.get(0))?;
    match head {
        Some((head, next_at, lease)) if !held && next_at <= now && lease.is_none_or(|until| until <= now) => {
            c.prepare_cached("UPDATE webhook_deliveries SET lease_until = ?2 WHERE id = ?1")?
                .execute(params![head, lease_until])?;
            c.prepare_cached(
                "SELECT id FROM webhook_deliveries WHERE endpoint_id = ?1 AND state = 'PENDING' AND seq IS NOT NULL \
                 ORDER BY seq LIMIT ?2",
            )?
            .query_map(params![endpoint, per_endpoint], |r| r.get(0))?
            .collect()
        }
        _ => Ok(Vec::new()),
    }
}

fn settled_events(c: &Connection, endpoint: &str, limit: u32) -> rusqlite::Result<Settled> {
    let events = c
        .prepare_cached(
            "SELECT e.id, e.action, e.outcome FROM events e WHERE e.id > \
             (SELECT after_event FROM webhook_endpoints WHERE id = ?1) ORDER BY e.id LIMIT ?2",
        )?
        .query_map(params![endpoint, limit], |r| {
            Ok(LogEntry {
                id: r.get(0)?,
                action: r.get(1)?,
                outcome: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let through = events.last().map(|e| e.id);
    Ok(Settled { events, through })
}

fn queue_events(c: &Connection, endpoint: &str, events: &[i64], through: i64, now: i64) -> rusqlite::Result<()> {
    let highest = highest_seq(c, endpoint)?;
    // Dated by its event: retries end three days after the event, however late it was taken.
    let mut insert = c.prepare_cached(
        "INSERT OR IGNORE INTO webhook_deliveries (endpoint_id, event_id, state, next_at, created_at, seq) \
         SELECT ?1, e.id, 'PENDING', ?3, MIN(e.at, ?3), ?4 FROM events e WHERE e.id = ?2",
    )?;
    for (n, event) in (highest + 1..).zip(events) {
        insert.execute(params![endpoint, event, now, n])?;
    }
    seq_given(c, endpoint, highest + events.len() as i64)?;
    c.prepare_cached("UPDATE webhook_endpoints SET after_event = ?2 WHERE id = ?1")?
        .execute(params![endpoint, through])?;
    Ok(())
}

/// A list of ids as one parameter (a JSON array, read with `json_each`).
fn id_list(ids: &[i64]) -> String {
    serde_json::to_string(ids).expect("numbers serialize")
}

fn due(c: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<Due>> {
    let mut details = c.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS}, w.url, w.secret, e.at, e.action, e.outcome, e.license_id, e.activation_id, \
         e.actor, e.detail FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         JOIN events e ON e.id = d.event_id WHERE d.id IN (SELECT value FROM json_each(?1))"
    ))?;
    let rows = details.query_map([id_list(ids)], |r| {
        let delivery = delivery(r)?;
        Ok(Due {
            url: r.get(11)?,
            secret: r.get(12)?,
            event: StoredEvent {
                id: delivery.event_id,
                event: Event {
                    at: r.get(13)?,
                    action: r.get(14)?,
                    outcome: r.get(15)?,
                    license_id: r.get(16)?,
                    activation_id: r.get(17)?,
                    actor: r.get(18)?,
                    detail: r.get(19)?,
                    ..Event::default()
                },
            },
            delivery,
        })
    })?;
    rows.collect()
}

impl WebhookTx for SqliteTx<'_> {
    fn insert_endpoint(&mut self, e: &Endpoint) -> impl Future<Output = ApiResult<()>> + Send {
        done((|| {
            self.0.execute(
                "INSERT INTO webhook_endpoints (id, url, secret, created_at, after_event) \
                 VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(id), 0) FROM events))",
                params![e.id, e.url, e.secret, e.created_at],
            )?;
            for t in &e.event_types {
                self.0.execute(
                    "INSERT OR IGNORE INTO webhook_subscriptions (endpoint_id, event_type) VALUES (?1, ?2)",
                    params![e.id, t],
                )?;
            }
            Ok(())
        })())
    }

    fn endpoints(&mut self) -> impl Future<Output = ApiResult<Vec<Endpoint>>> + Send {
        done(endpoints(self.0))
    }

    fn delete_endpoint(&mut self, id: &str) -> impl Future<Output = ApiResult<bool>> + Send {
        done((|| {
            self.0
                .execute("DELETE FROM webhook_deliveries WHERE endpoint_id = ?1", [id])?;
            self.0
                .execute("DELETE FROM webhook_subscriptions WHERE endpoint_id = ?1", [id])?;
            Ok(self.0.execute("DELETE FROM webhook_endpoints WHERE id = ?1", [id])? > 0)
        })())
    }

    fn settled_events(&mut self, endpoint: &str, limit: u32) -> impl Future<Output = ApiResult<Settled>> + Send {
        done(settled_events(self.0, endpoint, limit))
    }

    fn queue_events(
        &mut self,
        endpoint: &str,
        events: &[i64],
        through: i64,
        now: i64,
    ) -> impl Future<Output = ApiResult<()>> + Send {
        done(queue_events(self.0, endpoint, events, through, now))
    }

    fn claim_endpoints(&mut self, now: i64, limit: u32) -> impl Future<Output = ApiResult<Vec<String>>> + Send {
        done(claim_endpoints(self.0, now, limit))
    }

    fn sequence_new(&mut self, endpoint: &str, now: i64) -> impl Future<Output = ApiResult<u64>> + Send {
        done(sequence_new(self.0, endpoint, now))
    }

    fn lease_head(
        &mut self,
        endpoint: &str,
        now: i64,
        lease_until: i64,
        per_endpoint: u32,
    ) -> impl Future<Output = ApiResult<Vec<i64>>> + Send {
        done(lease_head(self.0, endpoint, now, lease_until, per_endpoint))
    }

    fn due(&mut self, ids: &[i64]) -> impl Future<Output = ApiResult<Vec<Due>>> + Send {
        done(due(self.0, ids))
    }

    fn give_up_gone(&mut self, ids: &[i64], error: &str) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .execute(
                    "UPDATE webhook_deliveries SET state = 'FAILED', last_error = ?2, lease_until = NULL \
                     WHERE id IN (SELECT value FROM json_each(?1)) AND NOT EXISTS (SELECT 1 FROM events e \
                     WHERE e.id = webhook_deliveries.event_id)",
                    params![id_list(ids), error],
                )
                .map(drop),
        )
    }

    fn record_delivered(&mut self, ids: &[i64], status: u16, now: i64) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .prepare_cached(
                    "UPDATE webhook_deliveries SET state = 'DELIVERED', attempts = attempts + 1, last_status = ?2, \
                     last_error = NULL, delivered_at = ?3, lease_until = NULL \
                     WHERE id IN (SELECT value FROM json_each(?1)) AND state = 'PENDING' AND seq IS NOT NULL",
                )
                .and_then(|mut s| s.execute(params![id_list(ids), status, now]))
                .map(drop),
        )
    }

    fn release_leases(&mut self, ids: &[i64]) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .execute(
                    "UPDATE webhook_deliveries SET lease_until = NULL WHERE id IN (SELECT value FROM json_each(?1))",
                    [id_list(ids)],
                )
                .map(drop),
        )
    }

    fn record_attempt(&mut self, d: &Delivery) -> impl Future<Output = ApiResult<()>> + Send {
        done(
            self.0
                .prepare_cached(
                    "UPDATE webhook_deliveries SET state = ?2, attempts = ?3, next_at = ?4, last_status = ?5, \
                     last_error = ?6, created_at = ?7, delivered_at = ?8, seq = ?9, \
                     lease_until = CASE WHEN ?9 IS NULL THEN lease_until END WHERE id = ?1",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        d.id,
                        d.state,
                        d.attempts,
                        d.next_at,
                        d.last_status,
                        d.last_error,
                        d.created_at,
                        d.delivered_at,
                        d.sequence
                    ])
                })
                .map(drop),
        )
    }

    fn delivery(&mut self, id: i64) -> impl Future<Output = ApiResult<Option<Delivery>>> + Send {
        done(
            self.0
                .prepare_cached(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.id = ?1"
                ))
                .and_then(|mut s| s.query_row([id], delivery).optional()),
        )
    }

    fn deliveries(&mut self, q: &DeliveryQuery, limit: u32) -> impl Future<Output = ApiResult<Vec<Delivery>>> + Send {
        done(
            self.0
                .prepare_cached(&format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE (?1 IS NULL OR d.endpoint_id = ?1) \
                     AND (?2 IS NULL OR d.state = ?2) AND (?3 IS NULL OR d.id < ?3) ORDER BY d.id DESC LIMIT ?4"
                ))
                .and_then(|mut s| {
                    s.query_map(params![q.endpoint_id, q.state, q.before, limit], delivery)?
                        .collect::<Result<Vec<_>, _>>()
                }),
        )
    }
}
