-- A later attempt of an incident is never sent while an earlier one may still
-- run (sent, or accepted by Workato), and never after an earlier one succeeded:
-- it is then settled SUCCEEDED without a call, naming that attempt's repeat job
-- (settled_by = that attempt). Two attempts may therefore name the same repeat
-- job; repeat jobs found by reconciliation or watching stay unique.
ALTER TABLE repeat_request ADD COLUMN settled_by INT;
ALTER TABLE repeat_request DROP CONSTRAINT repeat_request_repeat_job_id_key;
CREATE UNIQUE INDEX repeat_request_repeat_job_idx ON repeat_request (repeat_job_id) WHERE settled_by IS NULL;
