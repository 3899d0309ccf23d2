package io.aof.recovery.repeat;

import io.aof.common.workato.JobQuery;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
        Set<String> seen = new HashSet<>();
        for (int page = 0; page < MAX_PAGES; page++) {
            List<WorkatoJob> items = workato.listJobs(recipeId, query).itemsOrEmpty();
            // a page with no job not seen before means the cursor did not move (an API or proxy that ignores
            // offset_job_id): following it would only read the same page again, up to MAX_PAGES times a round
            List<WorkatoJob> fresh = items.stream().filter(j -> seen.add(j.id())).toList();
            all.addAll(fresh);
            if (fresh.isEmpty()) {
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
