//! [`WebhookTx`] in PostgreSQL's SQL (tables: the webhooks block at the end of [`super::schema`]).
//! A claim locks each endpoint it handles (`FOR NO KEY UPDATE SKIP LOCKED`: another replica's
//! claim skips it), takes the new events of the log into its queue and leases the head (which
//! holds the endpoint until the batch's attempts are recorded), so with several replicas one
//! process at a time sends an endpoint's deliveries, in sequence order.
//!
//! Which events are settled: ids come from a sequence before commit, so a smaller id may commit
//! after a larger one is visible. An event's id is drawn only after its transaction has an id
//! (`keyturn_event_id()`, the column's default), so once every transaction older than the
//! snapshot taken after reading the sequence has ended, every id up to what the sequence had
//! given is final: committed (visible) or never. Each endpoint keeps such a range to settle
//! (`settle_upto`: the sequence then; `settle_xmax`: the snapshot's first unassigned transaction
//! id); a later claim, once the oldest running transaction is past `settle_xmax`, takes the
//! events up to `settle_upto` and starts the next range. (A writing transaction left open holds
//! webhooks back until it ends.)

use super::tx::PgTx;
use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, StoredEvent};
use crate::domain::webhooks::intake::{LogEntry, Settled};
use crate::domain::webhooks::{Delivery, DeliveryQuery, Due, Endpoint, WebhookTx};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

const DELIVERY_COLUMNS: &str =
    "d.id, d.endpoint_id, d.event_id, d.state, d.attempts, d.next_at, d.last_status, d.last_error, d.created_at, \
     d.delivered_at, d.seq";

mod schema;
pub use schema::{CURSOR_SCHEMA, ORDER_SCHEMA, SEQ_COUNTER_SCHEMA};

/// The highest sequence number the endpoint has given: in the deliveries, or given up since.
const HIGHEST_SEQ: &str = "GREATEST((SELECT COALESCE(MAX(seq), 0) FROM webhook_deliveries WHERE endpoint_id = $1), \
                           (SELECT last_seq FROM webhook_endpoints WHERE id = $1))";

/// Notes the numbers given so far (after numbering, in the same transaction).
const SEQ_GIVEN: &str = "UPDATE webhook_endpoints SET last_seq = (SELECT MAX(seq) FROM webhook_deliveries \
                         WHERE endpoint_id = $1) WHERE id = $1 AND last_seq < (SELECT MAX(seq) FROM webhook_deliveries \
                         WHERE endpoint_id = $1)";

/// The head: the endpoint's pending delivery with the lowest sequence number.
const HEAD: &str = "SELECT h.next_at, h.lease_until FROM webhook_deliveries h WHERE h.endpoint_id = w.id \
                    AND h.state = 'PENDING' AND h.seq IS NOT NULL ORDER BY h.seq LIMIT 1";

fn delivery(r: &Row) -> Delivery {
    Delivery {
        id: r.get(0),
        endpoint_id: r.get(1),
        event_id: r.get(2),
        state: r.get(3),
        attempts: r.get::<_, i32>(4).max(0) as u32,
        next_at: r.get(5),
        last_status: r.get::<_, Option<i32>>(6).map(|s| s.clamp(0, 999) as u16),
        last_error: r.get(7),
        created_at: r.get(8),
        delivered_at: r.get(9),
        sequence: r.get(10),
    }
}

impl<C: GenericClient + Sync> WebhookTx for PgTx<'_, C> {
    async fn insert_endpoint(&mut self, e: &Endpoint) -> ApiResult<()> {
        self.0
            .execute(
                "INSERT INTO webhook_endpoints (id, url, secret, created_at, after_event) VALUES \
                 ($1, $2, $3, $4, (SELECT COALESCE(MAX(id), 0) FROM events))",
                &[&e.id, &e.url, &e.secret, &e.created_at],
            )
            .await?;
        for t in &e.event_types {
            self.0
                .execute(
                    "INSERT INTO webhook_subscriptions (endpoint_id, event_type) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&e.id, t],
                )
                .await?;
        }
        Ok(())
    }

    async fn endpoints(&mut self) -> ApiResult<Vec<Endpoint>> {
        let rows = self
            .0
            .query(
                "SELECT id, url, secret, created_at FROM webhook_endpoints ORDER BY created_at, id",
                &[],
            )
            .await?;
        let mut list: Vec<Endpoint> = rows
            .iter()
            .map(|r| Endpoint {
                id: r.get(0),
                url: r.get(1),
                secret: r.get(2),
                created_at: r.get(3),
                event_types: Vec::new(),
            })
            .collect();
        let subs = self
            .0
            .query(
                "SELECT endpoint_id, event_type FROM webhook_subscriptions ORDER BY event_type",
                &[],
            )
            .await?;
        for r in subs {
            let id: String = r.get(0);
            if let Some(e) = list.iter_mut().find(|e| e.id == id) {
                e.event_types.push(r.get(1));
            }
        }
        Ok(list)
    }

    async fn delete_endpoint(&mut self, id: &str) -> ApiResult<bool> {
        // The endpoint's row first: a claim holding it (writing deliveries) is waited for, so
        // what it wrote goes too (else the last DELETE would find rows still pointing at it).
        self.0
            .execute("SELECT 1 FROM webhook_endpoints WHERE id = $1 FOR UPDATE", &[&id])
            .await?;
        self.0
            .execute("DELETE FROM webhook_deliveries WHERE endpoint_id = $1", &[&id])
            .await?;
        self.0
            .execute("DELETE FROM webhook_subscriptions WHERE endpoint_id = $1", &[&id])
            .await?;
        Ok(self
            .0
            .execute("DELETE FROM webhook_endpoints WHERE id = $1", &[&id])
            .await?
            > 0)
    }

    async fn settled_events(&mut self, endpoint: &str, limit: u32) -> ApiResult<Settled> {
        let stmt = self
            .0
            .prepare_cached(
                "SELECT after_event, settle_upto, settle_xmax, pg_snapshot_xmin(pg_current_snapshot())::text::bigint, \
                 pg_snapshot_xmax(pg_current_snapshot())::text::bigint FROM webhook_endpoints WHERE id = $1",
            )
            .await?;
        let Some(row) = self.0.query_opt(&stmt, &[&endpoint]).await? else {
            return Ok(Settled::default());
        };
        let (after, upto, xmax, oldest, next): (i64, Option<i64>, Option<i64>, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        // A range whose transaction id this cluster has not assigned yet was noted on another
        // cluster (a dump restored here): none of that cluster's transactions runs here, so it
        // is dropped and a range of this cluster's noted (waiting for this cluster's transaction
        // ids to catch up could take billions of transactions).
        let foreign = xmax.is_some_and(|xmax| xmax > next);
        let mut found = Settled::default();
        let mut start_next = upto.is_none() || foreign;
        if let (Some(upto), Some(xmax), false) = (upto, xmax, foreign) {
            if oldest >= xmax {
                let stmt = self
                    .0
                    .prepare_cached(
                        "SELECT id, action, outcome FROM events WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
                    )
                    .await?;
                found.events = self
                    .0
                    .query(&stmt, &[&after, &upto, &i64::from(limit)])
                    .await?
                    .iter()
                    .map(|r| LogEntry {
                        id: r.get(0),
                        action: r.get(1),
                        outcome: r.get(2),
                    })
                    .collect();
                // A full batch leaves the rest of the range for the next claim.
                let full = found.events.len() == limit as usize;
                found.through = if full {
                    found.events.last().map(|e| e.id)
                } else {
                    Some(upto.max(after))
                };
                start_next = !full;
            }
        }
        if start_next {
            // The sequence first, then the snapshot (see the module's doc: this order is the proof).
            let given: i64 = self
                .0
                .query_one("SELECT last_value FROM events_id_seq", &[])
                .await?
                .get(0);
            let stmt = self
                .0
                .prepare_cached(
                    "UPDATE webhook_endpoints SET settle_upto = $2, \
                     settle_xmax = pg_snapshot_xmax(pg_current_snapshot())::text::bigint WHERE id = $1",
                )
                .await?;
            self.0.execute(&stmt, &[&endpoint, &given]).await?;
        }
        Ok(found)
    }

    async fn queue_events(&mut self, endpoint: &str, events: &[i64], through: i64, now: i64) -> ApiResult<()> {
        if !events.is_empty() {
            // Dated by its event: retries end three days after the event, however late it was taken.
            let stmt = self
                .0
                .prepare_cached(&format!(
                    "INSERT INTO webhook_deliveries (endpoint_id, event_id, state, next_at, created_at, seq) \
                     SELECT $1, t.event, 'PENDING', $3, LEAST(e.at, $3), h.highest + t.n FROM UNNEST($2::bigint[]) \
                     WITH ORDINALITY AS t(event, n) JOIN events e ON e.id = t.event, \
                     (SELECT {HIGHEST_SEQ} AS highest) h ORDER BY t.n ON CONFLICT DO NOTHING"
                ))
                .await?;
            self.0.execute(&stmt, &[&endpoint, &events, &now]).await?;
            let stmt = self.0.prepare_cached(SEQ_GIVEN).await?;
            self.0.execute(&stmt, &[&endpoint]).await?;
        }
        let stmt = self
            .0
            .prepare_cached("UPDATE webhook_endpoints SET after_event = $2 WHERE id = $1")
            .await?;
        self.0.execute(&stmt, &[&endpoint, &through]).await?;
        Ok(())
    }

    async fn claim_endpoints(&mut self, now: i64, limit: u32) -> ApiResult<Vec<String>> {
        let stmt = self
            .0
            .prepare_cached(&format!(
                "SELECT w.id FROM webhook_endpoints w WHERE EXISTS (SELECT 1 FROM events e \
                 WHERE e.id > w.after_event) \
                 OR EXISTS (SELECT 1 FROM webhook_deliveries n \
                 WHERE n.endpoint_id = w.id AND n.seq IS NULL AND n.state = 'PENDING') \
                 OR EXISTS (SELECT 1 FROM ({HEAD}) head WHERE head.next_at <= $1 \
                 AND (head.lease_until IS NULL OR head.lease_until <= $1)) \
                 ORDER BY (SELECT MIN(p.next_at) FROM webhook_deliveries p WHERE p.endpoint_id = w.id \
                 AND p.state = 'PENDING') LIMIT $2 FOR NO KEY UPDATE OF w SKIP LOCKED"
            ))
            .await?;
        let rows = self.0.query(&stmt, &[&now, &i64::from(limit)]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn sequence_new(&mut self, endpoint: &str, now: i64) -> ApiResult<u64> {
        let stmt = self
            .0
            .prepare_cached(&format!(
                "UPDATE webhook_deliveries d SET seq = n.highest + n.rank FROM (SELECT id, \
                 row_number() OVER (ORDER BY event_id) AS rank, {HIGHEST_SEQ} AS highest FROM webhook_deliveries \
                 WHERE endpoint_id = $1 AND state = 'PENDING' AND seq IS NULL \
                 AND (lease_until IS NULL OR lease_until <= $2)) n WHERE d.id = n.id"
            ))
            .await?;
        let numbered = self.0.execute(&stmt, &[&endpoint, &now]).await?;
        if numbered > 0 {
            let stmt = self.0.prepare_cached(SEQ_GIVEN).await?;
            self.0.execute(&stmt, &[&endpoint]).await?;
        }
        Ok(numbered)
    }

    async fn lease_head(
        &mut self,
        endpoint: &str,
        now: i64,
        lease_until: i64,
        per_endpoint: u32,
    ) -> ApiResult<Vec<i64>> {
        // One statement sees one snapshot: the next ones are those behind the head it leased.
        let stmt = self
            .0
            .prepare_cached(
                "WITH head AS (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'PENDING' \
                 AND seq IS NOT NULL ORDER BY seq LIMIT 1), leased AS (UPDATE webhook_deliveries d \
                 SET lease_until = $2 FROM head WHERE d.id = head.id AND d.next_at <= $4 \
                 AND (d.lease_until IS NULL OR d.lease_until <= $4) AND NOT EXISTS (SELECT 1 \
                 FROM webhook_deliveries r WHERE r.endpoint_id = $1 AND r.state = 'PENDING' \
                 AND r.seq IS NULL AND r.lease_until > $4) RETURNING d.id) \
                 SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'PENDING' \
                 AND seq IS NOT NULL AND EXISTS (SELECT 1 FROM leased) ORDER BY seq LIMIT $3",
            )
            .await?;
        let rows = self
            .0
            .query(&stmt, &[&endpoint, &lease_until, &i64::from(per_endpoint), &now])
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn due(&mut self, ids: &[i64]) -> ApiResult<Vec<Due>> {
        let rows = self
            .0
            .query(
                &format!(
                    "SELECT {DELIVERY_COLUMNS}, w.url, w.secret, e.at, e.action, e.outcome, e.license_id, \
                     e.activation_id, e.actor, e.detail FROM webhook_deliveries d \
                     JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN events e ON e.id = d.event_id \
                     WHERE d.id = ANY($1)"
                ),
                &[&ids],
            )
            .await?;
        let due: Vec<Due> = rows
            .iter()
            .map(|r| {
                let delivery = delivery(r);
                Due {
                    url: r.get(11),
                    secret: r.get(12),
                    event: StoredEvent {
                        id: delivery.event_id,
                        event: Event {
                            at: r.get(13),
                            action: r.get(14),
                            outcome: r.get(15),
                            license_id: r.get(16),
                            activation_id: r.get(17),
                            actor: r.get(18),
                            detail: r.get(19),
                            ..Event::default()
                        },
                    },
                    delivery,
                }
            })
            .collect();
        Ok(due)
    }

    async fn give_up_gone(&mut self, ids: &[i64], error: &str) -> ApiResult<()> {
        self.0
            .execute(
                "UPDATE webhook_deliveries SET state = 'FAILED', last_error = $2, lease_until = NULL \
                 WHERE id = ANY($1) AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = webhook_deliveries.event_id)",
                &[&ids, &error],
            )
            .await?;
        Ok(())
    }

    async fn record_delivered(&mut self, ids: &[i64], status: u16, now: i64) -> ApiResult<()> {
        let stmt = self
            .0
            .prepare_cached(
                "UPDATE webhook_deliveries SET state = 'DELIVERED', attempts = attempts + 1, last_status = $2, \
                 last_error = NULL, delivered_at = $3, lease_until = NULL WHERE id = ANY($1) AND state = 'PENDING' \
                 AND seq IS NOT NULL",
            )
            .await?;
        self.0.execute(&stmt, &[&ids, &i32::from(status), &now]).await?;
        Ok(())
    }

    async fn release_leases(&mut self, ids: &[i64]) -> ApiResult<()> {
        self.0
            .execute(
                "UPDATE webhook_deliveries SET lease_until = NULL WHERE id = ANY($1)",
                &[&ids],
            )
            .await?;
        Ok(())
    }

    async fn record_attempt(&mut self, d: &Delivery) -> ApiResult<()> {
        let attempts = d.attempts.min(i32::MAX as u32) as i32;
        let status = d.last_status.map(i32::from);
        self.0
            .execute(
                "UPDATE webhook_deliveries SET state = $2, attempts = $3, next_at = $4, last_status = $5, \
                 last_error = $6, created_at = $7, delivered_at = $8, seq = $9, \
                 lease_until = CASE WHEN $9::bigint IS NULL THEN lease_until END WHERE id = $1",
                &[
                    &d.id,
                    &d.state,
                    &attempts,
                    &d.next_at,
                    &status,
                    &d.last_error,
                    &d.created_at,
                    &d.delivered_at,
                    &d.sequence,
                ],
            )
            .await?;
        Ok(())
    }

    async fn delivery(&mut self, id: i64) -> ApiResult<Option<Delivery>> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.id = $1");
        Ok(self.0.query_opt(&sql, &[&id]).await?.as_ref().map(delivery))
    }

    async fn deliveries(&mut self, q: &DeliveryQuery, limit: u32) -> ApiResult<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE ($1::text IS NULL OR d.endpoint_id = $1) \
             AND ($2::text IS NULL OR d.state = $2) AND ($3::bigint IS NULL OR d.id < $3) ORDER BY d.id DESC LIMIT $4"
        );
        let rows = self
            .0
            .query(&sql, &[&q.endpoint_id, &q.state, &q.before, &i64::from(limit)])
            .await?;
        Ok(rows.iter().map(delivery).collect())
    }
}
