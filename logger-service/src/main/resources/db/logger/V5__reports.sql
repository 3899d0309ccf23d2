-- The periodic job report. report_schedule remembers when a schedule was first
-- seen (periods that ended before that are never sent: no burst of old reports
-- on a fresh install); report_run has one row per schedule, workspace and
-- period, inserted in the transaction that queues the report, so two logger
-- instances send it once.
CREATE TABLE report_schedule (
    name  TEXT PRIMARY KEY,
    since TIMESTAMPTZ NOT NULL
);
CREATE TABLE report_run (
    schedule     TEXT        NOT NULL,
    workspace    TEXT        NOT NULL,
    period_end   TIMESTAMPTZ NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule, workspace, period_end)
);
