package io.aof.common.events;

import java.time.Instant;
import java.util.UUID;

/**
 * A failed Workato job was collected (by polling or by a recipe's webhook).
 * {@code jobId} is the job that failed; {@code masterJobId} is set when that job
 * was itself a repeat, and then {@code incidentId} is the master's incident.
 * {@code notRepeatable}, when set, is why collation knows this job must never be
 * repeated whatever the policy says (a test job; a called job whose workflow root
 * did not fail): the incident opens not retryable with that reason.
 * {@code webhookSource} is the name of the configured webhook source whose
 * credential sent the report ({@code aof.collation.webhook.sources[n].name},
 * {@code default} for the single legacy token or secret); null for a polled
 * failure and in payloads written before the field existed.
 * {@code upstream} is the system the job failed against, as {@link io.aof.common.workato.Upstream}
 * derives it from the job Workato answered (the failed step's connector, else
 * the host in the error text); null when nothing names it, or in payloads
 * written before the field existed.
 */
public record JobFailed(
        UUID eventId,
        Instant occurredAt,
        int schemaVersion,
        String workspace,
        Long recipeId,
        String recipeName,
        Long folderId,
        String jobId,
        String masterJobId,
        String incidentId,
        String error,
        String errorType,
        Integer httpStatus,
        Instant jobStartedAt,
        Instant jobCompletedAt,
        CollectionSource source,
        String notRepeatable,
        String webhookSource,
        String upstream) implements AofEvent {

    public enum CollectionSource { POLL, WEBHOOK }

    @Override
    public Integer attempt() {
        return null;
    }

    /** True when the failed job was a repeat of an earlier job. */
    public boolean isRepeat() {
        return masterJobId != null && !masterJobId.isBlank();
    }

    public String originalJobId() {
        return IncidentId.originalJobId(jobId, masterJobId);
    }

    public static JobFailed of(String workspace, long recipeId, String recipeName, Long folderId, String jobId,
                               String masterJobId, String error, String errorType, Integer httpStatus,
                               Instant startedAt, Instant completedAt, CollectionSource source) {
        return of(workspace, recipeId, recipeName, folderId, jobId, masterJobId, error, errorType, httpStatus,
                startedAt, completedAt, source, null);
    }

    /** A failure reported through the webhook by the source named {@code webhookSource} (null: none). */
    public static JobFailed of(String workspace, long recipeId, String recipeName, Long folderId, String jobId,
                               String masterJobId, String error, String errorType, Integer httpStatus,
                               Instant startedAt, Instant completedAt, CollectionSource source,
                               String webhookSource) {
        return new JobFailed(UUID.randomUUID(), Instant.now(), SCHEMA_VERSION, workspace, recipeId, recipeName,
                folderId, jobId, masterJobId, IncidentId.of(workspace, recipeId, jobId, masterJobId), error,
                errorType, httpStatus, startedAt, completedAt, source, null, webhookSource, null);
    }

    /**
     * This failure with {@code masterJobId} as its master (null: none) and the
     * incident that follows from it: the master's incident for a repeat, the
     * job's own otherwise.
     */
    public JobFailed withMaster(String masterJobId) {
        return new JobFailed(eventId, occurredAt, schemaVersion, workspace, recipeId, recipeName, folderId, jobId,
                masterJobId, IncidentId.of(workspace, recipeId, jobId, masterJobId), error, errorType, httpStatus,
                jobStartedAt, jobCompletedAt, source, notRepeatable, webhookSource, upstream);
    }

    /** This failure with the error type and HTTP status it does not say yet taken from these. */
    public JobFailed withErrorDetail(String errorType, Integer httpStatus) {
        return new JobFailed(eventId, occurredAt, schemaVersion, workspace, recipeId, recipeName, folderId, jobId,
                masterJobId, incidentId, error, this.errorType != null ? this.errorType : errorType,
                this.httpStatus != null ? this.httpStatus : httpStatus, jobStartedAt, jobCompletedAt, source,
                notRepeatable, webhookSource, upstream);
    }

    /**
     * This failure with what the job Workato answered says of it and this does not say yet: the failed step's
     * error type and HTTP status, and the upstream it failed against.
     */
    public JobFailed withJobDetail(io.aof.common.workato.WorkatoJob job) {
        JobFailed detailed = withErrorDetail(job.errorTypeId(), job.httpStatus());
        return detailed.upstream != null ? detailed : detailed.withUpstream(io.aof.common.workato.Upstream.of(job));
    }

    /** This failure as one against {@code upstream} (null: not known). */
    public JobFailed withUpstream(String upstream) {
        return new JobFailed(eventId, occurredAt, schemaVersion, workspace, recipeId, recipeName, folderId, jobId,
                masterJobId, incidentId, error, errorType, httpStatus, jobStartedAt, jobCompletedAt, source,
                notRepeatable, webhookSource, upstream);
    }

    /** This failure, marked as one AOF must never repeat, and why. */
    public JobFailed notRepeatable(String reason) {
        return new JobFailed(eventId, occurredAt, schemaVersion, workspace, recipeId, recipeName, folderId, jobId,
                masterJobId, incidentId, error, errorType, httpStatus, jobStartedAt, jobCompletedAt, source, reason,
                webhookSource, upstream);
    }
}
