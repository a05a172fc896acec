//! The webhook tables' schema steps in SQLite (queries: [`super::webhooks`]; the steps' list:
//! [`super::schema::STEPS`]).

use rusqlite::Connection;

/// Schema step "webhook delivery order": each delivery's place in its endpoint's order.
pub fn create_order(conn: &Connection) -> rusqlite::Result<()> {
    super::schema::add_column(
        conn,
        "webhook_deliveries",
        "seq",
        "ALTER TABLE webhook_deliveries ADD COLUMN seq INTEGER;",
    )?;
    conn.execute_batch("CREATE INDEX IF NOT EXISTS webhook_deliveries_seq ON webhook_deliveries(endpoint_id, seq);")
}

/// The pending deliveries of an endpoint in sequence order: a claim finds the head, the ones
/// after it and the new ones (no sequence yet) without walking the delivered history.
pub const QUEUE_INDEX: &str = "DROP INDEX IF EXISTS webhook_deliveries_pending; \
    CREATE INDEX IF NOT EXISTS webhook_deliveries_queue ON webhook_deliveries(endpoint_id, seq) \
    WHERE state = 'PENDING';";

/// Schema step "webhook cursors": each endpoint's place in the event log (every event so far
/// already has its deliveries: earlier releases wrote them with the event, so each endpoint
/// starts after the last event), and the queue's index.
pub fn create_cursors(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(QUEUE_INDEX)?;
    super::schema::add_column(
        conn,
        "webhook_endpoints",
        "after_event",
        "ALTER TABLE webhook_endpoints ADD COLUMN after_event INTEGER NOT NULL DEFAULT 0; \
         UPDATE webhook_endpoints SET after_event = (SELECT COALESCE(MAX(id), 0) FROM events);",
    )
}

/// Schema step "webhook sequence counter": the highest sequence number each endpoint has given.
/// A redelivered delivery gives its number up (it is numbered again at the end), so the highest
/// number among the deliveries can fall; the counter keeps a number from being given twice.
pub fn create_seq_counter(conn: &Connection) -> rusqlite::Result<()> {
    super::schema::add_column(
        conn,
        "webhook_endpoints",
        "last_seq",
        "ALTER TABLE webhook_endpoints ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;",
    )
}
