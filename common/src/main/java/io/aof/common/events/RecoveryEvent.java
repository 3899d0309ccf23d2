package io.aof.common.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Facts from the recovery service about one (incident, attempt). */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(RecoveryEvent.JobRepeated.class),
        @JsonSubTypes.Type(RecoveryEvent.RecoveryOutcome.class),
        @JsonSubTypes.Type(RecoveryEvent.RepeatDeferred.class),
        @JsonSubTypes.Type(RecoveryEvent.RepeatCancelled.class)
})
public sealed interface RecoveryEvent extends AofEvent {

    /** Workato accepted the repeat ({@code repeat_jobs} answered "enqueued" for the job). */
    record JobRepeated(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                       String jobId, String incidentId, Integer attempt) implements RecoveryEvent {
    }

    /**
     * The repeat was not attempted yet because Workato's API is unreachable,
     * throttling or behind an open circuit breaker. No attempt is spent; recovery
     * tries again by itself at {@code nextTryAt}. Published once per attempt.
     */
    record RepeatDeferred(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                          String jobId, String incidentId, Integer attempt, String reason, Instant nextTryAt)
            implements RecoveryEvent {
    }

    /**
     * A request that was never sent to Workato was cancelled (the incident was
     * resolved or suppressed first). No outcome follows for this attempt.
     */
    record RepeatCancelled(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                           String jobId, String incidentId, Integer attempt, String reason)
            implements RecoveryEvent {
    }

    /**
     * How the attempt ended. {@code repeatJobId} is the new job Workato created,
     * when it was found; {@code duration} runs from the request to the outcome.
     */
    record RecoveryOutcome(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                           String jobId, String incidentId, Integer attempt, Status status, String repeatJobId,
                           String error, Duration duration) implements RecoveryEvent {

        public enum Status {
            /** The repeat job succeeded. */
            SUCCEEDED,
            /** The repeat job ran and failed. */
            FAILED,
            /** Workato refused to repeat the job (its per-job result was "failed"). */
            REJECTED,
            /** The repeat was accepted but did not finish (or could not be found) before the deadline. */
            TIMED_OUT,
            /**
             * Recovery never received a request for this attempt (asked by
             * {@link RecoveryCommand.OutcomeRequested}): nothing was repeated, so the
             * orchestrator may request the same attempt again.
             */
            NOT_REQUESTED
        }
    }
}
