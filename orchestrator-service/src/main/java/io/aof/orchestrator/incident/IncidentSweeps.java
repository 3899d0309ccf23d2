package io.aof.orchestrator.incident;

import io.aof.orchestrator.policy.OrchestratorProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;

/**
 * Incidents that wait for something that may never come by itself:
 * <ul>
 * <li>RETRYING with no outcome and no sign from recovery past the outcome
 * deadline (a lost request or outcome): recovery is asked, then the incident is
 * settled ({@link IncidentService#settleOverdue});</li>
 * <li>SUPPRESSED whose recipe's maintenance window is over: released once
 * ({@link IncidentService#releaseSuppressed}).</li>
 * </ul>
 * Each batch locks its incidents {@code FOR UPDATE SKIP LOCKED} in one
 * transaction with the decisions, so several orchestrators never settle or
 * release one twice.
 */
@Component
class IncidentSweeps {

    private static final Logger log = LoggerFactory.getLogger(IncidentSweeps.class);
    static final int BATCH = 100;

    private final IncidentStore incidents;
    private final IncidentService service;
    private final TransactionTemplate tx;
    private final OrchestratorProperties.OutcomeSweep sweep;

    IncidentSweeps(IncidentStore incidents, IncidentService service, TransactionTemplate tx,
                   OrchestratorProperties props) {
        this.incidents = incidents;
        this.service = service;
        this.tx = tx;
        this.sweep = props.outcomeSweep();
    }

    @Scheduled(fixedDelayString = "${aof.orchestrator.outcome-sweep.interval:1m}", initialDelay = 30_000)
    void settleOverdue() {
        try {
            while (settleBatch() == BATCH) {
                // the next batch
            }
        } catch (RuntimeException e) {
            log.warn("Settling overdue attempts failed; tried again next round: {}", e.toString());
        }
    }

    @Scheduled(fixedDelayString = "${aof.orchestrator.suppression-release-interval:30s}", initialDelay = 10_000)
    void releaseSuppressed() {
        try {
            while (releaseBatch() == BATCH) {
                // the next batch
            }
        } catch (RuntimeException e) {
            log.warn("Releasing suppressed incidents failed; tried again next round: {}", e.toString());
        }
    }

    int settleBatch() {
        Integer n = tx.execute(s -> {
            List<IncidentStore.Overdue> overdue = incidents.lockOverdue(sweep.deadline(), sweep.askInterval(),
                    BATCH);
            overdue.forEach(service::settleOverdue);
            return overdue.size();
        });
        return n == null ? 0 : n;
    }

    int releaseBatch() {
        Integer n = tx.execute(s -> {
            List<String> ids = incidents.lockReleasable(BATCH);
            ids.forEach(service::releaseSuppressed);
            return ids.size();
        });
        return n == null ? 0 : n;
    }
}
