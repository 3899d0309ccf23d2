package io.aof.common.workato;

import java.util.List;

/** The answer of {@code GET /recipes/:id/jobs}. */
public record WorkatoJobPage(Long jobSucceededCount, Long jobFailedCount, Long jobCount, List<WorkatoJob> items) {

    public List<WorkatoJob> itemsOrEmpty() {
        return items == null ? List.of() : items;
    }
}
