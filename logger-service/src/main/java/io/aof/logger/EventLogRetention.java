package io.aof.logger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;

/**
 * Removes events older than {@code aof.logger.retention} in small batches, each
 * its own short transaction, so ingest never waits behind one big delete.
 */
@Component
class EventLogRetention {

    private static final Logger log = LoggerFactory.getLogger(EventLogRetention.class);
    private static final int BATCH = 5000;

    private final JdbcTemplate jdbc;
    private final Duration retention;

    EventLogRetention(JdbcTemplate jdbc, @Value("${aof.logger.retention:90d}") Duration retention) {
        this.jdbc = jdbc;
        this.retention = retention;
    }

    @Scheduled(fixedDelayString = "${aof.logger.retention-interval:1h}", initialDelayString = "1m")
    void scheduled() {
        try {
            purge();
        } catch (RuntimeException e) {
            log.warn("Retention run failed; it runs again later: {}", e.toString());
        }
    }

    /** Deletes everything older than the retention; returns how many events went. */
    long purge() {
        long total = 0;
        int deleted;
        do {
            deleted = jdbc.update("DELETE FROM event_log WHERE id IN (SELECT id FROM event_log WHERE occurred_at < "
                    + "now() - (? * interval '1 second') LIMIT ?)", retention.toSeconds(), BATCH);
            total += deleted;
        } while (deleted == BATCH);
        if (total > 0) {
            log.info("Retention removed {} event(s) older than {}", total, retention);
        }
        return total;
    }
}
