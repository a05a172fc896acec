//! The SQLite schema, created when missing. Times are Unix seconds.
//!
//! `licenses.seats_used` is the number of the license's activations, kept by triggers in the
//! transaction that inserts or deletes an activation, so no request counts activations.
//! Activations are listed in insertion order (`rowid`, which the `activations_license` index
//! carries) and offered for freeing longest-unseen first (`activations_license_renewed`).

use rusqlite::Connection;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    k TEXT PRIMARY KEY,
    v BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS policies (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    max_machines INTEGER NOT NULL,
    uniqueness TEXT NOT NULL,
    matching TEXT NOT NULL,
    fuzzy_min INTEGER NOT NULL,
    renew_interval_secs INTEGER NOT NULL,
    grace_secs INTEGER NOT NULL,
    duration_secs INTEGER,
    allow_vm INTEGER NOT NULL,
    trial INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    offline_lease_secs INTEGER NOT NULL DEFAULT 31536000
);
CREATE INDEX IF NOT EXISTS policies_product ON policies(product_id);
CREATE TABLE IF NOT EXISTS licenses (
    id TEXT PRIMARY KEY,
    policy_id TEXT NOT NULL REFERENCES policies(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at INTEGER,
    owner_name TEXT NOT NULL,
    owner_email TEXT NOT NULL,
    entitlements TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seats_used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS licenses_policy ON licenses(policy_id);
CREATE TABLE IF NOT EXISTS activations (
    id TEXT PRIMARY KEY,
    license_id TEXT NOT NULL REFERENCES licenses(id),
    policy_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    components TEXT NOT NULL,
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    vm INTEGER NOT NULL,
    container INTEGER NOT NULL,
    virt_kind TEXT,
    created_at INTEGER NOT NULL,
    last_renewed_at INTEGER NOT NULL,
    offline_until INTEGER,
    UNIQUE (license_id, fingerprint)
);
CREATE INDEX IF NOT EXISTS activations_fingerprint ON activations(fingerprint);
CREATE INDEX IF NOT EXISTS activations_license ON activations(license_id);
CREATE INDEX IF NOT EXISTS activations_license_renewed ON activations(license_id, last_renewed_at);
CREATE TABLE IF NOT EXISTS fingerprint_rules (
    product_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('BLOCK', 'ALLOW')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (product_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS trials (
    policy_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    license_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS demo_keys (
    label TEXT PRIMARY KEY,
    license_key TEXT NOT NULL,
    purpose TEXT NOT NULL
);
-- Staff accounts, API tokens and their settings (issue 17: crate::domain::staff).
CREATE TABLE IF NOT EXISTS staff (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    product_id TEXT,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Webhooks out (issue 18; queries in webhooks.rs). A delivery per (endpoint, event), written when
-- a claim takes the event from the log (each endpoint's cursor: a later step).
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_type TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_type)
);
CREATE INDEX IF NOT EXISTS webhook_subscriptions_type ON webhook_subscriptions(event_type);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (endpoint_id, event_id)
);
-- (The pending deliveries' index, webhook_deliveries_queue, comes with the sequence: a step.)
-- Payments in (issue 18; queries in payments.rs): each provider event once, each order one license.
CREATE TABLE IF NOT EXISTS payment_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE TABLE IF NOT EXISTS payment_orders (
    provider TEXT NOT NULL,
    order_id TEXT NOT NULL,
    license_id TEXT,
    paid_until INTEGER,
    ends_at INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (provider, order_id)
);
CREATE TABLE IF NOT EXISTS payment_aliases (
    provider TEXT NOT NULL,
    alias TEXT NOT NULL,
    order_id TEXT NOT NULL,
    PRIMARY KEY (provider, alias)
);
CREATE TABLE IF NOT EXISTS payment_customers (
    provider TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (provider, customer_id)
);
-- The key by email (issue 18; queries in mail.rs): one row per license; the key only until sent.
CREATE TABLE IF NOT EXISTS license_mails (
    license_id TEXT PRIMARY KEY,
    to_email TEXT NOT NULL,
    to_name TEXT NOT NULL,
    product_name TEXT NOT NULL,
    license_key TEXT,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL,
    lease_until INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);
CREATE INDEX IF NOT EXISTS license_mails_pending ON license_mails(next_at) WHERE state = 'PENDING';
"#;

/// Seat counting, after the tables exist (and after [`migrate`] added the column to old files).
const TRIGGERS: &str = r#"
CREATE TRIGGER IF NOT EXISTS activations_seat_taken AFTER INSERT ON activations BEGIN
    UPDATE licenses SET seats_used = seats_used + 1 WHERE id = NEW.license_id;
END;
CREATE TRIGGER IF NOT EXISTS activations_seat_freed AFTER DELETE ON activations BEGIN
    UPDATE licenses SET seats_used = seats_used - 1 WHERE id = OLD.license_id;
END;
CREATE TRIGGER IF NOT EXISTS activations_seat_moved AFTER UPDATE OF license_id ON activations
WHEN OLD.license_id IS NOT NEW.license_id BEGIN
    UPDATE licenses SET seats_used = seats_used - 1 WHERE id = OLD.license_id;
    UPDATE licenses SET seats_used = seats_used + 1 WHERE id = NEW.license_id;
END;
"#;

/// Creates or upgrades the schema ([`crate::store::schema_version`]): refuses a newer release's
/// database, runs the base and every step, records [`VERSION`].
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    super::versions::refuse_newer(conn)?;
    conn.execute_batch(SCHEMA)?;
    migrate(conn)?;
    conn.execute_batch(TRIGGERS)?;
    super::sessions::create(conn)?;
    super::license_list::create(conn)?;
    super::events::create(conn)?;
    // Floating seats and auto-released activations (their own file).
    super::leases::create(conn)?;
    // The last accepted TOTP step per staff account (issue 17).
    conn.execute_batch(super::staff::TOTP_STEPS)?;
    for (_, step) in STEPS {
        step(conn)?;
    }
    super::versions::record(conn, VERSION)
}

/// Columns added after the first release: (table, column, how to add it and fill it). Files made
/// before get them once (checked again inside the transaction: another process may be migrating
/// the same file). The lease default is [`crate::domain::rules::DEFAULT_OFFLINE_LEASE_SECS`].
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "licenses",
        "seats_used",
        "ALTER TABLE licenses ADD COLUMN seats_used INTEGER NOT NULL DEFAULT 0;
         UPDATE licenses SET seats_used = (SELECT COUNT(*) FROM activations a WHERE a.license_id = licenses.id);",
    ),
    (
        "policies",
        "offline_lease_secs",
        "ALTER TABLE policies ADD COLUMN offline_lease_secs INTEGER NOT NULL DEFAULT 31536000;",
    ),
    (
        "activations",
        "offline_until",
        "ALTER TABLE activations ADD COLUMN offline_until INTEGER;",
    ),
];

fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    for (table, column, sql) in ADDED_COLUMNS.iter().chain(super::leases::POLICY_COLUMNS) {
        add_column(conn, table, column, sql)?;
    }
    Ok(())
}

pub(super) fn add_column(conn: &Connection, table: &str, column: &str, sql: &str) -> rusqlite::Result<()> {
    let has = |conn: &Connection| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
            [table, column],
            |r| r.get(0),
        )
    };
    if has(conn)? {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let migrated = has(conn).and_then(|done| if done { Ok(()) } else { conn.execute_batch(sql) });
    match migrated {
        Ok(()) => conn.execute_batch("COMMIT"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

// ---- Schema versions (issue 19; see crate::store::schema_version) ----

/// A step after the base schema: its name and how to apply it (idempotent; it runs at every start).
pub type Step = (&'static str, fn(&Connection) -> rusqlite::Result<()>);

/// The steps after the base, oldest first, the same as PostgreSQL's. Append only.
pub const STEPS: &[Step] = &[
    ("signing keys", super::signing_keys::create),
    // Issue 17 hardening: sign-in attempts shared by replicas; TOTP secrets sealed at the
    // store's opening (older releases must not read sealed secrets: hence a version).
    ("sign-in attempts, sealed TOTP secrets", super::staff::attempts_step),
    // Issue 18: the console's key-email list pages by created_at.
    ("key-email list index", super::outbox::list_index_step),
    // Webhooks out, issue 18: each delivery's place in its endpoint's order.
    ("webhook delivery order", super::webhook_schema::create_order),
    // Webhooks out, issue 18: endpoints take events from the log (a change writes no delivery).
    ("webhook cursors", super::webhook_schema::create_cursors),
    // Payments in, issue 18: each event's type and order name, for the unmatched refunds' list.
    ("payment event names", super::payments::events_step),
    // Webhooks out, issue 18: a sequence number given up by a redelivery is not given again.
    ("webhook sequence counter", super::webhook_schema::create_seq_counter),
];

/// The schema version of this release: the base and each step.
pub const VERSION: u32 = 1 + STEPS.len() as u32;

#[cfg(test)]
mod tests {
    use super::*;

    fn seats(conn: &Connection, id: &str) -> i64 {
        conn.query_row("SELECT seats_used FROM licenses WHERE id = ?1", [id], |r| r.get(0))
            .unwrap()
    }

    fn insert_license(conn: &Connection, id: &str) {
        conn.execute(
            "INSERT INTO licenses (id, policy_id, product_id, key_hash, key_prefix, status, owner_name, owner_email, \
             entitlements, metadata, created_at) VALUES (?1, 'pol', 'prod', ?1, 'ABCDE', 'ACTIVE', '', '', '[]', '{}', 0)",
            [id],
        )
        .unwrap();
    }

    fn insert_activation(conn: &Connection, id: &str, license: &str) {
        conn.execute(
            "INSERT INTO activations (id, license_id, policy_id, fingerprint, components, name, platform, vm, \
             container, created_at, last_renewed_at) VALUES (?1, ?2, 'pol', ?1, '{}', '', '', 0, 0, 0, 0)",
            [id, license],
        )
        .unwrap();
    }

    /// An in-memory database; the rows here need no products or policies.
    fn memory() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        conn
    }

    #[test]
    fn triggers_keep_the_seat_count() {
        let conn = memory();
        create(&conn).unwrap();
        insert_license(&conn, "a");
        insert_license(&conn, "b");
        insert_activation(&conn, "x", "a");
        insert_activation(&conn, "y", "a");
        insert_activation(&conn, "z", "b");
        assert_eq!((seats(&conn, "a"), seats(&conn, "b")), (2, 1));
        conn.execute("DELETE FROM activations WHERE id = 'x'", []).unwrap();
        conn.execute("UPDATE activations SET license_id = 'b' WHERE id = 'y'", [])
            .unwrap();
        assert_eq!((seats(&conn, "a"), seats(&conn, "b")), (0, 2));
        conn.execute("DELETE FROM activations WHERE license_id = 'b'", [])
            .unwrap();
        assert_eq!(seats(&conn, "b"), 0);
    }

    #[test]
    fn an_old_file_gets_its_counts_once() {
        let conn = memory();
        let old_schema = SCHEMA.replace(",\n    seats_used INTEGER NOT NULL DEFAULT 0", "");
        assert_ne!(old_schema, SCHEMA);
        conn.execute_batch(&old_schema).unwrap();
        insert_license(&conn, "a");
        insert_activation(&conn, "x", "a");
        insert_activation(&conn, "y", "a");
        create(&conn).unwrap();
        assert_eq!(seats(&conn, "a"), 2);
        insert_activation(&conn, "z", "a");
        create(&conn).unwrap();
        assert_eq!(seats(&conn, "a"), 3);
    }

    #[test]
    fn an_old_file_gets_the_offline_lease_columns() {
        let conn = memory();
        let old_schema = SCHEMA
            .replace(",\n    offline_lease_secs INTEGER NOT NULL DEFAULT 31536000", "")
            .replace("\n    offline_until INTEGER,", "");
        assert!(!old_schema.contains("offline"), "{old_schema}");
        conn.execute_batch(&old_schema).unwrap();
        conn.execute(
            "INSERT INTO policies (id, product_id, name, max_machines, uniqueness, matching, fuzzy_min, \
             renew_interval_secs, grace_secs, allow_vm, trial, created_at) \
             VALUES ('pol', 'prod', 'n', 1, 'PER_LICENSE', 'EXACT', 0, 1, 1, 1, 0, 0)",
            [],
        )
        .unwrap();
        insert_license(&conn, "a");
        insert_activation(&conn, "x", "a");
        create(&conn).unwrap();
        let lease: i64 = conn
            .query_row("SELECT offline_lease_secs FROM policies", [], |r| r.get(0))
            .unwrap();
        assert_eq!(lease, crate::domain::rules::DEFAULT_OFFLINE_LEASE_SECS);
        let until: Option<i64> = conn
            .query_row("SELECT offline_until FROM activations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(until, None);
    }
}
