package io.aof.notifier.grouping;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One message for many alerts of a group (a recipe and a category in one
 * destination): how many, of which kinds, and which incidents; the message
 * lists the first {@link #LISTED} and links the full list
 * ({@code GET /api/digests/{id}}). A reminder lists the group's incidents
 * still open.
 */
public record Digest(UUID id, String destination, Long recipeId, String recipeName, String category, boolean reminder,
              Instant from, Instant to, int alerts, Map<String, Long> byKind, List<Item> incidents, String url) {

    public static final int LISTED = 40;

    public record Item(String incidentId, String jobId, String kind, Integer attempt, Integer maxAttempts,
            String error) {
    }
}
