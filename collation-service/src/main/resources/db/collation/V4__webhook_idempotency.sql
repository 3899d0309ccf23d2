-- Idempotency keys of webhook requests (X-Idempotency-Key or X-Workato-Dedup):
-- a request with a key seen before is answered "duplicate" and changes nothing.
CREATE TABLE webhook_idempotency (
    idempotency_key TEXT PRIMARY KEY,
    job_id          TEXT        NOT NULL,
    incident_id     TEXT        NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
