-- A thread names the notification row of its first message instead of keeping
-- a copy of that row's request.
ALTER TABLE incident_thread ADD COLUMN parent_id UUID;
UPDATE incident_thread t SET parent_id = (SELECT n.id FROM notification n WHERE n.channel = t.destination
    AND n.incident_id = t.incident_id AND n.request = t.parent_request ORDER BY n.seq LIMIT 1)
    WHERE t.parent_request IS NOT NULL;
ALTER TABLE incident_thread DROP COLUMN parent_request;
