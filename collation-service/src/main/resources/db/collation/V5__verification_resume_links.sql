-- How a collected job was handled: PUBLISHED (a JobFailed went out), TEST_JOB (a
-- test job: never published), LINKED (a called job whose workflow root failed:
-- the root's incident covers it; incident_id names it).
ALTER TABLE collected_job ADD COLUMN disposition TEXT NOT NULL DEFAULT 'PUBLISHED';
CREATE INDEX collected_job_collected_at ON collected_job (collected_at);

-- A sweep that reached its page cap before the cursor keeps the cursor where it
-- was and continues from resume_job_id (older than it) next sweep; when the gap
-- is closed, resume_newest_job_id (the newest job seen when the gap opened)
-- becomes the cursor. lookback_from keeps a first sight's lookback across sweeps;
-- closed_failed_count and gap_read estimate how many failed jobs are still behind.
ALTER TABLE recipe_cursor ADD COLUMN resume_job_id TEXT;
ALTER TABLE recipe_cursor ADD COLUMN resume_newest_job_id TEXT;
ALTER TABLE recipe_cursor ADD COLUMN lookback_from TIMESTAMPTZ;
ALTER TABLE recipe_cursor ADD COLUMN closed_failed_count BIGINT;
ALTER TABLE recipe_cursor ADD COLUMN gap_read BIGINT NOT NULL DEFAULT 0;

-- Webhook failures accepted (202) and waiting to be verified against Workato
-- before they are published: PENDING until read, then VERIFIED or REFUSED (with
-- the reason). payload is the JobFailed as received, already cleaned.
CREATE TABLE webhook_pending (
    job_id        TEXT PRIMARY KEY,
    recipe_id     BIGINT      NOT NULL,
    master_job_id TEXT,
    payload       TEXT        NOT NULL,
    state         TEXT        NOT NULL DEFAULT 'PENDING',
    reason        TEXT,
    received_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    next_check_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ
);
CREATE INDEX webhook_pending_due ON webhook_pending (next_check_at) WHERE state = 'PENDING';
CREATE INDEX webhook_pending_finished ON webhook_pending (finished_at) WHERE state <> 'PENDING';
CREATE INDEX webhook_idempotency_received_at ON webhook_idempotency (received_at);
