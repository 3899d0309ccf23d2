package io.aof.common.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.UUID;

/**
 * A transition of an incident, published by the orchestrator on
 * {@link Topics#INCIDENT_EVENTS}. {@code state} is the state the incident is in
 * after the fact; {@code category} the error category it was classified as.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(IncidentEvent.IncidentOpened.class),
        @JsonSubTypes.Type(IncidentEvent.RetryScheduled.class),
        @JsonSubTypes.Type(IncidentEvent.RetryStarted.class),
        @JsonSubTypes.Type(IncidentEvent.IncidentRecovered.class),
        @JsonSubTypes.Type(IncidentEvent.RetriesExhausted.class),
        @JsonSubTypes.Type(IncidentEvent.IncidentNonRetryable.class),
        @JsonSubTypes.Type(IncidentEvent.RepeatFailureObserved.class),
        @JsonSubTypes.Type(IncidentEvent.IncidentSuppressed.class),
        @JsonSubTypes.Type(IncidentEvent.ReplayRequested.class),
        @JsonSubTypes.Type(IncidentEvent.ResolvedManually.class),
        @JsonSubTypes.Type(IncidentEvent.RecipeStoppedEscalated.class),
        @JsonSubTypes.Type(IncidentEvent.IncidentHeld.class)
})
public sealed interface IncidentEvent extends AofEvent {

    IncidentState state();

    Category category();

    /**
     * A failed original job opened an incident; {@code webhookSource} names the webhook source that reported
     * it (null: found by a poll, or written before the field existed).
     */
    record IncidentOpened(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                          String jobId, String incidentId, Integer attempt, IncidentState state, Category category,
                          String recipeName, String error, int maxAttempts, String webhookSource)
            implements IncidentEvent {
    }

    /** Attempt {@code attempt} is due at {@code dueAt}; the due time is durable in the orchestrator's schema. */
    record RetryScheduled(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                          String jobId, String incidentId, Integer attempt, IncidentState state, Category category,
                          Instant dueAt, int maxAttempts) implements IncidentEvent {
    }

    /** The due attempt was handed to recovery ({@link RecoveryRequested} sent in the same transaction). */
    record RetryStarted(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                        String jobId, String incidentId, Integer attempt, IncidentState state, Category category)
            implements IncidentEvent {
    }

    /** A repeat succeeded: the incident is over. */
    record IncidentRecovered(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                             String jobId, String incidentId, Integer attempt, IncidentState state, Category category,
                             String repeatJobId) implements IncidentEvent {
    }

    /** No attempt left, or the repeat could not be made or followed: people must look. */
    record RetriesExhausted(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                            String jobId, String incidentId, Integer attempt, IncidentState state, Category category,
                            String reason, String lastError) implements IncidentEvent {
    }

    /** The category must not be retried (an auth error, bad data): people must look. */
    record IncidentNonRetryable(UUID eventId, Instant occurredAt, int schemaVersion, String workspace,
                                Long recipeId, String jobId, String incidentId, Integer attempt, IncidentState state,
                                Category category, String error) implements IncidentEvent {
    }

    /** A failed repeat of this incident's job was collected; the transition itself follows RecoveryOutcome. */
    record RepeatFailureObserved(UUID eventId, Instant occurredAt, int schemaVersion, String workspace,
                                 Long recipeId, String jobId, String incidentId, Integer attempt,
                                 IncidentState state, Category category, String repeatJobId, String error)
            implements IncidentEvent {
    }

    /** Opened while its recipe was suppressed by an operator: not retried, nobody told. */
    record IncidentSuppressed(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                              String jobId, String incidentId, Integer attempt, IncidentState state,
                              Category category, Instant suppressedUntil, String reason) implements IncidentEvent {
    }

    /** An operator asked for fresh attempts of an incident that had ended. Audited: who and why. */
    record ReplayRequested(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                           String jobId, String incidentId, Integer attempt, IncidentState state, Category category,
                           String requestedBy, String reason, int freshAttempts) implements IncidentEvent {
    }

    /** An operator closed the incident by hand. Audited: who and why. */
    record ResolvedManually(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                            String jobId, String incidentId, Integer attempt, IncidentState state, Category category,
                            IncidentState previousState, String resolvedBy, String reason) implements IncidentEvent {
    }

    /** Workato stopped the recipe (trigger errors create no job): escalated, never repeated. */
    record RecipeStoppedEscalated(UUID eventId, Instant occurredAt, int schemaVersion, String workspace,
                                  Long recipeId, String jobId, String incidentId, Integer attempt,
                                  IncidentState state, Category category, String recipeName, String stopCause,
                                  Instant stoppedAt) implements IncidentEvent {
    }

    /**
     * The incident's upstream is down ({@code outageId}): its next attempt, {@code attempt + 1}, is held instead of
     * scheduled or sent, and is released when the outage ends. {@code attempt} is the last attempt spent.
     */
    record IncidentHeld(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                        String jobId, String incidentId, Integer attempt, IncidentState state, Category category,
                        String outageId, String upstream) implements IncidentEvent {
    }
}
