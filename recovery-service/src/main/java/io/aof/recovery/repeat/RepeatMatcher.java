package io.aof.recovery.repeat;

import io.aof.common.workato.WorkatoJob;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the repeat job Workato created for one attempt: a job whose
 * {@code master_job_id} is the original job, started no earlier than our call
 * (less the clock skew), and not already attributed to another attempt. The
 * oldest such job is the one our call created.
 */
final class RepeatMatcher {

    private RepeatMatcher() {
    }

    static Optional<WorkatoJob> find(List<WorkatoJob> jobs, String originalJobId, Instant callStartedAt,
                                     Duration clockSkew, Set<String> alreadyAttributed) {
        Instant notBefore = callStartedAt == null ? Instant.EPOCH : callStartedAt.minus(clockSkew);
        return jobs.stream()
                .filter(j -> originalJobId.equals(j.masterJobId()))
                .filter(j -> !alreadyAttributed.contains(j.id()))
                .filter(j -> j.startedAt() == null || !j.startedAt().isBefore(notBefore))
                .min(Comparator.comparing(j -> j.startedAt() == null ? Instant.MAX : j.startedAt()));
    }
}
