-- One notification can go to several destinations (Slack channel, e-mail
-- recipients): one row per destination, "slack:#channel" or "email:a@x,b@y",
-- each delivered and retried on its own, unique per dedup key and destination.
UPDATE notification SET channel = 'slack:' || channel WHERE channel NOT LIKE 'slack:%' AND channel NOT LIKE 'email:%';
ALTER TABLE notification DROP CONSTRAINT notification_dedup_key_key;
ALTER TABLE notification ADD CONSTRAINT notification_dedup_destination UNIQUE (dedup_key, channel);
