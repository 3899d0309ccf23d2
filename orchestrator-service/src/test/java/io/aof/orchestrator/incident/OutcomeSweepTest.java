package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.RecoveryCommand;
import io.aof.common.events.RecoveryEvent;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import io.aof.common.events.AofEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.aof.common.ops.DomainException;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Incidents left RETRYING (a lost request or outcome) are settled: recovery is
 * asked after the outcome deadline (45 min of silence here), at most once per
 * ask interval (10 min); NOT_REQUESTED requests the same attempt again; after 3
 * unanswered asks the incident is exhausted, alerted and its request cancelled,
 * never repeated. Time passes by moving the attempt's timestamps back on the
 * database's clock.
 */
class OutcomeSweepTest {

    final OrchestratorDb db = new OrchestratorDb();
    final String id = OrchestratorDb.incidentOf("j-1");
    IncidentSweeps sweeps;

    @BeforeEach
    void retrying() {
        sweeps = new IncidentSweeps(db.incidents, db.service, db.tx, db.props);
        db.given(OrchestratorDb.timeout("j-1"));
        db.startDueNow(id);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);
    }

    void silentFor(String interval) {
        db.jdbc.update("UPDATE incident_attempt SET waiting_since = now() - ?::interval, "
                + "last_asked_at = CASE WHEN last_asked_at IS NULL THEN NULL ELSE now() - ?::interval END",
                interval, interval);
    }

    long asks() {
        return db.outbox(Topics.RECOVERY_REQUESTS.name()).stream().filter("OutcomeRequested"::equals).count();
    }

    @Test
    void anAttemptWithinTheDeadlineIsLeftAlone() {
        silentFor("44 minutes");
        assertThat(sweeps.settleBatch()).isZero();
        assertThat(asks()).isZero();
    }

    @Test
    void anAttemptSilentPastTheDeadlineIsAskedAboutOncePerAskInterval() {
        silentFor("46 minutes");
        assertThat(sweeps.settleBatch()).isEqualTo(1);
        assertThat(sweeps.settleBatch()).isZero();   // asked a moment ago
        assertThat(asks()).isEqualTo(1);
        var ask = db.events(Topics.RECOVERY_REQUESTS, RecoveryCommand.OutcomeRequested.class).get(0);
        assertThat(ask.incidentId()).isEqualTo(id);
        assertThat(ask.attempt()).isEqualTo(1);
        assertThat(db.keysOf(Topics.RECOVERY_REQUESTS.name(), "OutcomeRequested")).containsExactly(id);

        db.jdbc.update("UPDATE incident_attempt SET last_asked_at = now() - interval '9 minutes'");
        assertThat(sweeps.settleBatch()).isZero();
        db.jdbc.update("UPDATE incident_attempt SET last_asked_at = now() - interval '11 minutes'");
        assertThat(sweeps.settleBatch()).isEqualTo(1);
        assertThat(asks()).isEqualTo(2);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);
    }

    @Test
    void aDeferredRepeatRestartsTheDeadline() {
        silentFor("46 minutes");
        db.tx.executeWithoutResult(s -> db.service.onRepeatDeferred(new RecoveryEvent.RepeatDeferred(
                UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", 7L, "j-1", id, 1, "429",
                Instant.now().plusSeconds(60))));
        assertThat(sweeps.settleBatch()).isZero();
    }

    @Test
    void anAnsweredAskResetsTheCountOfUnansweredAsksSoAnAttemptRecoveryStillHoldsIsNotExhausted() {
        for (int i = 0; i < 3; i++) {
            silentFor("46 minutes");
            assertThat(sweeps.settleBatch()).isEqualTo(1);
            // recovery answers each ask with a sign of life (Workato is down, the request waits)
            stillInProgress();
        }
        assertThat(asks()).isEqualTo(3);

        silentFor("46 minutes");
        assertThat(sweeps.settleBatch()).isEqualTo(1);
        assertThat(asks()).isEqualTo(4);   // asked again, not given up
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);
        assertThat(db.events(Topics.RECOVERY_REQUESTS, RecoveryCommand.RecoveryCancelled.class)).isEmpty();

        // silence from here on: max-asks unanswered asks, counted from the last answer, before giving up
        for (int i = 0; i < 2; i++) {
            silentFor("46 minutes");
            assertThat(sweeps.settleBatch()).isEqualTo(1);
        }
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);
        silentFor("46 minutes");
        assertThat(sweeps.settleBatch()).isEqualTo(1);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.EXHAUSTED);
        assertThat(asks()).isEqualTo(6);
    }

    private void stillInProgress() {
        db.tx.executeWithoutResult(s -> db.service.onRepeatDeferred(new RecoveryEvent.RepeatDeferred(
                UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", 7L, "j-1", id, 1,
                "still in progress: PENDING", null)));
    }

    @Test
    void notRequestedRequestsTheSameAttemptAgain() {
        silentFor("46 minutes");
        sweeps.settleBatch();

        db.outcome(id, 1, RecoveryOutcome.Status.NOT_REQUESTED);

        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);
        assertThat(db.incident(id).attempt()).isEqualTo(1);
        assertThat(db.events(Topics.RECOVERY_REQUESTS, RecoveryRequested.class))
                .extracting(RecoveryRequested::attempt).containsExactly(1, 1);
        assertThat(db.counter("aof.retries.rerequested")).isEqualTo(1);
        // the deadline counts again from the new request
        assertThat(sweeps.settleBatch()).isZero();
        // and a late real outcome of that attempt still decides
        db.outcome(id, 1, RecoveryOutcome.Status.SUCCEEDED);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RECOVERED);
    }

    @Test
    void afterTheLastUnansweredAskTheIncidentIsExhaustedAlertedAndItsRequestCancelledNeverRepeated() {
        for (int i = 0; i < 3; i++) {
            silentFor("46 minutes");
            assertThat(sweeps.settleBatch()).isEqualTo(1);
        }
        assertThat(asks()).isEqualTo(3);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);

        silentFor("46 minutes");
        assertThat(sweeps.settleBatch()).isEqualTo(1);

        Incident i = db.incident(id);
        assertThat(i.state()).isEqualTo(IncidentState.EXHAUSTED);
        assertThat(db.scheduled(id)).isZero();
        assertThat(db.events(Topics.RECOVERY_REQUESTS, RecoveryRequested.class)).hasSize(1);   // never again
        assertThat(db.events(Topics.RECOVERY_REQUESTS, RecoveryCommand.RecoveryCancelled.class))
                .singleElement().satisfies(c -> assertThat(c.attempt()).isEqualTo(1));
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.RetriesExhausted.class))
                .singleElement().satisfies(e -> assertThat(e.reason()).contains("no outcome of attempt 1",
                        "did not answer 3 asks", "avoid running the job twice"));
        assertThat(db.events(Topics.NOTIFICATION_REQUESTS, NotificationRequested.class))
                .filteredOn(n -> n.kind() == NotificationRequested.Kind.EXHAUSTED)
                .allSatisfy(n -> assertThat(n.title()).isEqualTo("No outcome of the repeat; not repeated again"))
                .extracting(NotificationRequested::audience)
                .contains(NotificationRequested.Audience.OPS, NotificationRequested.Audience.SUPER_ADMIN);
        assertThat(db.counter("aof.outcomes.unanswered")).isEqualTo(1);
        // a late outcome changes nothing
        db.outcome(id, 1, RecoveryOutcome.Status.FAILED);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.EXHAUSTED);
    }

    @Test
    void aRetryingIncidentIsReplayableOnlyPastTheDeadlineAndItsPendingRequestIsCancelled() {
        assertThatThrownBy(() -> db.tx.execute(s -> db.service.replay(id, "alice", "stuck?")))
                .isInstanceOf(DomainException.class).hasMessageContaining("attempt 1 is in progress");

        silentFor("46 minutes");
        Incident replayed = db.tx.execute(s -> db.service.replay(id, "alice", "recovery lost it"));

        assertThat(replayed.state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThat(db.outbox(Topics.RECOVERY_REQUESTS.name())).containsExactly("RecoveryRequested",
                "RecoveryCancelled");
        db.startDueNow(id);
        // the next request has a number above the cancelled one
        assertThat(db.events(Topics.RECOVERY_REQUESTS, RecoveryRequested.class))
                .extracting(RecoveryRequested::attempt).containsExactly(1, 2);
    }

    @Test
    void aRetryingIncidentIsResolvable() {
        assertThat(db.tx.execute(s -> db.service.resolve(id, "bob", "ran it by hand")).state())
                .isEqualTo(IncidentState.MANUALLY_RESOLVED);
    }
}
