-- The read budget of each Workato API client (account), shared by every
-- instance of a service: one row per (account, share). A share is one service's
-- part of Workato's 60 reads a minute (collation 40, recovery 20 by default;
-- aof.workato.resilience.reads-per-minute), so the shares of the services add up
-- to the account's limit however many instances each runs. next_slot is the
-- earliest time the next read of that share may go, on the database's clock:
-- each read takes the slot and moves it one gap (60 s / reads-per-minute) on.
CREATE TABLE workato_read_budget (
    account    TEXT        NOT NULL,   -- a hash of the API base URL and token, never the token
    share      TEXT        NOT NULL,   -- aof.workato.read-budget.share, the service's name by default
    next_slot  TIMESTAMPTZ NOT NULL,
    updated_by TEXT,                   -- the instance that took the last slot
    PRIMARY KEY (account, share)
);
