package io.aof.common.workato;

import java.time.Instant;

/** A recipe as {@code GET /recipes} answers it (fields AOF reads; others are ignored). */
public record WorkatoRecipe(
        long id,
        String name,
        Long folderId,
        Boolean running,
        Long jobSucceededCount,
        Long jobFailedCount,
        Instant lastRunAt,
        Instant stoppedAt,
        String stopCause,
        Instant createdAt,
        Instant updatedAt) {

    public long failedCount() {
        return jobFailedCount == null ? 0 : jobFailedCount;
    }
}
