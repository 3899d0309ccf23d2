-- Columns people filter on, besides those of V2: the error category and the
-- service that published the event. Keyset paging runs on (occurred_at, id).
ALTER TABLE event_log ADD COLUMN category TEXT;
ALTER TABLE event_log ADD COLUMN service TEXT;
UPDATE event_log SET category = payload->>'category' WHERE category IS NULL;
CREATE INDEX event_log_recipe_idx ON event_log (recipe_id, occurred_at DESC, id DESC);
CREATE INDEX event_log_type_idx ON event_log (event_type, occurred_at DESC, id DESC);
CREATE INDEX event_log_category_idx ON event_log (category, occurred_at DESC, id DESC);
CREATE INDEX event_log_time_id_idx ON event_log (occurred_at DESC, id DESC);
