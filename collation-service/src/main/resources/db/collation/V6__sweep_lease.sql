-- One collation instance sweeps Workato at a time: the holder of this lease.
-- It renews the lease (expires_at, on the database's clock) every
-- aof.collation.leader.renew-interval; another instance takes it once it has
-- expired (the holder died or lost the database) or was released (the holder
-- stopped). swept_at and ended_with carry the sweep's rhythm and the recipes'
-- turn over to the next holder, so a change of holder neither sweeps early nor
-- restarts the turn.
CREATE TABLE sweep_lease (
    name        TEXT        PRIMARY KEY,
    holder      TEXT        NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    swept_at    TIMESTAMPTZ,
    ended_with  BIGINT
);
