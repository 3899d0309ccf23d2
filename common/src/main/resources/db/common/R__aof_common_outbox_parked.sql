-- Shared by every service, created in the service's own schema. A repeatable
-- migration: versions in db/common share one sequence with each service's own
-- V2.., so later common tables come here, idempotent (IF NOT EXISTS), and
-- Flyway runs this again only when the file changes.
--
-- outbox_parked: outbox rows Kafka refused for good (too large, a topic it
-- refuses, ...), moved here in the transaction that deletes them from outbox,
-- so one such row never holds back the rows after it. Kept 30 days
-- (aof.retention.periods.outbox_parked); an operator can read the payload and
-- the error here, and put a fixed row back into outbox by hand.
CREATE TABLE IF NOT EXISTS outbox_parked (
    id          BIGINT      PRIMARY KEY,          -- the row's id in outbox
    event_id    UUID        NOT NULL,
    topic       TEXT        NOT NULL,
    message_key TEXT,
    event_type  TEXT        NOT NULL,
    payload     TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,             -- when it was appended to outbox
    error       TEXT        NOT NULL,
    parked_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- An earlier version of this file flagged the parking that told the super admin;
-- the alert's trouble id now names its quiet period instead (the notifier tells
-- it once), so a table created by that version loses the flag.
ALTER TABLE outbox_parked DROP COLUMN IF EXISTS alerted;
CREATE INDEX IF NOT EXISTS outbox_parked_parked_at_idx ON outbox_parked (parked_at);
