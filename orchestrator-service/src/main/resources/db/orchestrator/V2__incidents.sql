-- One row per incident (one original failed job).
CREATE TABLE incident (
    id              TEXT PRIMARY KEY,
    workspace       TEXT        NOT NULL,
    recipe_id       BIGINT      NOT NULL,
    recipe_name     TEXT,
    folder_id       BIGINT,
    original_job_id TEXT        NOT NULL,
    category        TEXT        NOT NULL,
    state           TEXT        NOT NULL,
    attempt         INT         NOT NULL DEFAULT 0,
    max_attempts    INT         NOT NULL,
    next_retry_at   TIMESTAMPTZ,
    last_error      TEXT,
    opened_at       TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    closed_at       TIMESTAMPTZ
);
CREATE INDEX incident_state_idx ON incident (state, updated_at DESC);
CREATE INDEX incident_recipe_idx ON incident (recipe_id, updated_at DESC);

-- Each repeat asked for, and how it ended.
CREATE TABLE incident_attempt (
    incident_id   TEXT        NOT NULL REFERENCES incident (id),
    attempt       INT         NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL,
    accepted_at   TIMESTAMPTZ,
    outcome       TEXT,
    repeat_job_id TEXT,
    error         TEXT,
    finished_at   TIMESTAMPTZ,
    PRIMARY KEY (incident_id, attempt)
);

-- The durable schedule: a due retry survives any restart. Taken with
-- FOR UPDATE SKIP LOCKED, so several orchestrators never start one twice.
CREATE TABLE scheduled_retry (
    incident_id TEXT PRIMARY KEY REFERENCES incident (id),
    attempt     INT         NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX scheduled_retry_due_idx ON scheduled_retry (due_at);
