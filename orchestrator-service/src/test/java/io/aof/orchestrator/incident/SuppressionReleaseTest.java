package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.orchestrator.policy.OrchestratorProperties.AfterSuppression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failure kept during a maintenance window is not forgotten: when the window
 * ends (runs out or is ended by an operator) it is scheduled (attempt 1) or
 * announced, by the policy's after-suppression, once, with two orchestrators.
 */
class SuppressionReleaseTest {

    final ExecutorService threads = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    static void window(OrchestratorDb db) {
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                Instant.now().plus(Duration.ofHours(1)), "ERP upgrade", "carol"));
    }

    static void windowRunsOut(OrchestratorDb db) {
        db.jdbc.update("UPDATE recipe_suppression SET until = now() - interval '1 second'");
    }

    static IncidentSweeps sweeps(OrchestratorDb db) {
        return new IncidentSweeps(db.incidents, db.service, db.tx, db.props);
    }

    @Test
    void whenTheWindowRunsOutASuppressedFailureIsScheduledOnceEvenWithTwoOrchestrators() throws Exception {
        OrchestratorDb db = new OrchestratorDb();
        String id = OrchestratorDb.incidentOf("j-1");
        window(db);
        db.given(OrchestratorDb.timeout("j-1"));
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.SUPPRESSED);
        assertThat(db.incident(id).closedAt()).isNull();         // not closed: it waits for the window
        assertThat(sweeps(db).releaseBatch()).isZero();          // the window is still on
        windowRunsOut(db);

        // orchestrator A releases it and has not committed yet; orchestrator B sweeps meanwhile
        CountDownLatch released = new CountDownLatch(1);
        CountDownLatch bLooked = new CountDownLatch(1);
        Future<Integer> a = threads.submit(() -> db.tx.execute(s -> {
            var ids = db.incidents.lockReleasable(100);
            ids.forEach(db.service::releaseSuppressed);
            released.countDown();
            await(bLooked);
            return ids.size();
        }));
        assertThat(released.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(sweeps(db).releaseBatch()).isZero();          // B skips what A holds
        bLooked.countDown();
        assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(sweeps(db).releaseBatch()).isZero();          // and nothing is left after A's commit

        Incident i = db.incident(id);
        assertThat(i.state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThat(i.closedAt()).isNull();
        assertThat(db.scheduled(id)).isEqualTo(1);
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.RetryScheduled.class))
                .singleElement().satisfies(e -> assertThat(e.attempt()).isEqualTo(1));
        // nobody was told during the window; now ops hear of the failure as of any other
        assertThat(db.events(Topics.NOTIFICATION_REQUESTS, NotificationRequested.class))
                .extracting(NotificationRequested::kind).containsExactly(NotificationRequested.Kind.FIRST_FAILURE);
        assertThat(db.counter("aof.incidents.released", "decision", "SCHEDULED")).isEqualTo(1);
    }

    @Test
    void aWindowEndedByAnOperatorReleasesAndAnExtendedOneDoesNot() {
        OrchestratorDb db = new OrchestratorDb();
        String id = OrchestratorDb.incidentOf("j-2");
        window(db);                                             // one hour
        db.given(OrchestratorDb.timeout("j-2"));
        // extended by an operator to two hours (the incident was held under the first end)
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                Instant.now().plus(Duration.ofHours(2)), "ERP upgrade takes longer", "carol"));
        // 61 minutes later: past the first end, within the extended one
        db.jdbc.update("UPDATE recipe_suppression SET until = until - interval '61 minutes'");
        assertThat(db.jdbc.queryForObject("SELECT until > now() FROM recipe_suppression", Boolean.class)).isTrue();
        assertThat(sweeps(db).releaseBatch()).isZero();
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.SUPPRESSED);

        assertThat(db.endWindow(OrchestratorDb.RECIPE)).isTrue();   // DELETE /api/suppressions/{recipe}
        assertThat(sweeps(db).releaseBatch()).isEqualTo(1);
        assertThat(sweeps(db).releaseBatch()).isZero();
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.RetryScheduled.class)).singleElement()
                .satisfies(e -> assertThat(e.attempt()).isEqualTo(1));
        assertThat(db.counter("aof.incidents.released", "decision", "SCHEDULED")).isEqualTo(1);
    }

    @Test
    void anAnnounceOnlyPolicyTellsOpsAndRepeatsNothing() {
        OrchestratorDb db = new OrchestratorDb(Clock.systemUTC(), AfterSuppression.ANNOUNCE);
        String id = OrchestratorDb.incidentOf("j-3");
        window(db);
        db.given(OrchestratorDb.timeout("j-3"));
        windowRunsOut(db);

        assertThat(sweeps(db).releaseBatch()).isEqualTo(1);

        assertThat(db.incident(id).state()).isEqualTo(IncidentState.NON_RETRYABLE);
        assertThat(db.scheduled(id)).isZero();
        assertThat(db.events(Topics.NOTIFICATION_REQUESTS, NotificationRequested.class))
                .filteredOn(n -> n.audience() == NotificationRequested.Audience.OPS)
                .singleElement().satisfies(n -> {
                    assertThat(n.kind()).isEqualTo(NotificationRequested.Kind.NON_RETRYABLE);
                    assertThat(n.error()).contains("maintenance window", "ANNOUNCE");
                });
        // people decide: a replay repeats it
        assertThat(db.tx.execute(s -> db.service.replay(id, "carol", "after the upgrade")).state())
                .isEqualTo(IncidentState.RETRY_SCHEDULED);
    }

    @Test
    void failuresThatMustNotBeRepeatedAreAnnouncedNotScheduled() {
        OrchestratorDb db = new OrchestratorDb();
        window(db);
        db.given(OrchestratorDb.failure("j-4", "401 Unauthorized", 401));               // AUTH: not retryable
        db.given(OrchestratorDb.timeout("j-5").notRepeatable("a test job (is_test)"));  // collation says never
        windowRunsOut(db);

        assertThat(sweeps(db).releaseBatch()).isEqualTo(2);

        assertThat(db.incident(OrchestratorDb.incidentOf("j-4")).state()).isEqualTo(IncidentState.NON_RETRYABLE);
        assertThat(db.incident(OrchestratorDb.incidentOf("j-5")).state()).isEqualTo(IncidentState.NON_RETRYABLE);
        assertThat(db.jdbc.queryForObject("SELECT count(*) FROM scheduled_retry", Integer.class)).isZero();
        assertThat(db.counter("aof.incidents.released", "decision", "NOT_REPEATED")).isEqualTo(2);
    }

    @Test
    void incidentsSuppressedBeforeWindowsWereReleasedStayAsTheyWere() {
        OrchestratorDb db = new OrchestratorDb();
        window(db);
        db.given(OrchestratorDb.timeout("j-6"));
        db.jdbc.update("UPDATE incident SET closed_at = now()");   // as migrated from before V4 (SUPPRESSED was final)
        windowRunsOut(db);

        assertThat(sweeps(db).releaseBatch()).isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
