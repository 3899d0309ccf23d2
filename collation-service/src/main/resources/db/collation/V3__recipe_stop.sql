-- The last stop seen per recipe, so each stop by Workato is published once.
ALTER TABLE recipe_cursor ADD COLUMN stop_cause TEXT;
ALTER TABLE recipe_cursor ADD COLUMN stopped_at TIMESTAMPTZ;
