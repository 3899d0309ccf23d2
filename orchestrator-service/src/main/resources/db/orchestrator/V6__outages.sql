-- Outage awareness. An incident's upstream is the system its job failed against (null: nothing named it);
-- outage_id links a member to the outage of its upstream while (and after) it was held.
ALTER TABLE incident ADD COLUMN upstream TEXT;
ALTER TABLE incident ADD COLUMN outage_id TEXT;
-- detection counts an upstream's recent failures; the release and probe sweeps take an outage's held members
-- whether ops were told of the incident one by one (its first failure): an outage's member recovers silently
-- unless it was (its thread is then closed as usual); incidents before this version count as told
ALTER TABLE incident ADD COLUMN announced BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE incident ALTER COLUMN announced SET DEFAULT false;
CREATE INDEX incident_upstream_idx ON incident (workspace, upstream, opened_at) WHERE upstream IS NOT NULL;
CREATE INDEX incident_outage_idx ON incident (outage_id, opened_at) WHERE outage_id IS NOT NULL;

-- One row per outage of an upstream: detected (declared_by NULL) or declared by an operator until `until`.
-- At most one open (ended_at NULL) per workspace and upstream: two orchestrators detecting at once open one.
CREATE TABLE outage (
    id                TEXT PRIMARY KEY,
    workspace         TEXT        NOT NULL,
    upstream          TEXT        NOT NULL,
    category          TEXT,
    opened_at         TIMESTAMPTZ NOT NULL,
    declared_by       TEXT,
    reason            TEXT,
    until             TIMESTAMPTZ,
    failures          INT         NOT NULL,
    recipes           INT         NOT NULL,
    probes            INT         NOT NULL DEFAULT 0,
    next_probe_at     TIMESTAMPTZ,
    probe_incident_id TEXT,
    probe_attempt     INT,
    escalated_at      TIMESTAMPTZ,
    ended_at          TIMESTAMPTZ,
    ended_how         TEXT,
    ended_by          TEXT,
    -- RELEASE: held members are scheduled when it ends; EXHAUST: they are exhausted (past the maximum, by policy)
    after_end         TEXT        NOT NULL DEFAULT 'RELEASE',
    released          INT         NOT NULL DEFAULT 0,
    -- the figures the last alert showed (an update is sent only when they change), and since when
    alerted           TEXT,
    alerted_at        TIMESTAMPTZ
);
CREATE UNIQUE INDEX outage_open_idx ON outage (workspace, upstream) WHERE ended_at IS NULL;
CREATE INDEX outage_opened_idx ON outage (opened_at DESC);
