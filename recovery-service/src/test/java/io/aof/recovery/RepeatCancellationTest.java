package io.aof.recovery;

import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryRequested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12 #6: an incident resolved while Workato is down. The pending repeat is
 * cancelled and never sent, also after Workato is back; a request that arrives
 * after the cancellation is never sent either.
 */
class RepeatCancellationTest extends OneRecoveryInstance {

    @Test
    void aRepeatDeferredByA429AndCancelledMeanwhileIsNeverSent() {
        workato.down(429);
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.worker().work();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("PENDING");   // deferred, not attempted

        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "resolved manually"));
        workato.up();
        workUntilDue("w:7:j-1");

        assertThat(workato.enqueuedCount("j-1")).isZero();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("CANCELLED");
        assertThat(recovery.eventLines()).containsExactly("RepeatDeferred w:7:j-1#1",
                "RepeatCancelled w:7:j-1#1: resolved manually");
    }

    @Test
    void aRepeatWhoseCallGotA503AndWasCancelledMeanwhileIsReconciledNotSentAgain() {
        workato.down(503);
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.worker().work();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("CALLING");   // answer unknown: reconciled first

        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "resolved manually"));
        workato.up();
        workUntilDue("w:7:j-1");

        assertThat(workato.enqueuedCount("j-1")).isZero();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("CANCELLED");
        assertThat(recovery.eventLines()).containsExactly("RepeatCancelled w:7:j-1#1: resolved manually");
    }

    @Test
    void aRequestThatArrivesAfterItsCancellationIsNeverSent() {
        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 2, "suppressed"));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 2));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 3));   // a later decision: not covered
        workUntilDue("w:7:j-1");

        assertThat(recovery.state("w:7:j-1", 2)).isEqualTo("CANCELLED");
        assertThat(recovery.state("w:7:j-1", 3)).isEqualTo("ACCEPTED");
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
        assertThat(recovery.eventLines()).containsExactly("RepeatCancelled w:7:j-1#2: suppressed",
                "JobRepeated w:7:j-1#3");
    }

    @Test
    void aCallAlreadyLetThroughIsNotTakenBackAndReportsItsOutcome() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        RepeatStore store = recovery.store;
        List<RepeatRequest> claimed = store.claimDue(7, 25, Duration.ofSeconds(2));
        assertThat(store.takeCallTurn(claimed, claimed.get(0).claimToken(), Duration.ZERO, Duration.ofSeconds(2),
                Duration.ofSeconds(2)))
                .isInstanceOf(RepeatStore.Turn.Taken.class);

        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "resolved manually"));
        recovery.worker().accepted(claimed.get(0), null);   // the answer of the call in flight

        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("ACCEPTED");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");
    }

    /** Runs the worker until every request of the incident has been due once more (on the database's clock). */
    private void workUntilDue(String incident) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            recovery.worker().work();
            return recovery.jdbc.queryForObject("SELECT bool_and(state NOT IN ('PENDING', 'CALLING') "
                    + "AND next_try_at <= now()) FROM repeat_request WHERE incident_id = ?", Boolean.class, incident)
                    && recovery.jdbc.queryForObject("SELECT next_slot <= now() FROM repeat_pacer", Boolean.class);
        });
        recovery.worker().work();
    }
}
