package io.aof.collation.poll;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code sweep_lease} row that {@link SweepLease} holds, on the database's
 * clock: taken when free or expired, renewed by its holder, released on stop.
 */
@Repository
class SweepLeaseStore {

    static final String SWEEP = "sweep";

    /** The lease is this holder's: how long ago the last sweep of any holder ended (null: never), and where. */
    record Taken(Double sinceSweptMillis, Long endedWith) {
    }

    private final JdbcTemplate jdbc;

    SweepLeaseStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Renews the lease for {@code holder}, or takes it if it is free or expired; empty when another holds it. */
    Optional<Taken> takeOrRenew(String holder, Duration lease) {
        List<Taken> rows = jdbc.query("""
                INSERT INTO sweep_lease AS l (name, holder, acquired_at, expires_at)
                VALUES (?, ?, now(), now() + (? * interval '1 millisecond'))
                ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                       acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END
                 WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
                RETURNING EXTRACT(EPOCH FROM (now() - l.swept_at)) * 1000, l.ended_with""",
                (rs, i) -> new Taken(rs.getObject(1) == null ? null : rs.getDouble(1),
                        rs.getObject(2) == null ? null : rs.getLong(2)),
                SWEEP, holder, lease.toMillis());
        return rows.stream().findFirst();
    }

    /** {@code holder}'s sweep ended with recipe {@code last}, now. */
    void swept(String holder, Long last) {
        jdbc.update("UPDATE sweep_lease SET swept_at = now(), ended_with = ? WHERE name = ? AND holder = ?",
                last, SWEEP, holder);
    }

    /** The lease expires now, if {@code holder} has it. */
    void release(String holder) {
        jdbc.update("UPDATE sweep_lease SET expires_at = now() WHERE name = ? AND holder = ?", SWEEP, holder);
    }
}
