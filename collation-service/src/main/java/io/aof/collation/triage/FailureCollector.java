package io.aof.collation.triage;

import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.util.List;

/**
 * Collection is idempotent: a failed job is published once, whether it is seen
 * by a poll, a webhook, or both, any number of times. The job id is the natural
 * key; the insert and the outgoing event commit together.
 */
@Component
public class FailureCollector {

    private final CollectedJobStore collected;
    private final Outbox outbox;
    private final MeterRegistry meters;

    public FailureCollector(CollectedJobStore collected, Outbox outbox, MeterRegistry meters) {
        this.collected = collected;
        this.outbox = outbox;
        this.meters = meters;
        // published from the start (0), not only after the first duplicate: dashboards and alerts see the series
        for (String source : List.of("POLL", "WEBHOOK")) {
            meters.counter("aof.collation.duplicates", "source", source);
            meters.counter("aof.collation.test.jobs", "source", source);
            for (String outcome : List.of("linked", "not_repeatable")) {
                meters.counter("aof.collation.called.jobs", "source", source, "outcome", outcome);
            }
        }
    }

    /** Whether this job was collected already (by a poll, a webhook, or an earlier read). */
    public boolean isCollected(String jobId) {
        return collected.isCollected(jobId);
    }

    /** Which of these jobs were collected already. */
    public java.util.Set<String> collectedAmong(List<String> jobIds) {
        return collected.collectedAmong(jobIds);
    }

    public void countDuplicate(JobFailed.CollectionSource source) {
        meters.counter("aof.collation.duplicates", "source", source.name()).increment();
    }

    /**
     * A test job ({@code is_test}): remembered (so a later poll or webhook is a
     * duplicate) but never published: it ran by hand in the recipe editor, in
     * front of the person testing it, and it must never be repeated.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean skipTestJob(JobFailed failure) {
        if (!collected.insert(failure.jobId(), failure.recipeId(), failure.incidentId(), failure.source().name(),
                CollectedJobStore.Disposition.TEST_JOB)) {
            countDuplicate(failure.source());
            return false;
        }
        meters.counter("aof.collation.test.jobs", "source", failure.source().name()).increment();
        return true;
    }

    /**
     * A failed called job whose workflow root failed too: the root's failure is
     * collected (published unless already known) and the child is recorded as
     * linked to the root's incident, never an incident of its own; repeating the
     * root runs the child again.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean link(JobFailed child, JobFailed root) {
        collect(root);
        if (!collected.insert(child.jobId(), child.recipeId(), root.incidentId(), child.source().name(),
                CollectedJobStore.Disposition.LINKED)) {
            countDuplicate(child.source());
            return false;
        }
        meters.counter("aof.collation.called.jobs", "source", child.source().name(), "outcome", "linked")
                .increment();
        return true;
    }

    /** Returns true when the failure is new and {@code JobFailed} was written to the outbox. */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean collect(JobFailed failure) {
        return collect(failure, failure.notRepeatable() != null);
    }

    /**
     * As {@link #collect(JobFailed)}; {@code calledJob} says whether a not-repeatable
     * failure is counted as a called job (an unverified webhook failure is not one).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean collect(JobFailed failure, boolean calledJob) {
        if (!collected.insert(failure.jobId(), failure.recipeId(), failure.incidentId(), failure.source().name())) {
            meters.counter("aof.collation.duplicates", "source", failure.source().name()).increment();
            return false;
        }
        outbox.append(Topics.JOB_FAILURES, failure);
        meters.counter("aof.failures.collected", "source", failure.source().name(),
                "repeat", String.valueOf(failure.isRepeat())).increment();
        if (calledJob && failure.notRepeatable() != null) {
            meters.counter("aof.collation.called.jobs", "source", failure.source().name(), "outcome",
                    "not_repeatable").increment();
        }
        return true;
    }
}
