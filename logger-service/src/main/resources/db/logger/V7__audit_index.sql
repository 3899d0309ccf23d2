-- The audit trail (GET /api/audit) is the operator-actions topic's rows of the event log: a partial index
-- keeps reading it independent of how many other events the log holds.
CREATE INDEX event_log_audit_idx ON event_log (occurred_at DESC, id DESC)
    WHERE topic = 'aof.operator-actions' AND NOT dead_letter;
