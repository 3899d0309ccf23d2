package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import io.aof.common.events.OperatorActed;
import io.aof.common.events.Topics;
import io.aof.common.ops.DomainException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bulk actions by filter: the dry run first, then the action on exactly what it counted, each audited. */
class BulkActionsTest {

    final OrchestratorDb db = new OrchestratorDb();
    final BulkActions bulk = new BulkActions(db.incidents, db.service, db.tx);

    static IncidentStore.IncidentFilter upstream(String name) {
        return new IncidentStore.IncidentFilter(null, null, null, name, null, null, null);
    }

    @Test
    void aDryRunCountsAndSamplesThenTheResolveActsOnThoseItCountedEachAudited() {
        for (int k = 1; k <= 3; k++) {
            db.given(OrchestratorDb.timeout("n-" + k).withUpstream("netsuite"));
        }
        db.given(OrchestratorDb.timeout("other"));   // no upstream: not matched
        db.tx.execute(s -> db.service.resolve(OrchestratorDb.incidentOf("n-3"), "bob", "done by hand"));

        BulkActions.Preview preview = bulk.preview(BulkActions.Action.RESOLVE, upstream("netsuite"));
        assertThat(preview.matched()).isEqualTo(3);
        assertThat(preview.eligible()).isEqualTo(2);
        assertThat(preview.sample()).containsExactly(OrchestratorDb.incidentOf("n-1"),
                OrchestratorDb.incidentOf("n-2"), OrchestratorDb.incidentOf("n-3"));
        assertThat(db.incident(OrchestratorDb.incidentOf("n-1")).state()).isEqualTo(IncidentState.RETRY_SCHEDULED);

        BulkActions.Result result = bulk.apply(BulkActions.Action.RESOLVE, upstream("netsuite"), 3, "alice",
                "NetSuite data fixed by hand");

        assertThat(result.done()).isEqualTo(2);
        assertThat(result.skipped()).isEqualTo(1);
        assertThat(result.skippedBecause()).containsOnlyKeys("is already MANUALLY_RESOLVED");
        assertThat(db.incident(OrchestratorDb.incidentOf("n-1")).state()).isEqualTo(IncidentState.MANUALLY_RESOLVED);
        assertThat(db.incident(OrchestratorDb.incidentOf("other")).state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThat(db.events(Topics.OPERATOR_ACTIONS, OperatorActed.class)).filteredOn(a -> a.actor().equals("alice"))
                .hasSize(2).allSatisfy(a -> {
                    assertThat(a.action()).isEqualTo(OperatorActed.Action.RESOLVE);
                    assertThat(a.reason()).isEqualTo("NetSuite data fixed by hand");
                });
    }

    @Test
    void theActionRefusesACountThatMovedSinceTheDryRunAndAnEmptyFilter() {
        db.given(OrchestratorDb.timeout("n-1").withUpstream("netsuite"));
        int counted = bulk.preview(BulkActions.Action.RESOLVE, upstream("netsuite")).matched();
        db.given(OrchestratorDb.timeout("n-2").withUpstream("netsuite"));   // arrived since

        assertThatThrownBy(() -> bulk.apply(BulkActions.Action.RESOLVE, upstream("netsuite"), counted, "alice", "x"))
                .isInstanceOf(DomainException.class).hasMessageContaining("matches 2 incidents now, not the 1");
        assertThat(db.incident(OrchestratorDb.incidentOf("n-1")).state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThatThrownBy(() -> bulk.preview(BulkActions.Action.REPLAY,
                new IncidentStore.IncidentFilter(null, null, null, null, null, null, null)))
                .isInstanceOf(DomainException.class).hasMessageContaining("at least one filter");
    }

    @Test
    void aBulkReplayGivesFreshAttemptsToTheExhaustedOnesOfAFilter() {
        db.given(OrchestratorDb.timeout("n-1").withUpstream("netsuite"));
        String id = OrchestratorDb.incidentOf("n-1");
        for (int attempt = 1; attempt <= 3; attempt++) {
            db.startDueNow(id);
            db.outcome(id, attempt, io.aof.common.events.RecoveryEvent.RecoveryOutcome.Status.FAILED);
        }
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.EXHAUSTED);
        var exhausted = new IncidentStore.IncidentFilter(IncidentState.EXHAUSTED, null, null, "netsuite", null,
                null, null);

        BulkActions.Result r = bulk.apply(BulkActions.Action.REPLAY, exhausted,
                bulk.preview(BulkActions.Action.REPLAY, exhausted).matched(), "alice", "NetSuite is back");

        assertThat(r.done()).isEqualTo(1);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThat(db.incident(id).maxAttempts()).isEqualTo(6);
    }
}
