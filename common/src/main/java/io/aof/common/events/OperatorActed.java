package io.aof.common.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A person acted on AOF: the audit record, published on {@link Topics#OPERATOR_ACTIONS} in the transaction that
 * makes the change, by the service that made it, and kept by the logger ({@code GET /api/audit}). {@code actor}
 * is the authenticated caller (never a name the request typed); {@code target} says what was acted on in words
 * ("recipe 42", "3 dead letters of aof.job-failures.dlt"), {@code incidentId}/{@code recipeId} where one applies.
 */
public record OperatorActed(
        UUID eventId,
        Instant occurredAt,
        int schemaVersion,
        String workspace,
        Long recipeId,
        String jobId,
        String incidentId,
        Integer attempt,
        String actor,
        Action action,
        String target,
        String reason) implements AofEvent {

    /** What was done; the {@code action} filter of {@code GET /api/audit}. */
    public enum Action {
        /** Fresh attempts for an incident that had ended. */
        REPLAY,
        /** An incident closed by hand. */
        RESOLVE,
        /** A recipe's maintenance window set or replaced. */
        SUPPRESS,
        /** A recipe's maintenance window ended early. */
        UNSUPPRESS,
        /** An escalation to the super admin acknowledged (its reminders stop). */
        ESCALATION_ACK,
        /** Failed notifications queued to be sent again. */
        NOTIFICATION_RETRY,
        /** Dead letters sent back to their topics. */
        DEAD_LETTER_REDRIVE,
        /** An outage of an upstream declared by hand (its failures are held until it ends). */
        DECLARE_OUTAGE,
        /** An outage ended by hand (its held failures are released). */
        END_OUTAGE
    }

    public static OperatorActed of(String workspace, String actor, Action action, String incidentId, Long recipeId,
                                   String target, String reason) {
        return new OperatorActed(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId, null,
                incidentId, null, actor, action, target, reason);
    }

    /** The record's key: the incident, else the recipe, else the actor (audit records need no order across). */
    public String key() {
        return incidentId != null ? incidentId : recipeId != null ? String.valueOf(recipeId) : actor;
    }
}
