//! The PostgreSQL schema steps of webhooks out (listed in [`crate::store::postgres::schema`]'s
//! `STEPS`; the queries are in the parent module).

/// Schema step "webhook delivery order": each delivery's place in its endpoint's order. It runs
/// at every start, beside running replicas: the table is locked (for `ALTER`) only while the
/// column is missing, and the index is looked up before it is created.
pub const ORDER_SCHEMA: &str = "DO $$ BEGIN
IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'webhook_deliveries'::regclass AND attname = 'seq'
    AND NOT attisdropped) THEN
    ALTER TABLE webhook_deliveries ADD COLUMN seq BIGINT;
END IF;
IF to_regclass('webhook_deliveries_seq') IS NULL THEN
    CREATE INDEX webhook_deliveries_seq ON webhook_deliveries(endpoint_id, seq);
END IF;
END $$;";

/// Schema step "webhook cursors": each endpoint's place in the log and the range it settles
/// (every event so far already has its deliveries: earlier releases wrote them with the event,
/// so each endpoint starts after the last event), event ids drawn after the transaction id (see
/// the parent module's doc), and the pending deliveries' index in sequence order (a claim finds the
/// head without walking the delivered history).
///
/// During a rolling upgrade a replica of the previous release keeps running beside this one
/// for a while: it registers endpoints without a cursor (the column's default starts them after
/// the last event, not at the log's beginning) and writes a delivery row without a sequence with
/// each of its events. A claim would number such a row at once, ahead of events committed before
/// it that the cursor has not taken yet; so a row for an event the cursor has not reached is
/// dropped as it is written (the cursor takes the event in its turn), and only one behind the
/// cursor (a change in flight when the schema was upgraded) is kept. This release never writes a
/// delivery row without a sequence (redeliver updates one).
pub const CURSOR_SCHEMA: &str = "DO $$ BEGIN
IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'webhook_endpoints'::regclass
    AND attname = 'after_event' AND NOT attisdropped) THEN
    ALTER TABLE webhook_endpoints ADD COLUMN after_event BIGINT NOT NULL DEFAULT 0,
        ADD COLUMN settle_upto BIGINT, ADD COLUMN settle_xmax BIGINT;
    UPDATE webhook_endpoints SET after_event = (SELECT COALESCE(MAX(id), 0) FROM events);
END IF;
IF to_regclass('webhook_deliveries_queue') IS NULL THEN
    CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(endpoint_id, seq) WHERE state = 'PENDING';
END IF;
DROP INDEX IF EXISTS webhook_deliveries_pending;
END $$;
CREATE OR REPLACE FUNCTION keyturn_event_id() RETURNS BIGINT LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN nextval('events_id_seq');
END $f$;
ALTER TABLE events ALTER COLUMN id SET DEFAULT keyturn_event_id();
CREATE OR REPLACE FUNCTION keyturn_last_event_id() RETURNS BIGINT LANGUAGE sql STABLE AS
    $f$ SELECT COALESCE(MAX(id), 0) FROM events $f$;
ALTER TABLE webhook_endpoints ALTER COLUMN after_event SET DEFAULT keyturn_last_event_id();
CREATE OR REPLACE FUNCTION keyturn_older_replica_delivery() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    IF NEW.event_id > (SELECT after_event FROM webhook_endpoints WHERE id = NEW.endpoint_id) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END $f$;
DROP TRIGGER IF EXISTS webhook_deliveries_older_replica ON webhook_deliveries;
CREATE TRIGGER webhook_deliveries_older_replica BEFORE INSERT ON webhook_deliveries
    FOR EACH ROW WHEN (NEW.seq IS NULL) EXECUTE FUNCTION keyturn_older_replica_delivery();";

/// Schema step "webhook sequence counter": the highest sequence number each endpoint has given
/// (as SQLite's: a redelivered delivery gives its number up, which must not be given again).
pub const SEQ_COUNTER_SCHEMA: &str = "DO $$ BEGIN
IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'webhook_endpoints'::regclass
    AND attname = 'last_seq' AND NOT attisdropped) THEN
    ALTER TABLE webhook_endpoints ADD COLUMN last_seq BIGINT NOT NULL DEFAULT 0;
END IF;
END $$;";
