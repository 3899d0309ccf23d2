-- One row per (incident, attempt): the intent to repeat, recorded before the
-- call to Workato, and its result after it.
--   PENDING  -> the call has not been made (or certainly had no effect)
--   CALLING  -> a call was started; if we crash or its answer is unknown, the
--               row is reconciled against Workato before any new call
--   ACCEPTED -> Workato enqueued the repeat; watching the repeat job
--   DONE     -> outcome published
CREATE TABLE repeat_request (
    incident_id     TEXT        NOT NULL,
    attempt         INT         NOT NULL,
    workspace       TEXT        NOT NULL,
    recipe_id       BIGINT      NOT NULL,
    job_id          TEXT        NOT NULL,
    state           TEXT        NOT NULL,
    requested_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    next_try_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    tries           INT         NOT NULL DEFAULT 0,
    call_started_at TIMESTAMPTZ,
    accepted_at     TIMESTAMPTZ,
    repeat_job_id   TEXT UNIQUE,
    outcome         TEXT,
    error           TEXT,
    finished_at     TIMESTAMPTZ,
    PRIMARY KEY (incident_id, attempt)
);
CREATE INDEX repeat_request_work_idx ON repeat_request (state, next_try_at);
CREATE INDEX repeat_request_job_idx ON repeat_request (job_id);
