-- Every event of every AOF topic, once (idempotent on event_id), with the full
-- payload and the columns people filter on.
CREATE TABLE event_log (
    id          BIGSERIAL PRIMARY KEY,
    event_id    UUID        NOT NULL UNIQUE,
    topic       TEXT        NOT NULL,
    event_type  TEXT        NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    workspace   TEXT,
    incident_id TEXT,
    recipe_id   BIGINT,
    job_id      TEXT,
    attempt     INT,
    dead_letter BOOLEAN     NOT NULL DEFAULT false,
    payload     JSONB       NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX event_log_incident_idx ON event_log (incident_id, occurred_at, id);
CREATE INDEX event_log_job_idx ON event_log (job_id, occurred_at);
CREATE INDEX event_log_time_idx ON event_log (occurred_at DESC);
