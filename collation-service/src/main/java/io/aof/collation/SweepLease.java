package io.aof.collation;

import io.aof.common.ops.InstanceName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;

/**
 * Which collation instance sweeps Workato: the holder of the {@code sweep_lease}
 * row. With N instances, one sweeps (one listing, one read of each failed job,
 * within the share of the read budget), the others stand by; the webhook intake
 * and its verifier run on all of them.
 *
 * <p>Every instance calls {@link #renew()} every {@code renew-interval}: the
 * holder extends the lease to {@code lease} from now (the database's clock), any
 * other instance takes it only once it has expired or been released. The holder
 * counts its lease from before it asked, on its own monotonic clock, so it
 * believes itself the holder a little less long than the database does: when it
 * cannot renew (stuck, cut off from the database) it stops sweeping before
 * another instance may start. A holder that stops releases the lease, so another
 * takes over within {@code renew-interval}; one killed outright is replaced
 * within {@code lease + renew-interval}. Even two sweeps at once would collect
 * nothing twice ({@code collected_job}); the lease is about reads, not safety.
 */
@Component
class SweepLease implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(SweepLease.class);
    static final String SWEEP = "sweep";

    private final JdbcTemplate jdbc;
    private final String holder;
    private final Duration lease;
    /** Until when (System.nanoTime) this instance holds the lease; meaningful while {@link #held} is set. */
    private volatile long heldUntilNanos;
    private volatile boolean held;
    /** When this holder's last sweep ended (System.nanoTime), or when the previous holder's did. */
    private volatile long sweptAtNanos;
    private volatile boolean everSwept;
    private volatile Long endedWith;
    private volatile boolean stopped;

    @Autowired
    SweepLease(JdbcTemplate jdbc, CollationProperties props) {
        this(jdbc, props.leader().lease(), InstanceName.create());
    }

    SweepLease(JdbcTemplate jdbc, Duration lease, String holder) {
        this.jdbc = jdbc;
        this.lease = lease;
        this.holder = holder;
    }

    /** A lease always held (one instance by construction: tests that build collation as plain objects). */
    static SweepLease solo() {
        SweepLease l = new SweepLease(null, Duration.ofDays(1), "solo");
        l.held = true;
        l.heldUntilNanos = Long.MAX_VALUE;
        return l;
    }

    String holder() {
        return holder;
    }

    @Scheduled(fixedDelayString = "${aof.collation.leader.renew-interval:5s}", initialDelay = 0)
    void scheduled() {
        try {
            renew();
        } catch (RuntimeException e) {
            log.warn("Could not renew or take the sweep lease ({}); {}", e.toString(),
                    held() ? "this instance sweeps on until its lease runs out" : "another instance sweeps");
        }
    }

    /** Renews the lease if this instance holds it, takes it if it is free; returns whether this instance holds it. */
    boolean renew() {
        if (jdbc == null) {
            return true;
        }
        if (stopped) {
            return false;   // released on stop: never taken again by an instance going down
        }
        long askedAt = System.nanoTime();
        List<Object[]> rows = jdbc.query("""
                INSERT INTO sweep_lease AS l (name, holder, acquired_at, expires_at)
                VALUES (?, ?, now(), now() + (? * interval '1 millisecond'))
                ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                       acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE now() END
                 WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
                RETURNING EXTRACT(EPOCH FROM (now() - l.swept_at)) * 1000, l.ended_with""",
                (rs, i) -> new Object[] {rs.getObject(1) == null ? null : rs.getDouble(1), rs.getObject(2)},
                SWEEP, holder, lease.toMillis());
        if (rows.isEmpty()) {
            if (held) {
                log.warn("Sweep lease lost to another instance: {} stops sweeping", holder);
            }
            held = false;
            return false;
        }
        heldUntilNanos = askedAt + lease.toNanos();
        if (!held) {
            // the sweep's rhythm and the recipes' turn carry over from the previous holder
            Double sinceSweptMs = (Double) rows.get(0)[0];
            everSwept = sinceSweptMs != null;
            sweptAtNanos = sinceSweptMs == null ? askedAt : askedAt - (long) (sinceSweptMs * 1_000_000);
            endedWith = rows.get(0)[1] == null ? null : ((Number) rows.get(0)[1]).longValue();
            held = true;
            log.info("Sweep lease taken: {} sweeps Workato for this deployment's collation", holder);
        }
        return true;
    }

    /** Whether this instance holds the lease now, by its own clock (which gives up before the database's). */
    boolean held() {
        return held && heldUntilNanos - System.nanoTime() > 0;
    }

    /** Whether the holder's next sweep is due: {@code pollInterval} after the last one (of any holder) ended. */
    boolean sweepDue(Duration pollInterval) {
        return held() && (!everSwept || System.nanoTime() - sweptAtNanos >= pollInterval.toNanos());
    }

    /** The recipe the last sweep (of any holder) ended with. */
    Long endedWith() {
        return endedWith;
    }

    /** A sweep ended with {@code last}: recorded for this holder and the next. */
    void swept(Long last) {
        sweptAtNanos = System.nanoTime();
        everSwept = true;
        endedWith = last;
        if (jdbc != null) {
            jdbc.update("UPDATE sweep_lease SET swept_at = now(), ended_with = ? WHERE name = ? AND holder = ?",
                    last, SWEEP, holder);
        }
    }

    @Override
    public void destroy() {
        release();
    }

    /** On stop: the lease is given up at once, so another instance sweeps within its renew interval. */
    void release() {
        stopped = true;
        if (jdbc == null || !held) {
            return;
        }
        held = false;
        try {
            jdbc.update("UPDATE sweep_lease SET expires_at = now() WHERE name = ? AND holder = ?", SWEEP, holder);
            log.info("Sweep lease released by {}", holder);
        } catch (RuntimeException e) {
            log.warn("Could not release the sweep lease ({}); another instance takes it when it expires",
                    e.toString());
        }
    }
}
