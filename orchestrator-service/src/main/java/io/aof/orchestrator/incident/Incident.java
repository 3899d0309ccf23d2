package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import io.aof.common.events.Category;

import java.time.Instant;

/**
 * An incident as stored in the orchestrator's schema. {@code notRepeatable} is
 * why collation said the job must never be repeated (null when it may be);
 * {@code webhookSource} the webhook source that reported the failure which
 * opened it (null: a poll found it). {@code upstream} is the system its job
 * failed against (null: nothing named it); {@code outageId} the outage of that
 * upstream it was held for (null: never held); {@code announced} whether ops
 * were told of it one by one (its first failure).
 */
record Incident(String id, String workspace, long recipeId, String recipeName, Long folderId, String originalJobId,
                Category category, IncidentState state, int attempt, int maxAttempts, Instant nextRetryAt,
                String lastError, Instant openedAt, Instant updatedAt, Instant closedAt, Kind kind, int replays,
                String notRepeatable, String webhookSource, String upstream, String outageId, boolean announced) {

    /** What opened the incident. */
    enum Kind {
        /** A failed job, collected by a poll or a webhook: repeated by its category's policy. */
        JOB_FAILURE,
        /** Workato stopped the recipe (trigger errors): escalated at once, never repeated. */
        RECIPE_STOPPED
    }

    /** The incident after a cancelled attempt was given back: one more attempt number allowed. */
    Incident withOneMoreAttempt() {
        return new Incident(id, workspace, recipeId, recipeName, folderId, originalJobId, category, state, attempt,
                maxAttempts + 1, nextRetryAt, lastError, openedAt, updatedAt, closedAt, kind, replays, notRepeatable,
                webhookSource, upstream, outageId, announced);
    }

    /** The incident after an operator's replay: more attempts allowed, one more replay counted. */
    Incident replayedWith(int newMaxAttempts) {
        return new Incident(id, workspace, recipeId, recipeName, folderId, originalJobId, category, state, attempt,
                newMaxAttempts, nextRetryAt, lastError, openedAt, updatedAt, closedAt, kind, replays + 1,
                notRepeatable, webhookSource, upstream, outageId, announced);
    }
}
