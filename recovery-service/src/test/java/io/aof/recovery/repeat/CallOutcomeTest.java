package io.aof.recovery.repeat;

import io.aof.common.events.AofEvent;
import io.aof.common.events.RecoveryEvent.RepeatDeferred;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.workato.WorkatoProperties;
import io.aof.testsupport.TestClock;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the worker makes of each answer to {@code repeat_jobs}, one worker tick at a time on a clock that stands
 * still until the test moves it (the database's clock runs as it does; rows are made due by setting their due
 * times back, never by sleeping): the state each request is left in, and the events written with it, compared
 * as whole lists ({@link RecoveryInstance#eventLines()}).
 */
class CallOutcomeTest extends OneRecoveryInstance {

    final TestClock clock = new TestClock(Instant.parse("2026-11-28T03:00:00Z"));

    @Override
    Clock clock() {
        return clock;
    }

    @Test
    void anEnqueuedRepeatIsAcceptedAndReportedOnceWithTheInjectedClocksTime() {
        recovery.deliver(request(7, "j-1"));

        tick();

        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("ACCEPTED");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");
        assertThat(recovery.events()).extracting(AofEvent::occurredAt).containsExactly(clock.instant());
        tick();
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");
        assertThat(workato.repeatCallCount()).isEqualTo(1);
    }

    @Test
    void aBatchIsAnsweredJobByJob() {
        workato.refuse.put("j-2", "\"Job not found\"");
        recovery.deliver(request(7, "j-1"));
        recovery.deliver(request(7, "j-2"));
        recovery.deliver(request(7, "j-3"));

        tick();

        assertThat(workato.repeatCalls).singleElement().satisfies(ids ->
                assertThat(ids).containsExactlyInAnyOrder("j-1", "j-2", "j-3"));
        assertThat(recovery.eventLines()).containsExactlyInAnyOrder("JobRepeated w:7:j-1#1",
                "RecoveryOutcome w:7:j-2#1 REJECTED", "JobRepeated w:7:j-3#1");
        assertThat(rows()).containsExactly("w:7:j-1 ACCEPTED", "w:7:j-2 DONE REJECTED", "w:7:j-3 ACCEPTED");
        assertThat(recovery.jdbc.queryForObject("SELECT error FROM repeat_request WHERE job_id = 'j-2'",
                String.class)).isEqualTo("Job not found");
    }

    @Test
    void a429DefersTheRequestWithoutSpendingTheAttemptAndSaysSoOnce() {
        workato.down(429);   // Retry-After: 1
        recovery.deliver(request(7, "j-1"));

        tick();

        assertThat(rows()).containsExactly("w:7:j-1 PENDING");
        assertThat(recovery.eventLines()).containsExactly("RepeatDeferred w:7:j-1#1");
        assertThat(recovery.events()).singleElement().isInstanceOfSatisfying(RepeatDeferred.class,
                d -> assertThat(d.nextTryAt()).isNotNull());
        assertThat(recovery.hold.isShared()).isTrue();   // every service of the account waits, not only recovery

        // due again on the database's clock while the account is still held (a longer Retry-After, say):
        // nothing is claimed, nothing told again
        recovery.jdbc.update("UPDATE " + recovery.holdSchema + ".workato_hold SET hold_until = now() "
                + "+ interval '1 minute'");
        dueNow();
        tick();
        assertThat(recovery.jdbc.queryForObject("SELECT tries FROM repeat_request", Integer.class)).isEqualTo(1);
        assertThat(workato.repeatCallCount()).isEqualTo(1);

        // the hold ends: sent once, accepted
        workato.up();
        recovery.jdbc.update("UPDATE " + recovery.holdSchema + ".workato_hold SET hold_until = now()");
        tick();
        assertThat(rows()).containsExactly("w:7:j-1 ACCEPTED");
        assertThat(recovery.eventLines()).containsExactly("RepeatDeferred w:7:j-1#1", "JobRepeated w:7:j-1#1");
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
    }

    @Test
    void aCallThatTookEffectButLostItsAnswerIsReconciledNotSentAgain() {
        workato.loseAnswers = true;   // enqueued, then a 503
        recovery.deliver(request(7, "j-1"));

        tick();
        assertThat(rows()).containsExactly("w:7:j-1 CALLING");   // the answer is unknown
        assertThat(recovery.eventLines()).isEmpty();

        workato.loseAnswers = false;
        dueNow();
        tick();

        assertThat(rows()).containsExactly("w:7:j-1 ACCEPTED");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");
        assertThat(workato.repeatCallCount()).isEqualTo(1);
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
        assertThat(recovery.meters().counter("aof.repeats.reconciled", "found", "true").count()).isEqualTo(1.0);
    }

    @Test
    void aCallThatGotA5xxWithoutEffectIsSentAgainOnceReconciliationFindsNoRepeat() {
        workato.down(503);
        recovery.deliver(request(7, "j-1"));
        tick();
        assertThat(rows()).containsExactly("w:7:j-1 CALLING");

        workato.up();
        dueNow();
        tick();

        assertThat(rows()).containsExactly("w:7:j-1 ACCEPTED");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");
        assertThat(workato.repeatCallCount()).isEqualTo(2);
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
        assertThat(recovery.meters().counter("aof.repeats.reconciled", "found", "false").count()).isEqualTo(1.0);
    }

    @Test
    void aClientErrorRejectsTheAttemptButAnAuthErrorOnlyDefersIt() {
        workato.down(400);
        recovery.deliver(request(7, "j-1"));
        tick();
        workato.down(401);
        recovery.deliver(request(8, "j-2"));
        tick();

        assertThat(rows()).containsExactly("w:7:j-1 DONE REJECTED", "w:8:j-2 PENDING");
        assertThat(recovery.eventLines()).containsExactly("RecoveryOutcome w:7:j-1#1 REJECTED",
                "RepeatDeferred w:8:j-2#1");
    }

    @Test
    void anOpenBreakerPausesThisInstanceOnItsOwnClockAndDefersWithoutSpendingTheAttempt() throws Exception {
        WorkatoProperties.Resilience opensAtOnce = new WorkatoProperties.Resilience(6000, Duration.ofSeconds(1), 1,
                Duration.ofMillis(10), Duration.ofSeconds(10), 50, 1, 1, Duration.ofMinutes(1));
        try (RecoveryInstance r = new RecoveryInstance(RecoveryInstance.newSchema(), workato.baseUrl(),
                RecoveryInstance.props(Duration.ofSeconds(2)), clock, opensAtOnce)) {
            workato.down(503);
            r.deliver(request(7, "j-1"));
            clock.advance(Duration.ofSeconds(1));
            r.worker().work();   // 503: answer unknown, and the breaker opens
            assertThat(r.state("w:7:j-1", 1)).isEqualTo("CALLING");

            r.deliver(request(8, "j-2"));
            clock.advance(Duration.ofSeconds(1));
            r.worker().work();   // recipe 8 was never served: first; refused by the open breaker, not sent
            assertThat(r.state("w:8:j-2", 1)).isEqualTo("PENDING");
            assertThat(r.eventLines()).containsExactly("RepeatDeferred w:8:j-2#1");
            Instant paused = clock.instant();

            // everything due again on the database's clock: this instance still waits out the breaker's minute
            r.jdbc.update("UPDATE repeat_request SET next_try_at = now()");
            r.jdbc.update("UPDATE repeat_pacer SET next_slot = now()");
            clock.advance(Duration.ofSeconds(59));
            r.worker().work();
            assertThat(totalTries(r)).isEqualTo(2);
            assertThat(workato.repeatCallCount()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(2));   // past the pause on this instance's clock: it takes a turn
            r.worker().work();
            assertThat(totalTries(r)).isEqualTo(3);
            assertThat(workato.repeatCallCount()).isEqualTo(1);   // the breaker is still open: nothing sent
            assertThat(r.eventLines()).containsExactly("RepeatDeferred w:8:j-2#1");   // told once
            assertThat(r.events()).extracting(AofEvent::occurredAt).containsExactly(paused);
        }
    }

    @Test
    void aRequestDeliveredAgainOrSentAgainIsRecordedAndRepeatedOnce() {
        RecoveryRequested request = request(7, "j-1");
        recovery.deliver(request);
        recovery.deliver(request);   // redelivered (the same event: the inbox)
        recovery.deliver(request(7, "j-1"));   // sent again (another event, the same attempt: the key)

        tick();
        tick();

        assertThat(rows()).containsExactly("w:7:j-1 ACCEPTED");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
        assertThat(recovery.meters().counter("aof.repeats.requested").count()).isEqualTo(1.0);
    }

    @Test
    void aRequestClaimedByAnInstanceThatDiedBeforeItsCallIsReconciledAndSentOnceItsLeaseRunsOut() {
        recovery.deliver(request(7, "j-1"));
        recovery.store.claimDue(7, 25, Duration.ofMinutes(1));   // the claim of an instance killed right after

        tick();
        assertThat(workato.repeatCallCount()).isZero();   // leased: nobody else sends it

        dueNow();   // the lease runs out
        tick();

        assertThat(rows()).containsExactly("w:7:j-1 ACCEPTED");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");
        assertThat(workato.repeatCallCount()).isEqualTo(1);
        assertThat(recovery.meters().counter("aof.repeats.reconciled", "found", "false").count()).isEqualTo(1.0);
    }

    /** One tick of the worker, its clock a second on. */
    private void tick() {
        clock.advance(Duration.ofSeconds(1));
        recovery.worker().work();
    }

    /** Every request still to be sent is due, and the shared call slot free, on the database's clock. */
    private void dueNow() {
        recovery.jdbc.update("UPDATE repeat_request SET next_try_at = now() WHERE state IN ('PENDING', 'CALLING')");
        recovery.jdbc.update("UPDATE repeat_pacer SET next_slot = now()");
    }

    private List<String> rows() {
        return recovery.jdbc.queryForList("SELECT concat_ws(' ', incident_id, state, outcome) FROM "
                + "repeat_request ORDER BY incident_id, attempt", String.class);
    }

    private static int totalTries(RecoveryInstance r) {
        return r.jdbc.queryForObject("SELECT sum(tries) FROM repeat_request", Integer.class);
    }

    private static RecoveryRequested request(long recipe, String job) {
        return RecoveryRequested.of("w", recipe, job, "w:" + recipe + ":" + job, 1);
    }
}
