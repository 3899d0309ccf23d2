package io.aof.common.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.UUID;

/**
 * What the orchestrator tells recovery, on one topic keyed by incident id, so
 * that a request and a later cancellation of the same incident are read in the
 * order they were decided. A payload without {@code type} (written before
 * cancellations existed) is a {@link RecoveryRequested}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, include = JsonTypeInfo.As.PROPERTY, property = "type",
        defaultImpl = RecoveryRequested.class)
@JsonSubTypes({
        @JsonSubTypes.Type(RecoveryRequested.class),
        @JsonSubTypes.Type(RecoveryCommand.RecoveryCancelled.class),
        @JsonSubTypes.Type(RecoveryCommand.OutcomeRequested.class)
})
public sealed interface RecoveryCommand extends AofEvent
        permits RecoveryRequested, RecoveryCommand.RecoveryCancelled, RecoveryCommand.OutcomeRequested {

    /**
     * The incident was resolved or suppressed: every request of it with an
     * attempt up to {@code attempt} that has not been sent to Workato must never
     * be sent (including one that reaches recovery after this). A call already
     * in flight cannot be taken back; its outcome is still reported.
     */
    record RecoveryCancelled(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                             String jobId, String incidentId, Integer attempt, String reason)
            implements RecoveryCommand {

        public static RecoveryCancelled of(String workspace, long recipeId, String jobId, String incidentId,
                                           int upToAttempt, String reason) {
            return new RecoveryCancelled(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId, jobId,
                    incidentId, upToAttempt, reason);
        }
    }

    /**
     * The orchestrator has waited past the outcome deadline for attempt
     * {@code attempt}: recovery publishes the outcome again if it has one (a new
     * event id), says {@code NOT_REQUESTED} if it never had the request, and
     * nothing while the repeat is still in progress (its own deadline will end it).
     */
    record OutcomeRequested(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                            String jobId, String incidentId, Integer attempt) implements RecoveryCommand {

        public static OutcomeRequested of(String workspace, long recipeId, String jobId, String incidentId,
                                          int attempt) {
            return new OutcomeRequested(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId, jobId,
                    incidentId, attempt);
        }
    }
}
