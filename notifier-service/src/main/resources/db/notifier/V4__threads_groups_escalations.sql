-- Delivery order per destination (rows of one transaction share created_at).
ALTER TABLE notification ADD COLUMN seq BIGSERIAL;
-- PENDING (to send) | GROUPED (waits for its group's digest) | DIGESTED (sent inside digest_id) | DELIVERED
ALTER TABLE notification ADD COLUMN group_key TEXT;
ALTER TABLE notification ADD COLUMN digest_id UUID;
-- a DIGEST row carries its digest here instead of a request
ALTER TABLE notification ADD COLUMN digest TEXT;
ALTER TABLE notification ALTER COLUMN request DROP NOT NULL;
-- only update the incident's thread in this destination (it was not routed there this time)
ALTER TABLE notification ADD COLUMN update_only BOOLEAN NOT NULL DEFAULT false;
-- the copy sent to the fallback destination, once
ALTER TABLE notification ADD COLUMN fallback_queued BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE notification ADD COLUMN fallback_of UUID;
CREATE INDEX notification_head_idx ON notification (channel, seq) WHERE state = 'PENDING';
CREATE INDEX notification_group_idx ON notification (group_key, seq) WHERE state = 'GROUPED';
CREATE INDEX notification_digest_idx ON notification (digest_id);

-- How an incident is told in one destination: in its own thread (THREAD), or
-- inside its group's digests (GROUPED). parent_ref is Slack's message ts or the
-- e-mail's Message-ID of the first message; channel_ref Slack's channel id.
CREATE TABLE incident_thread (
    destination    TEXT        NOT NULL,
    incident_id    TEXT        NOT NULL,
    mode           TEXT        NOT NULL,
    group_key      TEXT,
    last_kind      TEXT        NOT NULL,
    parent_request TEXT,
    parent_ref     TEXT,
    channel_ref    TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (destination, incident_id)
);
CREATE INDEX incident_thread_incident_idx ON incident_thread (incident_id);
CREATE INDEX incident_thread_group_idx ON incident_thread (group_key);

-- Storm control: one row per destination, recipe and category.
CREATE TABLE alert_group (
    group_key     TEXT PRIMARY KEY,
    destination   TEXT        NOT NULL,
    recipe_id     BIGINT,
    recipe_name   TEXT,
    category      TEXT,
    window_until  TIMESTAMPTZ,
    digest_due_at TIMESTAMPTZ,
    last_sent_at  TIMESTAMPTZ
);
CREATE INDEX alert_group_due_idx ON alert_group (digest_due_at) WHERE digest_due_at IS NOT NULL;

-- Super-admin escalations, repeated until acknowledged or resolved.
CREATE TABLE escalation (
    incident_id    TEXT PRIMARY KEY,
    request        TEXT        NOT NULL,
    opened_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    next_repeat_at TIMESTAMPTZ NOT NULL,
    repeats        INT         NOT NULL DEFAULT 0,
    acked_at       TIMESTAMPTZ,
    acked_by       TEXT,
    closed_at      TIMESTAMPTZ
);
CREATE INDEX escalation_due_idx ON escalation (next_repeat_at) WHERE acked_at IS NULL AND closed_at IS NULL;
