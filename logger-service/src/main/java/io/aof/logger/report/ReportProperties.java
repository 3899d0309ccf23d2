package io.aof.logger.report;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.validation.annotation.Validated;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code aof.logger.report.*}: when the periodic job report is sent. Checked at
 * start: a bad cron, zone or period stops the service and names the schedule.
 *
 * @param enabled       send reports on their schedules (the on-demand API works either way)
 * @param zone          the default zone of schedules and of on-demand reports
 * @param checkInterval how often the schedules are checked (a report goes out at most this late)
 * @param topCategories how many error categories the report lists
 * @param schedules     the schedules; each sends the report of {@code [fire - period, fire)}
 */
@Validated
@ConfigurationProperties("aof.logger.report")
public record ReportProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("UTC") String zone,
        @DefaultValue("30s") Duration checkInterval,
        @DefaultValue("5") int topCategories,
        List<Schedule> schedules) {

    public ReportProperties {
        schedules = schedules == null ? List.of() : List.copyOf(schedules);
        zoneOf(zone, "aof.logger.report.zone");
        if (topCategories < 1) {
            throw new IllegalArgumentException("aof.logger.report.top-categories must be at least 1");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < schedules.size(); i++) {
            Schedule s = schedules.get(i);
            String key = "aof.logger.report.schedules[" + i + "]";
            if (s.name() == null || s.name().isBlank() || !names.add(s.name())) {
                throw new IllegalArgumentException(key + ".name must be set and unique");
            }
            if (s.cron() == null || !CronExpression.isValidExpression(s.cron())) {
                throw new IllegalArgumentException(key + ".cron is not a cron expression (six fields, seconds "
                        + "first, e.g. \"0 0 8 * * *\"): " + s.cron());
            }
            if (s.zone() != null) {
                zoneOf(s.zone(), key + ".zone");
            }
            if (s.period() != null && (s.period().isNegative() || s.period().isZero())) {
                throw new IllegalArgumentException(key + ".period must be positive");
            }
        }
    }

    ZoneId zoneId(Schedule s) {
        return ZoneId.of(s.zone() != null ? s.zone() : zone);
    }

    private static void zoneOf(String zone, String key) {
        try {
            ZoneId.of(zone);
        } catch (DateTimeException | NullPointerException e) {
            throw new IllegalArgumentException(key + " is not a time zone: " + zone);
        }
    }

    /**
     * @param name   names the schedule in the report and in its dedup key
     * @param cron   Spring cron (seconds first), in {@code zone}
     * @param zone   defaults to the report zone
     * @param period the length of the period reported, ending at the fire time (default one day)
     */
    public record Schedule(String name, String cron, String zone, Duration period) {

        public Duration periodOrDefault() {
            return period != null ? period : Duration.ofDays(1);
        }
    }
}
