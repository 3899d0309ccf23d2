-- Outages (kinds OUTAGE_STARTED, OUTAGE_UPDATED, OUTAGE_ENDED) have a thread per outage like an incident's.
-- A thread is kept 30 days after its incident is resolved or its outage ended: the retention's partial index
-- names OUTAGE_ENDED too.
DROP INDEX IF EXISTS incident_thread_closed_idx;
CREATE INDEX incident_thread_closed_idx ON incident_thread (updated_at)
    WHERE last_kind IN ('RECOVERED', 'RESOLVED_MANUALLY', 'OUTAGE_ENDED');
-- notification.state SUPERSEDED: an outage's start or update overtaken before its turn (a later update or the
-- outage's end stored for the same destination, or a start where the thread already has its first message):
-- not sent; the thread's first message shows the outage's latest figures. No schema change: state is TEXT.
