package io.aof.orchestrator.incident;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;

/**
 * Picks due retries from PostgreSQL. The incidents of the due rows are locked
 * with {@code FOR UPDATE SKIP LOCKED} (the incident first, then its schedule row,
 * the order of every other path: no deadlock with a resolve) and the rows deleted
 * in the same transaction that sends {@code RecoveryRequested} through the
 * outbox, so each (incident, attempt) is started exactly once, with any number
 * of orchestrator instances, and a restart loses none: an uncommitted pick
 * simply stays due. Due times are on the database's clock.
 */
@Component
class RetryScheduler {

    private static final Logger log = LoggerFactory.getLogger(RetryScheduler.class);
    private static final int BATCH = 100;

    private final IncidentStore incidents;
    private final IncidentService service;
    private final TransactionTemplate tx;

    RetryScheduler(IncidentStore incidents, IncidentService service, TransactionTemplate tx) {
        this.incidents = incidents;
        this.service = service;
        this.tx = tx;
    }

    @Scheduled(fixedDelayString = "${aof.orchestrator.scheduler-interval:1s}")
    void startDueRetries() {
        try {
            int started;
            do {
                started = startBatch();
            } while (started == BATCH);
        } catch (RuntimeException e) {
            log.warn("Starting due retries failed; they stay due: {}", e.toString());
        }
    }

    int startBatch() {
        Integer n = tx.execute(status -> {
            List<IncidentStore.DueRetry> due = incidents.lockDue(BATCH);
            for (IncidentStore.DueRetry d : due) {
                service.startAttempt(d.incidentId(), d.attempt());
            }
            return due.size();
        });
        return n == null ? 0 : n;
    }
}
