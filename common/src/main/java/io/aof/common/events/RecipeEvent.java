package io.aof.common.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.UUID;

/** Recipe-level facts from collation on {@link Topics#RECIPE_EVENTS}, keyed by recipe id. */
@JsonTypeInfo(use = JsonTypeInfo.Id.SIMPLE_NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(RecipeStopped.class),
        @JsonSubTypes.Type(RecipeEvent.RecipeStatsSnapshot.class),
        @JsonSubTypes.Type(RecipeEvent.RecipeRunningAgain.class)
})
public sealed interface RecipeEvent extends AofEvent permits RecipeStopped, RecipeEvent.RecipeStatsSnapshot,
        RecipeEvent.RecipeRunningAgain {

    /**
     * A recipe Workato had stopped ({@link RecipeStopped}, at {@code stoppedAt}) runs again (someone started it):
     * {@code incidentId} is the incident its stop opened, which closes by itself.
     */
    record RecipeRunningAgain(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                              String jobId, String incidentId, Integer attempt, String recipeName, Instant stoppedAt)
            implements RecipeEvent {

        public static RecipeRunningAgain of(String workspace, long recipeId, String recipeName, Instant stoppedAt) {
            return new RecipeRunningAgain(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId, null,
                    RecipeStopped.incidentIdOf(workspace, recipeId, stoppedAt), null, recipeName, stoppedAt);
        }
    }

    /**
     * A recipe's job counts as Workato reported them at {@code takenAt}
     * ({@code GET /recipes}), published on a schedule for the periodic report:
     * the difference of two snapshots is what the recipe did in between.
     */
    record RecipeStatsSnapshot(UUID eventId, Instant occurredAt, int schemaVersion, String workspace, Long recipeId,
                               String jobId, String incidentId, Integer attempt, String recipeName, Long folderId,
                               boolean running, long jobSucceededCount, long jobFailedCount, Instant lastRunAt,
                               Instant takenAt) implements RecipeEvent {

        public static RecipeStatsSnapshot of(String workspace, long recipeId, String recipeName, Long folderId,
                                             boolean running, long succeeded, long failed, Instant lastRunAt,
                                             Instant takenAt) {
            return new RecipeStatsSnapshot(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId,
                    null, null, null, recipeName, folderId, running, succeeded, failed, lastRunAt, takenAt);
        }
    }
}
