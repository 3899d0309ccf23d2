-- Dead letters can be re-driven to their original topic with their original
-- key and payload (POST /api/dead-letters/redrive): keep the key, the record's
-- text when it is not stored as its own JSON (not JSON at all), and the error
-- the dead-letter publisher gave.
ALTER TABLE event_log ADD COLUMN message_key TEXT;
ALTER TABLE event_log ADD COLUMN raw_payload TEXT;
ALTER TABLE event_log ADD COLUMN error TEXT;
CREATE INDEX event_log_dead_letter_idx ON event_log (occurred_at DESC, id DESC) WHERE dead_letter;

-- One row per re-drive: who, when, why. A dead letter is re-driven at most
-- once unless forced (the partial unique index holds that under concurrency).
CREATE TABLE dead_letter_redrive (
    id             BIGSERIAL PRIMARY KEY,
    dead_letter_id BIGINT      NOT NULL,   -- event_log.id (no foreign key: retention deletes event_log rows)
    topic          TEXT        NOT NULL,   -- the topic it was republished to
    event_id       UUID,
    forced         BOOLEAN     NOT NULL,
    redriven_by    TEXT        NOT NULL,
    reason         TEXT,
    redriven_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX dead_letter_redrive_once ON dead_letter_redrive (dead_letter_id) WHERE NOT forced;
CREATE INDEX dead_letter_redrive_dead_letter_idx ON dead_letter_redrive (dead_letter_id);
CREATE INDEX dead_letter_redrive_at_idx ON dead_letter_redrive (redriven_at);
