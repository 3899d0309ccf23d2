-- One row shared by every recovery instance: the time of the next repeat_jobs
-- call slot. Each call reserves a slot atomically, so all instances together
-- make at most one call per gap (Workato's limit is per API client, not per
-- process).
CREATE TABLE repeat_pacer (
    id        INT PRIMARY KEY CHECK (id = 1),
    next_slot TIMESTAMPTZ NOT NULL
);
INSERT INTO repeat_pacer (id, next_slot) VALUES (1, now());
