package io.aof.collation;

import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.jdbc.core.JdbcTemplate;
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
class FailureCollector {

    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final MeterRegistry meters;

    FailureCollector(JdbcTemplate jdbc, Outbox outbox, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.meters = meters;
        // published from the start (0), not only after the first duplicate: dashboards and alerts see the series
        for (String source : List.of("POLL", "WEBHOOK")) {
            meters.counter("aof.collation.duplicates", "source", source);
        }
    }

    /** Returns true when the failure is new and {@code JobFailed} was written to the outbox. */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean collect(JobFailed failure) {
        int inserted = jdbc.update("INSERT INTO collected_job (job_id, recipe_id, incident_id, source) "
                        + "VALUES (?, ?, ?, ?) ON CONFLICT (job_id) DO NOTHING",
                failure.jobId(), failure.recipeId(), failure.incidentId(), failure.source().name());
        if (inserted == 0) {
            meters.counter("aof.collation.duplicates", "source", failure.source().name()).increment();
            return false;
        }
        outbox.append(Topics.JOB_FAILURES, failure);
        meters.counter("aof.failures.collected", "source", failure.source().name(),
                "repeat", String.valueOf(failure.isRepeat())).increment();
        return true;
    }
}
