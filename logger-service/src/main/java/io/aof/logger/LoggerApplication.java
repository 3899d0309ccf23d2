package io.aof.logger;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.common.retention.RetentionRule;
import io.aof.logger.eventlog.RedactionProperties;
import io.aof.logger.report.ReportProperties;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import java.time.Duration;

/** The global logger (CALL-002) and the periodic job report (CALL-007): every fact on every AOF topic, stored once, queryable. */
@SpringBootApplication
@EnableConfigurationProperties({LoggerProperties.class, ReportProperties.class, RedactionProperties.class})
@Import(AofMessagingConfiguration.class)
public class LoggerApplication {

    public static final String CONFIG_NAME = "logger-service";

    /**
     * The event log: events older than {@code aof.logger.retention} (90 days) go, through the retention every
     * service runs ({@code aof.retention.periods.event_log} overrides it too).
     */
    @Bean
    RetentionRule eventLogRetention(LoggerProperties props) {
        return RetentionRule.of("event_log", "occurred_at", props.retention());
    }

    /** Who re-drove which dead letter: kept as long as the event log keeps the dead letter itself. */
    @Bean
    RetentionRule deadLetterRedriveRetention(LoggerProperties props) {
        return RetentionRule.of("dead_letter_redrive", "redriven_at", props.retention());
    }

    /**
     * Reports sent: a period's row only keeps two logger instances from sending it twice, so a year is plenty;
     * the newest row of each schedule always stays (the scheduler resumes from it).
     */
    @Bean
    RetentionRule reportRunRetention() {
        return RetentionRule.of("report_run", "sent_at", Duration.ofDays(400)).onlyWhere("period_end < (SELECT "
                + "max(r2.period_end) FROM report_run r2 WHERE r2.schedule = report_run.schedule "
                + "AND r2.workspace = report_run.workspace)");
    }

    public static void main(String[] args) {
        builder().run(args);
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(LoggerApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
