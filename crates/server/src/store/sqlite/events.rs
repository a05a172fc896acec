//! The `events` table in SQLite: append, read back newest first, prune (the paging rule:
//! [`crate::domain::events`]). No foreign keys: the log outlives the machines and licenses it
//! names.

use crate::domain::errors::ApiResult;
use crate::domain::events::{Event, EventQuery, StoredEvent};
use rusqlite::{params, Connection};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
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

pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// Appends events; a refused key's license is found by its hash (the hash is not stored).
pub fn insert_all(conn: &Connection, events: &[Event]) -> ApiResult<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (at, action, outcome, license_id, activation_id, actor, detail) VALUES \
         (?1, ?2, ?3, COALESCE(?4, (SELECT id FROM licenses WHERE key_hash = ?5)), ?6, ?7, ?8)",
    )?;
    for e in events {
        insert.execute(params![
            e.at,
            e.action,
            e.outcome,
            e.license_id,
            e.key_hash,
            e.activation_id,
            e.actor,
            e.detail
        ])?;
    }
    Ok(())
}

/// Removes up to `limit` events dated before `before`, oldest first (index on `at`).
pub fn prune(conn: &Connection, before: i64, limit: u32) -> ApiResult<u64> {
    let removed = conn.execute(
        "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ?1 ORDER BY at LIMIT ?2)",
        params![before, limit],
    )?;
    Ok(removed as u64)
}

/// Up to `limit` events matching the query's filters, newest first.
pub fn query(conn: &Connection, q: &EventQuery, limit: u32) -> ApiResult<Vec<StoredEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at, action, outcome, license_id, activation_id, actor, detail FROM events \
         WHERE (?1 IS NULL OR license_id = ?1) AND (?2 IS NULL OR activation_id = ?2) \
         AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR id < ?4) \
         AND (?6 IS NULL OR instr(lower(actor), lower(?6)) > 0) ORDER BY id DESC LIMIT ?5",
    )?;
    let filters = params![q.license_id, q.activation_id, q.action, q.before, limit, q.actor];
    let events = stmt
        .query_map(filters, |r| {
            Ok(StoredEvent {
                id: r.get(0)?,
                event: Event {
                    at: r.get(1)?,
                    action: r.get(2)?,
                    outcome: r.get(3)?,
                    license_id: r.get(4)?,
                    activation_id: r.get(5)?,
                    actor: r.get(6)?,
                    detail: r.get(7)?,
                    key_hash: None,
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event_log::page;
    use crate::domain::events::EventPage;
    use crate::store::sqlite::{complete, tx::SqliteTx};

    fn insert(conn: &Connection, event: Event) {
        insert_all(conn, std::slice::from_ref(&event)).unwrap();
    }

    fn read(conn: &Connection, q: &EventQuery) -> ApiResult<EventPage> {
        complete(page(&mut SqliteTx(conn), q))
    }

    #[test]
    fn prune_removes_the_oldest_first_a_batch_at_a_time_whatever_the_insert_order() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::sqlite::schema::create(&conn).unwrap();
        // Dated out of order (clock changes, the CLI writing beside the server).
        for at in [500, 10, 30, 600, 20, 40, 50] {
            insert(&conn, Event::new(at, "renew", "cli"));
        }
        let batches: Vec<u64> = (0..4).map(|_| prune(&conn, 100, 2).unwrap()).collect();
        assert_eq!(batches, [2, 2, 1, 0]);
        let left: Vec<i64> = read(&conn, &EventQuery::default())
            .unwrap()
            .events
            .iter()
            .map(|e| e.event.at)
            .collect();
        assert_eq!(left, [600, 500]);
    }

    #[test]
    fn pages_newest_first_and_filters() {
        let conn = Connection::open_in_memory().unwrap();
        crate::store::sqlite::schema::create(&conn).unwrap();
        for i in 0..5 {
            let e =
                Event::new(100 + i, "renew", "client 127.0.0.1").license(if i % 2 == 0 { "lic_a" } else { "lic_b" });
            insert(&conn, e);
        }
        let q = EventQuery {
            license_id: Some("lic_a".into()),
            limit: Some(2),
            ..Default::default()
        };
        let first = read(&conn, &q).unwrap();
        assert_eq!(
            first.events.iter().map(|e| e.event.at).collect::<Vec<_>>(),
            vec![104, 102]
        );
        let second = read(
            &conn,
            &EventQuery {
                before: first.next_before,
                ..q.clone()
            },
        )
        .unwrap();
        assert_eq!(second.events.iter().map(|e| e.event.at).collect::<Vec<_>>(), vec![100]);
        assert_eq!(second.next_before, None);
        assert!(read(
            &conn,
            &EventQuery {
                limit: Some(0),
                ..Default::default()
            }
        )
        .is_err());
    }
}
