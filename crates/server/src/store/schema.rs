//! The SQLite schema, created when missing. Times are Unix seconds.

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
    created_at INTEGER NOT NULL
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
    created_at INTEGER NOT NULL
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
    UNIQUE (license_id, fingerprint)
);
CREATE INDEX IF NOT EXISTS activations_fingerprint ON activations(fingerprint);
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
"#;

pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)?;
    crate::events::sql::create(conn)
}
