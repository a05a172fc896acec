//! The PostgreSQL schema: the SQLite schema's tables with PostgreSQL types, a `seq` column
//! (insertion order, the paging cursor) and the same trigger-kept seat counter. Created when
//! missing, under an advisory lock so replicas starting together do not race.

pub const SCHEMA_LOCK: i64 = 0x6b65_7974_7572_6e01;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (
    k TEXT PRIMARY KEY,
    v BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seq BIGSERIAL
);
CREATE TABLE IF NOT EXISTS policies (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    max_machines BIGINT NOT NULL,
    uniqueness TEXT NOT NULL,
    matching TEXT NOT NULL,
    fuzzy_min BIGINT NOT NULL,
    renew_interval_secs BIGINT NOT NULL,
    grace_secs BIGINT NOT NULL,
    duration_secs BIGINT,
    allow_vm BOOLEAN NOT NULL,
    trial BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    seq BIGSERIAL
);
CREATE INDEX IF NOT EXISTS policies_product ON policies(product_id);
CREATE TABLE IF NOT EXISTS licenses (
    id TEXT PRIMARY KEY,
    policy_id TEXT NOT NULL REFERENCES policies(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at BIGINT,
    owner_name TEXT NOT NULL,
    owner_email TEXT NOT NULL,
    entitlements TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    seats_used BIGINT NOT NULL DEFAULT 0,
    seq BIGSERIAL
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
    vm BOOLEAN NOT NULL,
    container BOOLEAN NOT NULL,
    virt_kind TEXT,
    created_at BIGINT NOT NULL,
    last_renewed_at BIGINT NOT NULL,
    seq BIGSERIAL,
    UNIQUE (license_id, fingerprint)
);
-- Added after the first release (databases made before get them here).
ALTER TABLE policies ADD COLUMN IF NOT EXISTS offline_lease_secs BIGINT NOT NULL DEFAULT 31536000;
ALTER TABLE activations ADD COLUMN IF NOT EXISTS offline_until BIGINT;
CREATE INDEX IF NOT EXISTS activations_fingerprint ON activations(fingerprint);
CREATE INDEX IF NOT EXISTS activations_license ON activations(license_id, seq);
CREATE INDEX IF NOT EXISTS activations_license_renewed ON activations(license_id, last_renewed_at, seq);
CREATE TABLE IF NOT EXISTS fingerprint_rules (
    product_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('BLOCK', 'ALLOW')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (product_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS trials (
    policy_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    license_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, fingerprint)
);
CREATE TABLE IF NOT EXISTS demo_keys (
    label TEXT PRIMARY KEY,
    license_key TEXT NOT NULL,
    purpose TEXT NOT NULL,
    seq BIGSERIAL
);
CREATE OR REPLACE FUNCTION keyturn_count_seats() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE licenses SET seats_used = seats_used - 1 WHERE id = OLD.license_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE licenses SET seats_used = seats_used + 1 WHERE id = NEW.license_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS activations_seats ON activations;
CREATE TRIGGER activations_seats AFTER INSERT OR DELETE ON activations
    FOR EACH ROW EXECUTE FUNCTION keyturn_count_seats();
DROP TRIGGER IF EXISTS activations_seats_moved ON activations;
CREATE TRIGGER activations_seats_moved AFTER UPDATE OF license_id ON activations
    FOR EACH ROW WHEN (OLD.license_id IS DISTINCT FROM NEW.license_id) EXECUTE FUNCTION keyturn_count_seats();
-- Staff accounts, API tokens and their settings (issue 17: crate::domain::staff).
CREATE TABLE IF NOT EXISTS staff (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    product_id TEXT,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT,
    created_at BIGINT NOT NULL
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
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_type TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_type)
);
CREATE INDEX IF NOT EXISTS webhook_subscriptions_type ON webhook_subscriptions(event_type);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
    event_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_status INTEGER,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    UNIQUE (endpoint_id, event_id)
);
-- (The pending deliveries' index, webhook_deliveries_queue, comes with the sequence: a step.)
-- Payments in (issue 18; queries in payments.rs): each provider event once, each order one license.
CREATE TABLE IF NOT EXISTS payment_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE TABLE IF NOT EXISTS payment_orders (
    provider TEXT NOT NULL,
    order_id TEXT NOT NULL,
    license_id TEXT,
    paid_until BIGINT,
    ends_at BIGINT,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
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
    updated_at BIGINT NOT NULL,
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
    next_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX IF NOT EXISTS license_mails_pending ON license_mails(next_at) WHERE state = 'PENDING';
"#;

// ---- Schema versions (issue 19; see crate::store::schema_version) ----

/// A step after the base schema: its name and its SQL (idempotent; it runs at every start).
pub type Step = (&'static str, &'static str);

/// The steps after the base, oldest first, the same as SQLite's. Append only.
pub const STEPS: &[Step] = &[
    ("signing keys", super::signing_keys::SCHEMA),
    // Issue 17 hardening (as SQLite's): sign-in attempts; TOTP secrets sealed at opening.
    ("sign-in attempts, sealed TOTP secrets", super::staff::ATTEMPTS_STEP),
    // Issue 18 (as SQLite's, the same SQL): the console's key-email list pages by created_at.
    ("key-email list index", crate::store::sqlite::outbox::LIST_INDEX),
    // Webhooks out, issue 18: each delivery's place in its endpoint's order.
    ("webhook delivery order", super::webhooks::ORDER_SCHEMA),
    // Webhooks out, issue 18 (as SQLite's): endpoints take events from the log.
    ("webhook cursors", super::webhooks::CURSOR_SCHEMA),
    // Payments in, issue 18: each event's type and order name, for the unmatched refunds' list.
    ("payment event names", super::payments::EVENTS_STEP),
    // Webhooks out, issue 18 (as SQLite's): a number given up by a redelivery is not given again.
    ("webhook sequence counter", super::webhooks::SEQ_COUNTER_SCHEMA),
];

/// The schema version of this release: the base and each step.
pub const VERSION: u32 = 1 + STEPS.len() as u32;
