package io.aof.logger.report;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.messaging.Outbox;
import io.aof.common.report.JobReport;
import io.aof.common.report.JobReport.RecipeLine;
import io.aof.common.report.JobReport.Totals;
import io.aof.common.report.JobReport.Worse;
import io.aof.logger.LoggerSchema;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job report sent through Kafka fits in a record (Kafka's default 1 MiB) however many recipes a workspace has:
 * the scheduler queues it capped ({@link JobReport#MAX_RECIPE_LINES} lines, "and N more"); before the cap a
 * workspace with a thousand recipes made a report Kafka refuses.
 */
class ReportSizeTest {

    static final int KAFKA_MAX_REQUEST = 1024 * 1024;

    static JobReport huge(Instant from, Instant to) {
        String name = "Ω".repeat(1024);   // a recipe name at collation's cap, 3 bytes a character in UTF-8
        List<RecipeLine> lines = IntStream.range(0, 1000).mapToObj(i -> new RecipeLine(i, name, 100, 50, 5, 3, 1, 1,
                0, 1, 60L, 120L, List.of(new JobReport.CategoryCount("TIMEOUT", 5)))).toList();
        List<Worse> worse = IntStream.range(0, 1000).mapToObj(i -> new Worse(i, name, 1, 50, 1, 5, 0, 1)).toList();
        return new JobReport("daily", "w", "UTC", from, to, new Totals(1, 2, 3, 4, 5, 6, 7, 8, 9L, 10L), lines,
                List.of(), worse);
    }

    @Test
    void theScheduledReportIsCappedToFitInAKafkaRecord() {
        PGSimpleDataSource ds = LoggerSchema.fresh("report_size");
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        ReportProperties props = new ReportProperties(true, "UTC", Duration.ofSeconds(30), 5,
                List.of(new ReportProperties.Schedule("daily", "0 0 8 * * *", null, null)));
        ReportBuilder builder = new ReportBuilder(new ReportStore(jdbc), props) {
            @Override
            public JobReport build(String schedule, String workspace, String zone, Instant from, Instant to) {
                return huge(from, to);
            }
        };
        ReportScheduler scheduler = new ReportScheduler(props, builder, new ReportRunStore(jdbc),
                new TransactionTemplate(new DataSourceTransactionManager(ds)), new Outbox(jdbc),
                new SimpleMeterRegistry(), "w");
        ReportProperties.Schedule daily = props.schedules().get(0);
        Instant now = Instant.parse("2026-11-27T09:00:00Z");
        scheduler.runIfDue(daily, now.minus(Duration.ofDays(2)));   // first sight: remembers the schedule

        assertThat(scheduler.runIfDue(daily, now)).isPresent();

        String payload = jdbc.queryForObject("SELECT payload FROM outbox", String.class);
        assertThat(payload.getBytes(StandardCharsets.UTF_8).length).isLessThan(KAFKA_MAX_REQUEST / 2);
        JobReport sent = EventCodec.decode(io.aof.common.events.Topics.NOTIFICATION_REQUESTS, payload).report();
        assertThat(sent.recipes()).hasSize(JobReport.MAX_RECIPE_LINES);
        assertThat(sent.moreRecipes()).isEqualTo(1000 - JobReport.MAX_RECIPE_LINES);
        assertThat(sent.recipeCount()).isEqualTo(1000);
        assertThat(sent.gotWorse()).hasSize(JobReport.MAX_WORSE_LINES);
        assertThat(sent.moreGotWorse()).isEqualTo(1000 - JobReport.MAX_WORSE_LINES);
        assertThat(sent.recipes().get(0).recipeName()).hasSizeLessThanOrEqualTo(JobReport.MAX_NAME_CHARS);
        assertThat(sent.totals()).isEqualTo(huge(now, now).totals());
        // uncapped, it would not have fit
        assertThat(EventCodec.encode(NotificationRequested.report(huge(now, now), "x"))
                .getBytes(StandardCharsets.UTF_8).length).isGreaterThan(KAFKA_MAX_REQUEST);
    }
}
