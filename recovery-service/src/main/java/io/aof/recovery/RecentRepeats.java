package io.aof.recovery;

import io.aof.common.workato.JobQuery;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The repeat jobs of a recipe started since a given time, newest first, read
 * with {@code rerun_only} and followed page by page with {@code offset_job_id}
 * until a page reaches back before that time (one call when all fit one page).
 */
final class RecentRepeats {

    private static final int MAX_PAGES = 20;

    private RecentRepeats() {
    }

    static List<WorkatoJob> since(WorkatoClient workato, long recipeId, Instant notBefore) {
        List<WorkatoJob> all = new ArrayList<>();
        JobQuery query = JobQuery.repeats();
        for (int page = 0; page < MAX_PAGES; page++) {
            List<WorkatoJob> items = workato.listJobs(recipeId, query).itemsOrEmpty();
            all.addAll(items);
            if (items.isEmpty()) {
                break;
            }
            WorkatoJob oldest = items.get(items.size() - 1);
            if (oldest.startedAt() != null && oldest.startedAt().isBefore(notBefore)) {
                break;
            }
            query = query.olderThan(oldest.id());
        }
        return all;
    }
}
