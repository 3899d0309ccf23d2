package io.aof.common.events;

import java.time.Instant;
import java.util.UUID;

/**
 * Workato stopped a recipe by itself ({@code stop_cause}, for example after 60
 * consecutive trigger errors). Trigger errors create no job, so this is the only
 * way such a failure becomes visible. Keyed by recipe; {@code incidentId} is the
 * incident it opens: {@code workspace:recipeId:stopped:<stoppedAt epoch seconds>}.
 */
public record RecipeStopped(
        UUID eventId,
        Instant occurredAt,
        int schemaVersion,
        String workspace,
        Long recipeId,
        String jobId,
        String incidentId,
        Integer attempt,
        String recipeName,
        Long folderId,
        String stopCause,
        Instant stoppedAt) implements RecipeEvent {

    public static RecipeStopped of(String workspace, long recipeId, String recipeName, Long folderId,
                                   String stopCause, Instant stoppedAt) {
        Instant at = stoppedAt != null ? stoppedAt : Instant.now();
        return new RecipeStopped(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId, null,
                incidentIdOf(workspace, recipeId, at), null, recipeName, folderId, stopCause, at);
    }

    /** The incident a stop of the recipe at {@code stoppedAt} opens (seconds: the database keeps microseconds). */
    public static String incidentIdOf(String workspace, long recipeId, Instant stoppedAt) {
        return workspace + ":" + recipeId + ":stopped:" + stoppedAt.getEpochSecond();
    }
}
