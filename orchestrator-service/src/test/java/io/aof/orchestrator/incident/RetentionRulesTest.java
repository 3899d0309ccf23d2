package io.aof.orchestrator.incident;

import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.retention.RetentionJob;
import io.aof.common.retention.RetentionRule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The orchestrator's retention rules on its real schema: what goes, and what must stay. */
class RetentionRulesTest {

    final OrchestratorDb db = new OrchestratorDb();
    final IncidentConfiguration config = new IncidentConfiguration();
    final RetentionRule attempts = config.incidentAttemptRetention();
    final RetentionRule audit = config.operatorActionRetention();
    final RetentionJob job = new RetentionJob(db.jdbc, List.of(attempts, audit), Map.of(), db.meters);

    @Test
    void defaultsAreHalfAYearOfAttemptsAndMoreThanAYearOfAudit() {
        assertThat(job.periods()).containsEntry(attempts, Duration.ofDays(180))
                .containsEntry(audit, Duration.ofDays(400));
    }

    @Test
    void attemptsGoOnlyWhenOldAndTheirIncidentIsClosed() {
        String closed = OrchestratorDb.incidentOf("j-1");
        String open = OrchestratorDb.incidentOf("j-2");
        for (String job : List.of("j-1", "j-2")) {
            db.given(OrchestratorDb.timeout(job));
            db.startDueNow(OrchestratorDb.incidentOf(job));
        }
        db.outcome(closed, 1, RecoveryOutcome.Status.SUCCEEDED);
        db.jdbc.update("UPDATE incident_attempt SET requested_at = now() - interval '181 days'");

        assertThat(job.purge(attempts)).isEqualTo(1);

        assertThat(db.jdbc.queryForList("SELECT incident_id FROM incident_attempt", String.class))
                .containsExactly(open);
        assertThat(db.jdbc.queryForObject("SELECT count(*) FROM incident", Integer.class)).isEqualTo(2);
    }

    @Test
    void attemptsOfAnIncidentWaitingForAMaintenanceWindowStay() {
        String held = OrchestratorDb.incidentOf("j-3");
        db.given(OrchestratorDb.timeout("j-3"));
        db.startDueNow(held);
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                java.time.Instant.now().plus(Duration.ofHours(1)), "ERP upgrade", "carol"));
        db.outcome(held, 1, RecoveryOutcome.Status.FAILED);   // held for the window, released when it ends
        db.jdbc.update("UPDATE incident_attempt SET requested_at = now() - interval '181 days'");

        assertThat(job.purge(attempts)).isZero();
        assertThat(db.jdbc.queryForList("SELECT incident_id FROM incident_attempt", String.class))
                .containsExactly(held);
    }

    @Test
    void theAuditTrailGoesAfterItsPeriod() {
        db.tx.executeWithoutResult(s -> {
            db.operatorActions.save(new OperatorAction("alice", "REPLAY", "x", "old"));
            db.operatorActions.save(new OperatorAction("bob", "RESOLVE", "y", "recent"));
        });
        db.jdbc.update("UPDATE operator_action SET at = now() - interval '401 days' WHERE requested_by = 'alice'");

        assertThat(job.purge(audit)).isEqualTo(1);
        assertThat(db.jdbc.queryForList("SELECT requested_by FROM operator_action", String.class))
                .containsExactly("bob");
    }
}
