-- When the last repeat_jobs call of any instance ended (while a call is in flight:
-- the end of its lease). The next call starts at least a gap after it: Workato
-- counted the last call before it answered, so the two reach it a gap apart
-- however late or slow either was (a slot reserved in time can be used late).
ALTER TABLE repeat_pacer ADD COLUMN last_call TIMESTAMPTZ NOT NULL DEFAULT '-infinity';
