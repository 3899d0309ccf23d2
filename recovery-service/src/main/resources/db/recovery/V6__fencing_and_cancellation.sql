-- Lease fencing: every claim writes a fresh claim_token; the statement that takes
-- the repeat_jobs call turn only sends rows that still carry the caller's token
-- (a peer that claimed them after the lease ran out owns them now) and extends
-- their lease there. sent_at: when a call carrying the row was first let through
-- (NULL: it was never sent, so a cancellation can still stop it).
ALTER TABLE repeat_request ADD COLUMN claim_token UUID;
ALTER TABLE repeat_request ADD COLUMN sent_at TIMESTAMPTZ;
-- A row CALLING before this migration may have been sent.
UPDATE repeat_request SET sent_at = COALESCE(call_started_at, now()) WHERE state = 'CALLING';

-- Cancellation (the incident was resolved or suppressed):
--   CANCELLED -> never sent and never will be; RepeatCancelled published
-- A row already sent (in flight or answer unknown) keeps its state with
-- cancelled_at set: it is never sent again, its answer (or reconciliation)
-- settles it.
ALTER TABLE repeat_request ADD COLUMN cancelled_at TIMESTAMPTZ;
ALTER TABLE repeat_request ADD COLUMN cancel_reason TEXT;

-- Tombstones: a request that arrives after its incident was cancelled (up to
-- up_to_attempt) is recorded CANCELLED and never sent.
CREATE TABLE repeat_cancellation (
    incident_id   TEXT        PRIMARY KEY,
    up_to_attempt INT         NOT NULL,
    reason        TEXT,
    cancelled_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- retention of finished rows
CREATE INDEX repeat_request_finished_idx ON repeat_request (finished_at) WHERE state IN ('DONE', 'CANCELLED');
