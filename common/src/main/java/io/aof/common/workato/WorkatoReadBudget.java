package io.aof.common.workato;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.Optional;

/**
 * A service's share of its Workato account's read budget, shared by all its
 * instances through {@code <schema>.workato_read_budget} (the schema of
 * {@link WorkatoAccountHold}), so N instances of collation together make no more
 * reads a minute than one would.
 *
 * <p>One row per (account, share) holds {@code next_slot}: the earliest time the
 * next read may go, on the database's clock. A read takes the slot in one
 * statement and moves it one gap on ({@code 60 s / reads-per-minute}); a slot
 * further away than the read may wait is not taken, and the read is refused as
 * {@code RATE_LIMITED}, as the in-process limiter refused it. Services keep apart
 * shares (collation's 40, recovery's 20) so that collation's sweeps can never
 * starve recovery's watcher; the shares must add up to the account's limit, as
 * before. When the row cannot be reached the client falls back on its own
 * in-process limiter (logged at most once a minute): the database being down
 * stops collation anyway (it cannot store what it reads).
 */
public class WorkatoReadBudget {

    private static final Logger log = LoggerFactory.getLogger(WorkatoReadBudget.class);

    private final JdbcTemplate jdbc;
    private final String table;
    private final String account;
    private final String share;
    private final String instance;
    private volatile boolean rowMade;
    private volatile long lastWarnNanos;

    private WorkatoReadBudget(JdbcTemplate jdbc, String table, String account, String share, String instance) {
        this.jdbc = jdbc;
        this.table = table;
        this.account = account;
        this.share = share;
        this.instance = instance;
    }

    /** This process's own limiter alone (tests, or no shared schema). */
    public static WorkatoReadBudget local() {
        return new WorkatoReadBudget(null, null, null, null, null);
    }

    /**
     * The budget {@code share} of the account of {@code props}, shared through {@code schema.workato_read_budget}
     * (migrated by {@link WorkatoAccountHold#migrate}); {@code instance} names who took the last slot.
     */
    public static WorkatoReadBudget shared(JdbcTemplate jdbc, String schema, WorkatoProperties props, String share,
                                           String instance) {
        WorkatoAccountHold.requireSchemaName(schema);
        if (share == null || share.isBlank()) {
            throw new IllegalArgumentException("aof.workato.read-budget.share must not be blank");
        }
        return new WorkatoReadBudget(jdbc, schema + ".workato_read_budget", WorkatoAccountHold.accountKey(props),
                share, instance);
    }

    public boolean isShared() {
        return jdbc != null;
    }

    /**
     * What {@link #reserve} decided: {@code granted} with the time to wait before reading (zero: at once), or not
     * granted when the next slot is further away than the read may wait (nothing taken; {@code wait} says how far).
     */
    record Slot(boolean granted, Duration delay) {
    }

    /**
     * Takes the next read slot of the share if it comes within {@code maxWait}. Empty when the shared row cannot be
     * reached: the caller uses its own limiter.
     */
    Optional<Slot> reserve(Duration gap, Duration maxWait) {
        if (jdbc == null) {
            return Optional.empty();
        }
        try {
            if (!rowMade) {
                jdbc.update("INSERT INTO " + table + " (account, share, next_slot) VALUES (?, ?, now()) "
                        + "ON CONFLICT DO NOTHING", account, share);
                rowMade = true;
            }
            Double waitMs = jdbc.query("UPDATE " + table + " SET next_slot = GREATEST(next_slot, now()) "
                            + "+ (? * interval '1 microsecond'), updated_by = ? WHERE account = ? AND share = ? "
                            + "AND next_slot <= now() + (? * interval '1 microsecond') "
                            + "RETURNING EXTRACT(EPOCH FROM (next_slot - now())) * 1000 - ? / 1000.0",
                    rs -> rs.next() ? rs.getDouble(1) : null, micros(gap), instance, account, share,
                    micros(maxWait), micros(gap));
            if (waitMs != null) {
                return Optional.of(new Slot(true, Duration.ofMillis(Math.max(0, (long) Math.ceil(waitMs)))));
            }
            Double aheadMs = jdbc.query("SELECT EXTRACT(EPOCH FROM (next_slot - now())) * 1000 FROM " + table
                    + " WHERE account = ? AND share = ?", rs -> rs.next() ? rs.getDouble(1) : null, account, share);
            return Optional.of(new Slot(false, Duration.ofMillis(Math.max(1, aheadMs == null ? gap.toMillis()
                    : (long) Math.ceil(aheadMs)))));
        } catch (DataAccessException e) {
            long now = System.nanoTime();
            if (now - lastWarnNanos > Duration.ofMinutes(1).toNanos()) {
                lastWarnNanos = now;
                log.warn("Could not take a read slot from the shared Workato read budget in {} (this instance's own "
                        + "limiter applies meanwhile): {}", table, e.getMostSpecificCause().toString());
            }
            return Optional.empty();
        }
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1000;
    }
}
