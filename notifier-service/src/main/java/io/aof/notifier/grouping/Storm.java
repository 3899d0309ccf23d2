package io.aof.notifier.grouping;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A signature storm in one destination as its messages show it, read when a message is sent (so the first message
 * and its edits always show the latest figures): failures sharing one error signature ({@link ErrorSignature})
 * across recipes. {@code jobs} counts its incidents (one per failed job), those told on their own before the storm
 * was recognised ({@code toldBefore}) included; {@code byKind} counts them at their latest alert.
 *
 * @param endedAt null while the storm is open
 * @param url     the full list of its incidents ({@code GET /api/storms/{id}})
 */
public record Storm(UUID id, String destination, String text, String category, String sampleError, Instant since,
             Instant lastAlertAt, Instant endedAt, long jobs, long recipes, long alerts, long toldBefore,
             Map<String, Long> byKind, List<RecipeCount> topRecipes, String url, Instant asOf) {

    /** How many recipes the first message names, the busiest first. */
    static final int RECIPES_SHOWN = 10;

    public boolean ended() {
        return endedAt != null;
    }

    /** A recipe of the storm and how many of its jobs failed in it. */
    public record RecipeCount(Long recipeId, String recipeName, long jobs) {
    }

    /** One incident of the storm, as {@code GET /api/storms/{id}} lists it. */
    record Incident(long seq, String incidentId, Long recipeId, String recipeName, String jobId, String kind,
                    Integer attempt, Integer maxAttempts, String error, String told, int alerts, Instant firstAt,
                    Instant lastAt) {
    }

    /** A page of the storm's incidents, in the order they joined it; {@code next}: the next page's offset. */
    public record Page(Storm storm, long total, int offset, int limit, Integer next, List<Incident> incidents) {
    }

    /** What a storm's message row says. */
    public enum Kind {
        /** The thread's first message. */
        STORM_STARTED,
        /** The first message edited to the latest figures (Slack only). */
        STORM_UPDATED,
        /** Quiet for the window: the first message edited to the final figures, and one closing reply. */
        STORM_ENDED,
        /** Later alerts of its incidents (after it ended, or escalation reminders): one reply naming them. */
        STORM_FOLLOWUP
    }

    /** A message of the storm to send: its kind, the storm's figures, and for a follow-up its digest. */
    public record Message(Kind kind, Storm storm, Digest followUp) {
    }
}
