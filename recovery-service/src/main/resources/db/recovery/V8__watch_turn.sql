-- The watch of accepted repeats (RepeatWatcher) runs once per watch-interval
-- across all recovery instances: the instance whose tick finds watched_at at
-- least an interval old takes the round (one rerun_only listing per recipe);
-- the others skip it, so N instances spend the read budget of one.
ALTER TABLE repeat_pacer ADD COLUMN watched_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity';
