//! The `events` table in PostgreSQL: append, read back newest first, prune (the paging rule:
//! [`crate::domain::events`]).

use super::rows::PgResult;
use crate::domain::events::{Event, EventQuery, StoredEvent};
use deadpool_postgres::GenericClient;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS events (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    license_id TEXT,
    activation_id TEXT,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_license ON events(license_id, id);
CREATE INDEX IF NOT EXISTS events_activation ON events(activation_id, id);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
"#;

pub async fn insert_all<C: GenericClient>(tx: &C, events: &[Event]) -> PgResult<()> {
    let insert = tx
        .prepare_cached(
            "INSERT INTO events (at, action, outcome, license_id, activation_id, actor, detail) VALUES \
             ($1, $2, $3, COALESCE($4::text, (SELECT id FROM licenses WHERE key_hash = $5::text)), $6, $7, $8)",
        )
        .await?;
    for e in events {
        tx.execute(
            &insert,
            &[
                &e.at,
                &e.action,
                &e.outcome,
                &e.license_id,
                &e.key_hash,
                &e.activation_id,
                &e.actor,
                &e.detail,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Removes up to `limit` events dated before `before`, oldest first.
pub async fn prune<C: GenericClient>(c: &C, before: i64, limit: u32) -> PgResult<u64> {
    let removed = c
        .execute(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < $1 ORDER BY at LIMIT $2)",
            &[&before, &i64::from(limit)],
        )
        .await?;
    Ok(removed)
}

/// Up to `limit` events matching the query's filters, newest first.
pub async fn query<C: GenericClient>(c: &C, q: &EventQuery, limit: u32) -> PgResult<Vec<StoredEvent>> {
    let rows = c
        .query(
            "SELECT id, at, action, outcome, license_id, activation_id, actor, detail FROM events \
             WHERE ($1::text IS NULL OR license_id = $1) AND ($2::text IS NULL OR activation_id = $2) \
             AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR id < $4) \
             AND ($6::text IS NULL OR strpos(lower(actor), lower($6)) > 0) ORDER BY id DESC LIMIT $5",
            &[
                &q.license_id,
                &q.activation_id,
                &q.action,
                &q.before,
                &i64::from(limit),
                &q.actor,
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| StoredEvent {
            id: r.get(0),
            event: Event {
                at: r.get(1),
                action: r.get(2),
                outcome: r.get(3),
                license_id: r.get(4),
                activation_id: r.get(5),
                actor: r.get(6),
                detail: r.get(7),
                key_hash: None,
            },
        })
        .collect())
}
