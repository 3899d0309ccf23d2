package io.aof.common.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.UUID;

/**
 * The life of an outage of one upstream, published by the orchestrator on {@link Topics#OUTAGE_EVENTS}, keyed by
 * the outage's id ({@link #incidentId()}, so the central log finds an outage as it finds an incident). Its
 * members' own transitions ({@link IncidentEvent.IncidentHeld}, then {@link IncidentEvent.RetryScheduled} when
 * released) stay on the incident events.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(OutageEvent.OutageOpened.class),
        @JsonSubTypes.Type(OutageEvent.OutageProbed.class),
        @JsonSubTypes.Type(OutageEvent.OutageEnded.class)
})
public sealed interface OutageEvent extends AofEvent {

    String upstream();

    @Override
    default Long recipeId() {
        return null;
    }

    @Override
    default String jobId() {
        return null;
    }

    @Override
    default Integer attempt() {
        return null;
    }

    /**
     * An outage opened: detected ({@code declaredBy} null: {@code failures} retryable failures from
     * {@code recipes} recipes within the detection window), or declared by an operator until {@code until}.
     */
    record OutageOpened(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, String incidentId,
                        String upstream, String declaredBy, String reason, Instant until, int failures, int recipes)
            implements OutageEvent {
    }

    /**
     * A probe of the outage ended: one held member's next attempt was sent ({@code probeIncidentId}, attempt
     * {@code probeAttempt}); {@code succeeded} false means the upstream is still down and the next probe is due
     * at {@code nextProbeAt}.
     */
    record OutageProbed(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, String incidentId,
                        String upstream, String probeIncidentId, int probeAttempt, boolean succeeded,
                        Instant nextProbeAt, int probes) implements OutageEvent {
    }

    /**
     * The outage is over ({@code how}: a probe or a repeat succeeded, an operator ended it, a declared window
     * ran out); its {@code held} held members are released through the normal repeat pacing, oldest first.
     */
    record OutageEnded(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, String incidentId,
                       String upstream, String how, String endedBy, Instant openedAt, int members, int held)
            implements OutageEvent {
    }
}
