package io.aof.common.events;

import java.util.Objects;

/**
 * The incident rule: an incident is one original failed job. A repeat of a job
 * carries {@code master_job_id}; it is the next attempt of its master's incident,
 * never a new incident. Without this rule "at most 5 retries" would loop forever,
 * because every failed repeat would open a fresh incident with fresh attempts.
 */
public final class IncidentId {

    private IncidentId() {
    }

    /**
     * @param workspace   the workspace name configured for this deployment
     * @param recipeId    the recipe the job ran in
     * @param jobId       the failed job's id
     * @param masterJobId the original job's id when the failed job is a repeat, else null or blank
     * @return {@code workspace:recipeId:originalJobId}
     */
    public static String of(String workspace, long recipeId, String jobId, String masterJobId) {
        Objects.requireNonNull(workspace, "workspace");
        String original = originalJobId(jobId, masterJobId);
        return workspace + ":" + recipeId + ":" + original;
    }

    /** The id of the job the incident is about: the master when the job is a repeat. */
    public static String originalJobId(String jobId, String masterJobId) {
        if (masterJobId != null && !masterJobId.isBlank()) {
            return masterJobId;
        }
        if (jobId == null || jobId.isBlank()) {
            throw new IllegalArgumentException("jobId is required when there is no masterJobId");
        }
        return jobId;
    }
}
