-- A row its destination refused for good (Slack channel_not_found, a webhook's 410, an SMTP 550) is FAILED,
-- with the channel's short reason, so the rows behind it in that destination still go.
ALTER TABLE notification ADD COLUMN failed_reason TEXT;
ALTER TABLE notification ADD COLUMN failed_at TIMESTAMPTZ;

-- Refusals, one row per scope (a destination, or a channel whose credentials were refused: slack, email)
-- and reason: the admin is told once per burst. told: where that alert went (NULL: nowhere configured).
CREATE TABLE refusal (
    scope      TEXT        NOT NULL,
    reason     TEXT        NOT NULL,
    failures   BIGINT      NOT NULL DEFAULT 1,
    first_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error TEXT,
    alerted_at TIMESTAMPTZ,
    told       TEXT,
    PRIMARY KEY (scope, reason)
);

-- What retention and the escalation repeats look up.
CREATE INDEX notification_created_idx ON notification (created_at);
CREATE INDEX notification_incident_idx ON notification (incident_id);
CREATE INDEX incident_thread_parent_idx ON incident_thread (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX incident_thread_closed_idx ON incident_thread (updated_at) WHERE last_kind IN ('RECOVERED', 'RESOLVED_MANUALLY');
CREATE INDEX escalation_closed_idx ON escalation (closed_at) WHERE closed_at IS NOT NULL;
