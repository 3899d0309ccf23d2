package io.aof.collation.poll;

import io.aof.collation.CollationProperties;
import io.aof.common.ops.InstanceName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.function.LongSupplier;

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
public class SweepLease implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(SweepLease.class);
    private final SweepLeaseStore store;
    private final String holder;
    private final Duration lease;
    /** Until when (on {@link #nanoTime}) this instance holds the lease; meaningful while {@link #held} is set. */
    private volatile long heldUntilNanos;
    private volatile boolean held;
    /** When this holder's last sweep ended (on {@link #nanoTime}), or when the previous holder's did. */
    private volatile long sweptAtNanos;
    private volatile boolean everSwept;
    private volatile Long endedWith;
    private volatile boolean stopped;
    /** The JVM's monotonic clock (tests pass their own). */
    private final LongSupplier nanoTime;

    @Autowired
    SweepLease(SweepLeaseStore store, CollationProperties props) {
        this(store, props.leader().lease(), InstanceName.create());
    }

    SweepLease(SweepLeaseStore store, Duration lease, String holder) {
        this(store, lease, holder, System::nanoTime);
    }

    SweepLease(SweepLeaseStore store, Duration lease, String holder, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.store = store;
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
        if (store == null) {
            return true;
        }
        if (stopped) {
            return false;   // released on stop: never taken again by an instance going down
        }
        long askedAt = nanoTime.getAsLong();
        var taken = store.takeOrRenew(holder, lease);
        if (taken.isEmpty()) {
            if (held) {
                log.warn("Sweep lease lost to another instance: {} stops sweeping", holder);
            }
            held = false;
            return false;
        }
        heldUntilNanos = askedAt + lease.toNanos();
        if (!held) {
            // the sweep's rhythm and the recipes' turn carry over from the previous holder
            Double sinceSweptMs = taken.get().sinceSweptMillis();
            everSwept = sinceSweptMs != null;
            sweptAtNanos = sinceSweptMs == null ? askedAt : askedAt - (long) (sinceSweptMs * 1_000_000);
            endedWith = taken.get().endedWith();
            held = true;
            log.info("Sweep lease taken: {} sweeps Workato for this deployment's collation", holder);
        }
        return true;
    }

    /** Whether this instance holds the lease now, by its own clock (which gives up before the database's). */
    public boolean held() {
        return held && heldUntilNanos - nanoTime.getAsLong() > 0;
    }

    /** Whether the holder's next sweep is due: {@code pollInterval} after the last one (of any holder) ended. */
    boolean sweepDue(Duration pollInterval) {
        return held() && (!everSwept || nanoTime.getAsLong() - sweptAtNanos >= pollInterval.toNanos());
    }

    /** The recipe the last sweep (of any holder) ended with. */
    Long endedWith() {
        return endedWith;
    }

    /** A sweep ended with {@code last}: recorded for this holder and the next. */
    void swept(Long last) {
        sweptAtNanos = nanoTime.getAsLong();
        everSwept = true;
        endedWith = last;
        if (store != null) {
            store.swept(holder, last);
        }
    }

    @Override
    public void destroy() {
        release();
    }

    /** On stop: the lease is given up at once, so another instance sweeps within its renew interval. */
    void release() {
        stopped = true;
        if (store == null || !held) {
            return;
        }
        held = false;
        try {
            store.release(holder);
            log.info("Sweep lease released by {}", holder);
        } catch (RuntimeException e) {
            log.warn("Could not release the sweep lease ({}); another instance takes it when it expires",
                    e.toString());
        }
    }
}
