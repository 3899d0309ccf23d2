-- Where polling stands per recipe: the last job_failed_count seen and the newest
-- failed job already collected (the cursor).
CREATE TABLE recipe_cursor (
    recipe_id            BIGINT PRIMARY KEY,
    recipe_name          TEXT,
    folder_id            BIGINT,
    last_failed_count    BIGINT      NOT NULL,
    newest_failed_job_id TEXT,
    updated_at           TIMESTAMPTZ NOT NULL
);

-- Every failed job collected once, by whichever way it came first.
CREATE TABLE collected_job (
    job_id       TEXT PRIMARY KEY,
    recipe_id    BIGINT      NOT NULL,
    incident_id  TEXT        NOT NULL,
    source       TEXT        NOT NULL,
    collected_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
