package io.aof.common.workato;

import io.aof.common.text.ExternalText;

import java.time.Instant;

/**
 * A recipe as {@code GET /recipes} answers it (fields AOF reads; others are
 * ignored). Its texts are cleaned and capped by {@link ExternalText} as it is built.
 */
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

    public WorkatoRecipe {
        name = ExternalText.field(name);
        stopCause = ExternalText.field(stopCause);
    }

    public long failedCount() {
        return jobFailedCount == null ? 0 : jobFailedCount;
    }
}
