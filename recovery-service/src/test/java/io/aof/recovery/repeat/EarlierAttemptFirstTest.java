package io.aof.recovery.repeat;

import io.aof.common.events.EventCodec;
import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A later attempt of an incident is never sent while an earlier one may still
 * run (sent, or accepted by Workato): the orchestrator may have given up on the
 * earlier one (outcome sweep, replay of an overdue attempt), but its
 * cancellation cannot take back a repeat already sent. The later attempt waits;
 * when the earlier one succeeded, the later one is settled SUCCEEDED with that
 * repeat job and never sent (a job that recovered is never repeated); when it
 * failed, the later one is sent once. The settling happens in the transaction
 * of the success or of the later request, not in a worker round.
 */
class EarlierAttemptFirstTest extends OneRecoveryInstance {

    /** Attempt 1 accepted by Workato, then given up by the orchestrator, which requests attempt 2. */
    private void attemptOneAcceptedThenAttemptTwoRequested() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.worker().work();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("ACCEPTED");
        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "replayed: attempt 1 overdue"));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 2));
        workRounds();
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);   // the job is not repeated a second time meanwhile
        assertThat(recovery.state("w:7:j-1", 2)).isEqualTo("PENDING");
    }

    @Test
    void aLaterAttemptWaitsForAnAcceptedOneAndIsSettledByItsSuccessWithoutACall() {
        attemptOneAcceptedThenAttemptTwoRequested();

        workato.finishRepeats("j-1", "succeeded", null);
        recovery.watcher().watch();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("DONE");
        workRounds();

        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
        assertThat(recovery.state("w:7:j-1", 2)).isEqualTo("DONE");
        assertThat(outcomes()).extracting(RecoveryOutcome::attempt, RecoveryOutcome::status,
                RecoveryOutcome::repeatJobId).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, RecoveryOutcome.Status.SUCCEEDED, "j-R1"),
                org.assertj.core.groups.Tuple.tuple(2, RecoveryOutcome.Status.SUCCEEDED, "j-R1"));
    }

    @Test
    void laterAttemptsRequestedAfterTheSuccessAreSettledByItAsTheyArriveWithoutACall() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.worker().work();
        workato.finishRepeats("j-1", "succeeded", null);
        recovery.watcher().watch();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("DONE");

        // settled in the request's own transaction: no worker round runs in between
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 2));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 3));

        assertThat(recovery.state("w:7:j-1", 2)).isEqualTo("DONE");
        assertThat(recovery.state("w:7:j-1", 3)).isEqualTo("DONE");
        workRounds();
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
        assertThat(outcomes()).extracting(RecoveryOutcome::attempt, RecoveryOutcome::status,
                RecoveryOutcome::repeatJobId).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, RecoveryOutcome.Status.SUCCEEDED, "j-R1"),
                org.assertj.core.groups.Tuple.tuple(2, RecoveryOutcome.Status.SUCCEEDED, "j-R1"),
                org.assertj.core.groups.Tuple.tuple(3, RecoveryOutcome.Status.SUCCEEDED, "j-R1"));
    }

    @Test
    void attemptsWaitingOneBehindTheOtherAreAllSettledByTheSuccessInItsTransaction() {
        attemptOneAcceptedThenAttemptTwoRequested();
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 3));

        workato.finishRepeats("j-1", "succeeded", null);
        recovery.watcher().watch();

        // no worker round: the success settled both waiting attempts as it was recorded
        assertThat(recovery.state("w:7:j-1", 2)).isEqualTo("DONE");
        assertThat(recovery.state("w:7:j-1", 3)).isEqualTo("DONE");
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
    }

    @Test
    void aLaterAttemptWaitsForAnAcceptedOneAndIsSentOnceItFailed() {
        attemptOneAcceptedThenAttemptTwoRequested();

        workato.finishRepeats("j-1", "failed", "\"boom\"");
        recovery.watcher().watch();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("DONE");
        workRounds();

        assertThat(workato.enqueuedCount("j-1")).isEqualTo(2);
        assertThat(recovery.state("w:7:j-1", 2)).isEqualTo("ACCEPTED");
        workRounds();
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(2);
    }

    @Test
    void aLaterAttemptWaitsForAnEarlierOneSentWithAnUnknownAnswer() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        // sent by another instance, which is still in its call (its lease runs for a while)
        recovery.jdbc.update("UPDATE repeat_request SET state = 'CALLING', sent_at = now(), call_started_at = now(), "
                + "next_try_at = now() + interval '1 hour' WHERE attempt = 1");
        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "replayed: attempt 1 overdue"));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 2));
        workRounds();

        assertThat(workato.repeatCallCount()).isZero();
        assertThat(recovery.state("w:7:j-1", 2)).isEqualTo("PENDING");
    }

    /** Worker rounds until every request is due once more and the shared call slot is free (database clock). */
    private void workRounds() {
        for (int i = 0; i < 3; i++) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> recovery.jdbc
                    .queryForObject("SELECT next_slot <= now() AND last_call <= now() - interval '20 milliseconds' "
                            + "FROM repeat_pacer", Boolean.class));
            recovery.worker().work();
        }
    }

    private List<RecoveryOutcome> outcomes() {
        return recovery.jdbc.queryForList("SELECT payload FROM outbox WHERE event_type = 'RecoveryOutcome' "
                + "ORDER BY id", String.class).stream()
                .map(p -> (RecoveryOutcome) EventCodec.decode(Topics.RECOVERY_EVENTS, p)).toList();
    }
}
