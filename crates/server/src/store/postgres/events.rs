//! The event log's table and queries on PostgreSQL (the SQLite twin is `crate::events::sql`).

use crate::errors::ApiResult;
use crate::events::{Event, EventPage, EventQuery, StoredEvent};

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

pub async fn insert_all(tx: &tokio_postgres::Transaction<'_>, events: &[Event]) -> ApiResult<()> {
    let insert = tx
        .prepare(
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

/// Removes up to `limit` events dated before `before`, oldest first (as `crate::events::sql::prune`).
pub async fn prune(c: &tokio_postgres::Client, before: i64, limit: u32) -> ApiResult<u64> {
    let removed = c
        .execute(
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < $1 ORDER BY at LIMIT $2)",
            &[&before, &i64::from(limit)],
        )
        .await?;
    Ok(removed)
}

pub async fn query(c: &tokio_postgres::Client, q: &EventQuery) -> ApiResult<EventPage> {
    let limit = q.page_size()?;
    let rows = c
        .query(
            "SELECT id, at, action, outcome, license_id, activation_id, actor, detail FROM events \
             WHERE ($1::text IS NULL OR license_id = $1) AND ($2::text IS NULL OR activation_id = $2) \
             AND ($3::text IS NULL OR action = $3) AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5",
            &[&q.license_id, &q.activation_id, &q.action, &q.before, &i64::from(limit)],
        )
        .await?;
    let events: Vec<StoredEvent> = rows
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
        .collect();
    let next_before = if events.len() == limit as usize {
        events.last().map(|e| e.id)
    } else {
        None
    };
    Ok(EventPage { events, next_before })
}
