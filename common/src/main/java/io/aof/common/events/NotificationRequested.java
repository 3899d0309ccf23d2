package io.aof.common.events;

import java.time.Instant;
import java.util.UUID;

/**
 * The orchestrator wants people told something. {@code audience} decides the
 * channel (the ops channel, the super-admin channel); {@code dedupKey} is stable
 * per incident and kind so a redelivery never notifies twice.
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
        String error) implements AofEvent {

    public enum Audience { OPS, SUPER_ADMIN }

    public enum Kind { FIRST_FAILURE, ATTEMPT_FAILED, NON_RETRYABLE, RECOVERED, EXHAUSTED, RECIPE_STOPPED }

    public enum Severity { INFO, WARNING, CRITICAL }
}
