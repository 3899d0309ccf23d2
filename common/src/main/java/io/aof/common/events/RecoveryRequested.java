package io.aof.common.events;

import java.time.Instant;
import java.util.UUID;

/**
 * The orchestrator decided that attempt {@code attempt} of the incident is due:
 * recovery must repeat the original job {@code jobId} exactly once for it.
 * (incidentId, attempt) is the idempotency key of the repeat.
 */
public record RecoveryRequested(
        UUID eventId,
        Instant occurredAt,
        int schemaVersion,
        String workspace,
        Long recipeId,
        String jobId,
        String incidentId,
        Integer attempt) implements RecoveryCommand {

    public static RecoveryRequested of(String workspace, long recipeId, String jobId, String incidentId, int attempt) {
        return new RecoveryRequested(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId, jobId,
                incidentId, attempt);
    }
}
