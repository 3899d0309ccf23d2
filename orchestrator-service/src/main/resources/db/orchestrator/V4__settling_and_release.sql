-- Why collation said this job must never be repeated (a test job, a called job
-- whose root did not fail); null when it may be. Such an incident is never
-- scheduled, not even when its maintenance window ends, nor replayed.
ALTER TABLE incident ADD COLUMN not_repeatable TEXT;

-- A SUPPRESSED incident waits for its recipe's maintenance window (closed_at is
-- NULL); the release sweep takes it once the recipe has no active suppression.
-- Before this version SUPPRESSED was final (closed_at set). Those whose window is
-- still open are reopened to wait for it like the others; those whose window ended
-- before the upgrade stay closed, as they were (releasing them now would repeat
-- jobs of long ago without anyone asking).
UPDATE incident i SET closed_at = NULL
  FROM recipe_suppression s
 WHERE i.state = 'SUPPRESSED' AND s.recipe_id = i.recipe_id AND s.until > now();
CREATE INDEX incident_suppressed_idx ON incident (updated_at) WHERE state = 'SUPPRESSED' AND closed_at IS NULL;
CREATE INDEX incident_retrying_idx ON incident (id) WHERE state = 'RETRYING';

-- The outcome sweep's bookkeeping per attempt: the last sign that recovery holds
-- the request (requested, accepted, deferred, requested again), how often the
-- orchestrator asked recovery for the outcome since, and when last.
ALTER TABLE incident_attempt ADD COLUMN waiting_since TIMESTAMPTZ;
ALTER TABLE incident_attempt ADD COLUMN outcome_asks INT NOT NULL DEFAULT 0;
ALTER TABLE incident_attempt ADD COLUMN last_asked_at TIMESTAMPTZ;
UPDATE incident_attempt SET waiting_since = COALESCE(accepted_at, requested_at);
ALTER TABLE incident_attempt ALTER COLUMN waiting_since SET DEFAULT now();
ALTER TABLE incident_attempt ALTER COLUMN waiting_since SET NOT NULL;

-- Retention: attempts of closed incidents and the audit trail, by age.
CREATE INDEX incident_attempt_requested_idx ON incident_attempt (requested_at);
CREATE INDEX operator_action_at_idx ON operator_action (at);
