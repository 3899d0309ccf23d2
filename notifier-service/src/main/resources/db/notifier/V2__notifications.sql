-- A notification is stored before it is sent, and retried until delivered.
CREATE TABLE notification (
    id            UUID PRIMARY KEY,
    dedup_key     TEXT        NOT NULL UNIQUE,
    incident_id   TEXT,
    audience      TEXT        NOT NULL,
    kind          TEXT        NOT NULL,
    channel       TEXT        NOT NULL,
    request       TEXT        NOT NULL,
    state         TEXT        NOT NULL,
    attempts      INT         NOT NULL DEFAULT 0,
    next_try_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error    TEXT,
    message_ts    TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at  TIMESTAMPTZ
);
CREATE INDEX notification_due_idx ON notification (state, next_try_at);
