-- When the last repeat_jobs call of any instance really started: a slot reserved
-- in time can still be used late (reconciliation reads, a slow claim), and a late
-- call must push the next one back, or two calls land less than a second apart.
ALTER TABLE repeat_pacer ADD COLUMN last_call TIMESTAMPTZ NOT NULL DEFAULT '-infinity';
