-- A try whose answer could be lost: written and committed (its own transaction) just before a message is sent,
-- removed in the transaction that records the answer. One still here when its row is taken again means that
-- answer never came (the notifier or its database died after the call, or the channel did not answer): the
-- channel is asked whether it took the message (Slack: by the notification id in the message's metadata)
-- before it is sent again. No foreign key: the row is locked FOR UPDATE while this is written.
CREATE TABLE notification_try (
    notification_id UUID        PRIMARY KEY,
    tried_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);
