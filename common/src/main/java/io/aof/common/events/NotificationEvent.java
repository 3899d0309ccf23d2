package io.aof.common.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.UUID;

/** Delivery facts from the notifier, one per attempt to deliver a {@link NotificationRequested}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(NotificationEvent.NotificationDelivered.class),
        @JsonSubTypes.Type(NotificationEvent.NotificationFailed.class)
})
public sealed interface NotificationEvent extends AofEvent {

    UUID requestId();

    String channel();

    record NotificationDelivered(UUID eventId, Instant occurredAt, int schemaVersion, String workspace,
                                 Long recipeId, String jobId, String incidentId, Integer attempt, UUID requestId,
                                 String channel, String messageTs, int deliveryAttempts)
            implements NotificationEvent {
    }

    record NotificationFailed(UUID eventId, Instant occurredAt, int schemaVersion, String workspace,
                              Long recipeId, String jobId, String incidentId, Integer attempt, UUID requestId,
                              String channel, String error, int deliveryAttempts, Instant nextTryAt)
            implements NotificationEvent {
    }
}
