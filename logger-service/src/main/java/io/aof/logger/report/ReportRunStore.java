package io.aof.logger.report;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/**
 * The scheduled reports' bookkeeping: when each schedule was first seen ({@code report_schedule}: a fresh install
 * does not send old periods) and which periods were sent ({@code report_run}, whose primary key
 * {@code (schedule, workspace, period_end)} is the claim two loggers race on, so each period is sent once).
 */
@Repository
class ReportRunStore {

    private final JdbcTemplate jdbc;

    ReportRunStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** When the schedule was first seen: {@code now} if this is the first time. */
    Instant firstSeen(String schedule, Instant now) {
        // first sight only writes; every later check (each check-interval) just reads
        jdbc.update("INSERT INTO report_schedule (name, since) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                schedule, Timestamp.from(now));
        return jdbc.queryForObject("SELECT since FROM report_schedule WHERE name = ?", Timestamp.class,
                schedule).toInstant();
    }

    /** The end of the last period of the schedule sent for the workspace, or null if none was. */
    Instant lastPeriodEnd(String schedule, String workspace) {
        List<Timestamp> lastRun = jdbc.queryForList("SELECT max(period_end) FROM report_run WHERE schedule = ? "
                + "AND workspace = ?", Timestamp.class, schedule, workspace);
        return lastRun.get(0) == null ? null : lastRun.get(0).toInstant();
    }

    /**
     * Claims a period for sending, in the caller's transaction (which queues the report too).
     *
     * @return false when another logger (or an earlier check) claimed it: then nothing is sent
     */
    boolean claim(String schedule, String workspace, Instant periodStart, Instant periodEnd) {
        return jdbc.update("INSERT INTO report_run (schedule, workspace, period_end, period_start) "
                        + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", schedule, workspace, Timestamp.from(periodEnd),
                Timestamp.from(periodStart)) > 0;
    }
}
