-- JOB_FAILURE (one original failed job) or RECIPE_STOPPED (Workato stopped the recipe).
ALTER TABLE incident ADD COLUMN kind TEXT NOT NULL DEFAULT 'JOB_FAILURE';
-- How many times an operator replayed it: part of notification dedup keys, so a
-- replayed incident that fails again is announced again.
ALTER TABLE incident ADD COLUMN replays INT NOT NULL DEFAULT 0;
CREATE INDEX incident_opened_idx ON incident (opened_at DESC, id);

-- Maintenance windows: failures of a suppressed recipe are kept but neither
-- retried nor announced until the window ends.
CREATE TABLE recipe_suppression (
    recipe_id    BIGINT PRIMARY KEY,
    until        TIMESTAMPTZ NOT NULL,
    reason       TEXT        NOT NULL,
    requested_by TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Every operator action: who, what, on what, why.
CREATE TABLE operator_action (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    requested_by TEXT        NOT NULL,
    action       TEXT        NOT NULL,
    target       TEXT        NOT NULL,
    reason       TEXT        NOT NULL
);
