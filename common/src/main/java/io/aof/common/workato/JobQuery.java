package io.aof.common.workato;

/**
 * Query of {@code GET /recipes/:id/jobs}. {@code offsetJobId} is the cursor;
 * {@code prev=false} lists jobs completed before it (older), {@code prev=true}
 * newer ones. Nulls are left out of the query string.
 */
public record JobQuery(String status, String offsetJobId, Boolean prev, Boolean rerunOnly) {

    public static JobQuery failed() {
        return new JobQuery("failed", null, null, null);
    }

    public static JobQuery repeats() {
        return new JobQuery(null, null, null, true);
    }

    public JobQuery olderThan(String jobId) {
        return new JobQuery(status, jobId, false, rerunOnly);
    }
}
