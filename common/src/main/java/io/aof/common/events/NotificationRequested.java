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
        Long folderId,
        Instant nextRetryAt,
        JobReport report) implements AofEvent {

    public enum Audience { OPS, SUPER_ADMIN }

    public enum Kind {
        FIRST_FAILURE, ATTEMPT_FAILED, NON_RETRYABLE, RECOVERED, EXHAUSTED, RECIPE_STOPPED, RESOLVED_MANUALLY,
        /** AOF's own trouble (the Workato API unreachable for long, dead letters piling up): to the super admin. */
        AOF_TROUBLE,
        REPORT,
        /**
         * An upstream is down: one thread per outage ({@code incidentId} is the outage's id), never grouped with
         * incidents; its members are not announced one by one.
         */
        OUTAGE_STARTED,
        /** The outage's figures changed (members, recipes, probes): its thread's first message is edited in place. */
        OUTAGE_UPDATED,
        /** The outage is over: one message in its thread, and its first message says so. */
        OUTAGE_ENDED;

        /** About an outage rather than one incident: threaded per outage, never grouped or digested. */
        public boolean isOutage() {
            return this == OUTAGE_STARTED || this == OUTAGE_UPDATED || this == OUTAGE_ENDED;
        }

        /** The incident's story ends here (for now): the thread's parent is updated. */
        public boolean closesIncident() {
            return this == RECOVERED || this == EXHAUSTED || this == RESOLVED_MANUALLY || this == OUTAGE_ENDED;
        }

        /** The incident is resolved: escalations stop repeating, PagerDuty gets {@code resolve}. */
        public boolean resolvesIncident() {
            return this == RECOVERED || this == RESOLVED_MANUALLY || this == OUTAGE_ENDED;
        }

        /** The last word of AOF's retrying: "only on the final attempt" routes pass these. */
        public boolean isFinal() {
            return this == EXHAUSTED || this == NON_RETRYABLE || this == RECIPE_STOPPED || this == AOF_TROUBLE;
        }
    }

    /** The periodic job report, once per schedule and period ({@code dedupKey}), to the ops audience. */
    public static NotificationRequested report(JobReport report, String dedupKey) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, report.workspace(), null,
                null, null, null, Audience.OPS, Kind.REPORT, Severity.INFO, dedupKey,
                "AOF job report (" + report.schedule() + ")", null, null, null, null, null, null, report);
    }

    /**
     * AOF's own trouble for the super admin; {@code incidentId} names the trouble (its start), so that the
     * matching {@code RECOVERED} ends the same thread and stops the escalation repeating.
     */
    public static NotificationRequested trouble(String workspace, String troubleId, Kind kind, String title,
                                                String detail) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, null, null,
                troubleId, null, Audience.SUPER_ADMIN, kind, kind == Kind.RECOVERED ? Severity.INFO
                : Severity.CRITICAL, troubleId + ":" + kind, title, null, "AOF", null, detail, null, null, null);
    }

    /** The same notification under another title (the fallback channel says what it stands in for). */
    public NotificationRequested withTitle(String newTitle) {
        return new NotificationRequested(eventId, occurredAt, schemaVersion, workspace, recipeId, jobId, incidentId,
                attempt, audience, kind, severity, dedupKey, newTitle, recipeName, category, maxAttempts, error,
                folderId, nextRetryAt, report);
    }

    public enum Severity { INFO, WARNING, CRITICAL }
}
