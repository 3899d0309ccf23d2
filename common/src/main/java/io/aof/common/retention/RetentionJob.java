package io.aof.common.retention;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deletes rows past their retention from every table a service declared with a
 * {@link RetentionRule} bean, in batches of {@value #BATCH}, each its own short
 * statement, so the service's own work never waits behind one big delete.
 * Periods come from {@code aof.retention.periods.<table>} (a rule's default
 * otherwise); the run interval from {@code aof.retention.interval} (1 h). Ages
 * are measured on the database's clock. Counted under
 * {@code aof.retention.deleted} tagged by table.
 */
public class RetentionJob {

    private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
    static final int BATCH = 5000;

    private final JdbcTemplate jdbc;
    private final Map<RetentionRule, Duration> periods = new LinkedHashMap<>();
    private final Map<String, Counter> deleted = new LinkedHashMap<>();

    public RetentionJob(JdbcTemplate jdbc, List<RetentionRule> rules, Map<String, Duration> configured,
                        MeterRegistry meters) {
        this.jdbc = jdbc;
        for (String key : configured.keySet()) {
            if (rules.stream().noneMatch(r -> r.table().equals(key))) {
                throw new IllegalStateException("aof.retention.periods." + key + " names no table this service keeps; "
                        + "known: " + rules.stream().map(RetentionRule::table).toList());
            }
        }
        for (RetentionRule rule : rules) {
            Duration period = configured.getOrDefault(rule.table(), rule.defaultPeriod());
            if (period.isNegative() || period.isZero()) {
                throw new IllegalStateException("aof.retention.periods." + rule.table() + " must be positive, was "
                        + period);
            }
            periods.put(rule, period);
            deleted.put(rule.table(), Counter.builder("aof.retention.deleted")
                    .description("rows removed by retention").tag("table", rule.table()).register(meters));
        }
        log.info("Retention: {}", periods.entrySet().stream().map(e -> e.getKey().table() + " " + e.getValue())
                .collect(java.util.stream.Collectors.joining(", ")));
    }

    /** The period in force for each rule (said in the log at start). */
    public Map<RetentionRule, Duration> periods() {
        return Map.copyOf(periods);
    }

    @Scheduled(fixedDelayString = "${aof.retention.interval:1h}", initialDelayString = "${aof.retention.initial-delay:2m}")
    public void scheduled() {
        for (RetentionRule rule : periods.keySet()) {
            try {
                purge(rule);
            } catch (RuntimeException e) {
                log.warn("Retention of {} failed; it runs again later: {}", rule.table(), e.toString());
            }
        }
    }

    /** Deletes the rule's rows older than its period; returns how many went. */
    public long purge(RetentionRule rule) {
        Duration period = periods.get(rule);
        String where = rule.timeColumn() + " < now() - (? * interval '1 second')"
                + (rule.onlyWhere() == null ? "" : " AND (" + rule.onlyWhere() + ")");
        String sql = "DELETE FROM " + rule.table() + " WHERE ctid IN (SELECT ctid FROM " + rule.table() + " WHERE "
                + where + " LIMIT " + BATCH + ")";
        long total = 0;
        int n;
        do {
            n = jdbc.update(sql, period.toSeconds());
            total += n;
        } while (n == BATCH);
        if (total > 0) {
            deleted.get(rule.table()).increment(total);
            log.info("Retention removed {} row(s) of {} older than {}", total, rule.table(), period);
        }
        return total;
    }
}
