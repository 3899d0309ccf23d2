package io.aof.logger;

import io.aof.logger.eventlog.RedactionProperties;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code aof.logger.*}: how long the event log keeps what it stores, and how dead letters are watched and re-driven.
 * Redaction ({@link RedactionProperties}, {@code aof.logger.redaction.*}) and the job report
 * ({@code aof.logger.report.*}) have their own. Checked at start: a re-drive age that is not positive stops the
 * service, naming the key.
 *
 * @param retention   events older than this are removed by the retention every service runs (default 90 days;
 *                    {@code aof.retention.periods.event_log} overrides it too); the record of who re-drove a dead
 *                    letter is kept as long
 * @param deadLetters {@code aof.logger.dead-letters.*}
 */
@Validated
@ConfigurationProperties("aof.logger")
public record LoggerProperties(
        @NotNull @DefaultValue("90d") Duration retention,
        @Valid @NotNull @DefaultValue DeadLetters deadLetters) {

    /**
     * @param redriveMaxAge dead letters older than this (since they were dead-lettered) are re-driven only when
     *                      forced: the consumers' own deduplication (the inbox, kept 14 days; recovery's requests,
     *                      30 days) may have forgotten a decision that old (default 13 days)
     * @param quietPeriod   the super admin is told about new dead letters at most once per this period; it is the
     *                      alert's dedup key, so several loggers tell once (default 1 hour)
     * @param checkInterval how often the logger looks for new dead letters (default 1 minute; read by the
     *                      {@code @Scheduled} of {@code DeadLetterWatch} under the same name)
     */
    public record DeadLetters(
            @NotNull @DefaultValue("13d") Duration redriveMaxAge,
            @NotNull @DefaultValue("1h") Duration quietPeriod,
            @NotNull @DefaultValue("1m") Duration checkInterval) {

        public DeadLetters {
            if (redriveMaxAge != null && (redriveMaxAge.isNegative() || redriveMaxAge.isZero())) {
                throw new IllegalArgumentException("aof.logger.dead-letters.redrive-max-age must be positive, was "
                        + redriveMaxAge);
            }
        }
    }
}
