package io.aof.common.events;

import io.aof.common.report.JobReport;

import java.time.Instant;
import java.util.UUID;

/**
 * The orchestrator wants people told something. {@code audience} decides the
 * channel (the ops channel, the super-admin channel); {@code dedupKey} is stable
 * per incident and kind so a redelivery never notifies twice. A {@code REPORT}
 * carries the periodic job report instead of an incident.
 */
public record NotificationRequested(
        UUID eventId,
        Instant occurredAt,
        int schemaVersion,
        String workspace,
        Long recipeId,
        String jobId,
        String incidentId,
        Integer attempt,
        Audience audience,
        Kind kind,
        Severity severity,
        String dedupKey,
        String title,
        String recipeName,
        String category,
        Integer maxAttempts,
        String error,
        JobReport report) implements AofEvent {

    public enum Audience { OPS, SUPER_ADMIN }

    public enum Kind { FIRST_FAILURE, ATTEMPT_FAILED, NON_RETRYABLE, RECOVERED, EXHAUSTED, RECIPE_STOPPED, REPORT }

    /** The periodic job report, once per schedule and period ({@code dedupKey}), to the ops audience. */
    public static NotificationRequested report(JobReport report, String dedupKey) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, report.workspace(), null,
                null, null, null, Audience.OPS, Kind.REPORT, Severity.INFO, dedupKey,
                "AOF job report (" + report.schedule() + ")", null, null, null, null, report);
    }

    public enum Severity { INFO, WARNING, CRITICAL }
}
