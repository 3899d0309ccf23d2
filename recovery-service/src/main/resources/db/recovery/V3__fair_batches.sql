-- RepeatDeferred is published once per attempt, not on every try while Workato is down.
ALTER TABLE repeat_request ADD COLUMN deferral_announced BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX repeat_request_recipe_due_idx ON repeat_request (recipe_id, next_try_at) WHERE state IN ('PENDING', 'CALLING');
