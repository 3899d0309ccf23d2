-- Shared by every service, created in the service's own schema.
-- outbox: events written in the same transaction as the state change that
-- caused them; the relay sends them to Kafka and then deletes them.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    event_id    UUID        NOT NULL UNIQUE,
    topic       TEXT        NOT NULL,
    message_key TEXT,
    event_type  TEXT        NOT NULL,
    payload     TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- processed_event: the inbox. A consumer applies an event only if it can insert
-- (consumer, event_id) here in the same transaction as its effect, so a
-- redelivered event changes nothing.
CREATE TABLE processed_event (
    consumer     TEXT        NOT NULL,
    event_id     UUID        NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
