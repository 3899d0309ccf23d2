package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryRequested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
        workWhenDue("w:7:j-1");

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
        workWhenDue("w:7:j-1");

        assertThat(workato.enqueuedCount("j-1")).isZero();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("CANCELLED");
        assertThat(recovery.eventLines()).containsExactly("RepeatCancelled w:7:j-1#1: resolved manually");
    }

    @Test
    void aRequestThatArrivesAfterItsCancellationIsNeverSent() {
        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 2, "suppressed"));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 2));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 3));   // a later decision: not covered
        workWhenDue("w:7:j-1");

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

    /**
     * Every request of the incident due again, the account's Retry-After over and the shared call slot free, on
     * the database's clock (set back, not waited for); then a worker tick: whatever may be sent is sent now.
     */
    private void workWhenDue(String incident) {
        recovery.jdbc.update("UPDATE repeat_request SET next_try_at = now() WHERE incident_id = ?", incident);
        recovery.jdbc.update("UPDATE " + recovery.holdSchema + ".workato_hold SET hold_until = now()");
        recovery.jdbc.update("UPDATE repeat_pacer SET next_slot = now()");
        recovery.worker().work();
    }
}
