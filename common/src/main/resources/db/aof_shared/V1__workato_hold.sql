-- Shared by every AOF service of a deployment (its own schema, aof_shared by
-- default, migrated by each service's Workato client at start under an advisory
-- lock). One row per Workato API client (account): when the last 429's
-- Retry-After ends, on the database's clock. Every service's Workato client
-- reads it before each call and writes it on a 429, so no service calls Workato
-- inside a Retry-After window that any of them received.
CREATE TABLE workato_hold (
    account    TEXT        PRIMARY KEY,   -- a hash of the API base URL and token, never the token
    hold_until TIMESTAMPTZ NOT NULL,
    set_by     TEXT        NOT NULL,      -- the service that received the 429
    endpoint   TEXT        NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
