-- A job's history also finds it as a repeat job (payload repeatJobId): index
-- that lookup instead of scanning the whole log.
CREATE INDEX event_log_repeat_job_idx ON event_log ((payload->>'repeatJobId'));
