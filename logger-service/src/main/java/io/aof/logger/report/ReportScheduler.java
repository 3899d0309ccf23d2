package io.aof.logger.report;

import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.report.JobReport;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * Sends the periodic job report: every {@code check-interval} each schedule's
 * latest fire time is computed; if it is after the schedule was first seen and
 * no report for that period exists yet, the period is claimed in
 * {@code report_run} ({@link ReportRunStore}) and the report queued (outbox) in
 * the same transaction. Two
 * logger instances race on the claim's primary key, so each period is sent
 * once; a logger that was down at the fire time sends the latest missed period
 * when it is back (older missed periods are skipped, and logged).
 */
@Component
public class ReportScheduler {

    private static final Logger log = LoggerFactory.getLogger(ReportScheduler.class);

    private final ReportProperties props;
    private final ReportBuilder builder;
    private final ReportRunStore runs;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final MeterRegistry meters;
    private final String workspace;

    @Autowired
    ReportScheduler(ReportProperties props, ReportBuilder builder, ReportRunStore runs, TransactionTemplate tx,
                    Outbox outbox, MeterRegistry meters, AofProperties aof) {
        this(props, builder, runs, tx, outbox, meters, aof.workspace());
    }

    ReportScheduler(ReportProperties props, ReportBuilder builder, ReportRunStore runs, TransactionTemplate tx,
                    Outbox outbox, MeterRegistry meters, String workspace) {
        this.props = props;
        this.builder = builder;
        this.runs = runs;
        this.tx = tx;
        this.outbox = outbox;
        this.meters = meters;
        this.workspace = workspace;
    }

    @Scheduled(fixedDelayString = "${aof.logger.report.check-interval:30s}", initialDelayString = "5s")
    void tick() {
        if (!props.enabled()) {
            return;
        }
        for (ReportProperties.Schedule s : props.schedules()) {
            try {
                runIfDue(s, Instant.now());
            } catch (RuntimeException e) {
                log.warn("Report schedule {} failed; it is tried again in {}: {}", s.name(), props.checkInterval(),
                        e.toString());
            }
        }
    }

    /** Sends the report of the schedule's latest period ending at or before {@code now}, unless already sent. */
    public Optional<JobReport> runIfDue(ReportProperties.Schedule s, Instant now) {
        return runIfDue(s, workspace, now);
    }

    /** {@link #runIfDue(ReportProperties.Schedule, Instant)} for a given workspace. */
    public Optional<JobReport> runIfDue(ReportProperties.Schedule s, String workspace, Instant now) {
        Instant since = runs.firstSeen(s.name(), now);
        Instant lastRun = runs.lastPeriodEnd(s.name(), workspace);
        Instant searchFrom = lastRun != null && lastRun.isAfter(since) ? lastRun : since;
        ZoneId zone = props.zoneId(s);
        Instant fire = latestFire(CronExpression.parse(s.cron()), zone, searchFrom, now);
        if (fire == null) {
            return Optional.empty();
        }
        Instant periodStart = fire.minus(s.periodOrDefault());
        return tx.execute(status -> {
            if (!runs.claim(s.name(), workspace, periodStart, fire)) {
                return Optional.empty();
            }
            // capped: it must fit in a Kafka record however many recipes there are (all of them: /api/reports)
            JobReport report = builder.build(s.name(), workspace, zone.getId(), periodStart, fire).capped();
            outbox.append(Topics.NOTIFICATION_REQUESTS, NotificationRequested.report(report,
                    "report:" + workspace + ":" + s.name() + ":" + fire));
            meters.counter("aof.reports.sent", "schedule", s.name()).increment();
            log.info("Job report {} for {} .. {} queued: {} incident(s) opened, {} recovered, {} still open",
                    s.name(), periodStart, fire, report.totals().incidentsOpened(), report.totals().recovered(),
                    report.totals().stillOpen());
            return Optional.of(report);
        });
    }

    /** The last fire time in {@code (after, now]}, or null; fire times skipped on the way are logged. */
    static Instant latestFire(CronExpression cron, ZoneId zone, Instant after, Instant now) {
        ZonedDateTime t = cron.next(after.atZone(zone));
        ZonedDateTime latest = null;
        int skipped = 0;
        while (t != null && !t.toInstant().isAfter(now)) {
            if (latest != null) {
                skipped++;
            }
            latest = t;
            t = cron.next(t);
        }
        if (skipped > 0) {
            log.warn("{} report period(s) ended while no logger was running; only the latest is sent", skipped);
        }
        return latest == null ? null : latest.toInstant();
    }
}
