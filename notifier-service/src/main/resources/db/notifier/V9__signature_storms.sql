-- Signature storms: failures sharing an error signature (the error text normalised, and the category) across
-- several recipes within a window are one storm per destination, told in one thread whose first message is
-- edited in place as the storm grows, and closed by one reply when it has been quiet for the window.

-- The storm a row belongs to: an alert told inside it (state STORMED, or GROUPED with group_key 'storm:<id>'
-- waiting for the storm's follow-up), or one of the storm's own messages (kinds STORM_STARTED, STORM_UPDATED,
-- STORM_ENDED, STORM_FOLLOWUP; no request).
ALTER TABLE notification ADD COLUMN storm_id UUID;
CREATE INDEX notification_storm_idx ON notification (storm_id) WHERE storm_id IS NOT NULL;

-- The incident's error signature (ErrorSignature.key of its first alert in the destination), and
-- incident_thread.mode STORM: the incident is told inside a storm (storm_id), decided at its first alert in the
-- destination, or when the storm was recognised (an incident whose alerts waited for its group's digest).
ALTER TABLE incident_thread ADD COLUMN signature TEXT;
ALTER TABLE incident_thread ADD COLUMN storm_id UUID;
CREATE INDEX incident_thread_signature_idx ON incident_thread (destination, signature, created_at)
    WHERE signature IS NOT NULL;
CREATE INDEX incident_thread_storm_idx ON incident_thread (storm_id) WHERE storm_id IS NOT NULL;

-- When each recipe last failed with a signature in a destination: how many recipes share it within the window.
CREATE TABLE signature_sighting (
    destination TEXT        NOT NULL,
    signature   TEXT        NOT NULL,
    recipe_id   BIGINT      NOT NULL,
    last_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (destination, signature, recipe_id)
);
CREATE INDEX signature_sighting_last_idx ON signature_sighting (last_at);

-- A storm in one destination: one open per destination and signature. parent_ref/channel_ref: its thread's first
-- message once out (Slack's ts and channel id, the e-mail's Message-ID).
CREATE TABLE signature_storm (
    id               UUID PRIMARY KEY,
    destination      TEXT        NOT NULL,
    signature        TEXT        NOT NULL,
    text             TEXT        NOT NULL,
    category         TEXT,
    sample_error     TEXT,
    since_at         TIMESTAMPTZ NOT NULL,
    recognised_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_alert_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_due_at    TIMESTAMPTZ,
    updates          INT         NOT NULL DEFAULT 0,
    ended_at         TIMESTAMPTZ,
    followup_due_at  TIMESTAMPTZ,
    last_followup_at TIMESTAMPTZ,
    parent_ref       TEXT,
    channel_ref      TEXT
);
CREATE UNIQUE INDEX signature_storm_open_idx ON signature_storm (destination, signature) WHERE ended_at IS NULL;
CREATE INDEX signature_storm_update_idx ON signature_storm (update_due_at) WHERE update_due_at IS NOT NULL;
CREATE INDEX signature_storm_followup_idx ON signature_storm (followup_due_at) WHERE followup_due_at IS NOT NULL;
CREATE INDEX signature_storm_ended_idx ON signature_storm (ended_at) WHERE ended_at IS NOT NULL;

-- Every incident of a storm, at its latest alert: what GET /api/storms/{id} lists and the figures count. told:
-- STORM (told inside the storm), THREAD (its own thread, before the storm was recognised), DIGEST (its group's
-- digest, before the storm was recognised).
CREATE TABLE storm_incident (
    storm_id     UUID        NOT NULL REFERENCES signature_storm (id) ON DELETE CASCADE,
    incident_id  TEXT        NOT NULL,
    seq          BIGSERIAL,
    recipe_id    BIGINT,
    recipe_name  TEXT,
    job_id       TEXT,
    kind         TEXT        NOT NULL,
    attempt      INT,
    max_attempts INT,
    error        TEXT,
    told         TEXT        NOT NULL,
    alerts       INT         NOT NULL DEFAULT 1,
    first_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (storm_id, incident_id)
);
CREATE INDEX storm_incident_seq_idx ON storm_incident (storm_id, seq);
CREATE INDEX storm_incident_incident_idx ON storm_incident (incident_id);
