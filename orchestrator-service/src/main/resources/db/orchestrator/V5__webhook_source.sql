-- The configured webhook source (aof.collation.webhook.sources[n].name, or
-- "default" for the legacy single token/secret) whose credential reported the
-- failure that opened the incident; null when a poll found it, and for
-- incidents opened before this version.
ALTER TABLE incident ADD COLUMN webhook_source TEXT;
