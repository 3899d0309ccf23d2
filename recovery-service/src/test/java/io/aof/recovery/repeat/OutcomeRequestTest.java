package io.aof.recovery.repeat;

import io.aof.common.events.EventCodec;
import io.aof.common.events.RecoveryCommand.OutcomeRequested;
import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryEvent.RepeatCancelled;
import io.aof.common.events.RecoveryEvent.RepeatDeferred;
import io.aof.common.events.RecoveryEvent;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12 #3: the orchestrator, past its outcome deadline, asks recovery for
 * the outcome of an attempt: the recorded one again (a new event id), NOT_REQUESTED
 * when recovery never had the request, and a sign of life ({@code RepeatDeferred})
 * while the repeat is in progress, so that the orchestrator keeps waiting.
 */
class OutcomeRequestTest extends OneRecoveryInstance {

    @Test
    void theRecordedOutcomeIsPublishedAgainWithANewEventId() {
        workato.endsAs.put("j-1", new String[] {"succeeded", null});
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            recovery.worker().work();
            recovery.watcher().watch();
            return "DONE".equals(recovery.state("w:7:j-1", 1));
        });
        assertThat(events(RecoveryOutcome.class)).hasSize(1);

        recovery.deliver(OutcomeRequested.of("w", 7, "j-1", "w:7:j-1", 1));

        List<RecoveryOutcome> outcomes = events(RecoveryOutcome.class);
        assertThat(outcomes).hasSize(2);
        RecoveryOutcome first = outcomes.get(0);
        RecoveryOutcome again = outcomes.get(1);
        assertThat(again.eventId()).isNotEqualTo(first.eventId());
        assertThat(again.status()).isEqualTo(RecoveryOutcome.Status.SUCCEEDED);
        assertThat(again.repeatJobId()).isEqualTo(first.repeatJobId()).isNotNull();
        assertThat(again.incidentId()).isEqualTo("w:7:j-1");
        assertThat(again.attempt()).isEqualTo(1);
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
    }

    @Test
    void anAttemptRecoveryNeverReceivedIsAnsweredNotRequested() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.deliver(OutcomeRequested.of("w", 7, "j-1", "w:7:j-1", 2));

        List<RecoveryOutcome> outcomes = events(RecoveryOutcome.class);
        assertThat(outcomes).singleElement().satisfies(o -> {
            assertThat(o.status()).isEqualTo(RecoveryOutcome.Status.NOT_REQUESTED);
            assertThat(o.incidentId()).isEqualTo("w:7:j-1");
            assertThat(o.attempt()).isEqualTo(2);
            assertThat(o.recipeId()).isEqualTo(7L);
            assertThat(o.jobId()).isEqualTo("j-1");
        });
    }

    @Test
    void anAttemptInProgressIsAnsweredWithASignOfLifeNeverAnOutcome() {
        workato.down(503);
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.deliver(OutcomeRequested.of("w", 7, "j-1", "w:7:j-1", 1));   // PENDING
        recovery.worker().work();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("CALLING");
        recovery.deliver(OutcomeRequested.of("w", 7, "j-1", "w:7:j-1", 1));   // sent, answer unknown
        workato.up();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            recovery.worker().work();
            return "ACCEPTED".equals(recovery.state("w:7:j-1", 1));
        });
        recovery.deliver(OutcomeRequested.of("w", 7, "j-1", "w:7:j-1", 1));   // accepted, the repeat job runs

        assertThat(events(RecoveryOutcome.class)).isEmpty();
        List<RepeatDeferred> signs = events(RepeatDeferred.class);
        assertThat(signs).extracting(RepeatDeferred::reason).containsExactly("still in progress: PENDING",
                "still in progress: CALLING", "still in progress: ACCEPTED");
        assertThat(signs).allSatisfy(d -> {
            assertThat(d.incidentId()).isEqualTo("w:7:j-1");
            assertThat(d.attempt()).isEqualTo(1);
            assertThat(d.recipeId()).isEqualTo(7L);
            assertThat(d.jobId()).isEqualTo("j-1");
        });
        assertThat(signs.get(0).nextTryAt()).isNotNull();
        assertThat(signs.get(1).nextTryAt()).isNotNull();
        assertThat(signs.get(2).nextTryAt()).isNull();   // Workato runs it; recovery's own deadline settles it
        assertThat(recovery.meters().counter("aof.recovery.outcome.requests", "answer", "in_progress").count())
                .isEqualTo(3.0);
    }

    @Test
    void anAttemptWaitingForAnEarlierOneSaysSo() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.worker().work();
        assertThat(recovery.state("w:7:j-1", 1)).isEqualTo("ACCEPTED");
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 2));
        recovery.deliver(OutcomeRequested.of("w", 7, "j-1", "w:7:j-1", 2));

        assertThat(events(RepeatDeferred.class)).singleElement().satisfies(d -> {
            assertThat(d.attempt()).isEqualTo(2);
            assertThat(d.reason()).isEqualTo("still in progress: PENDING, waits for attempt 1");
        });
    }

    @Test
    void aCancelledAttemptIsAnsweredWithItsCancellationAgain() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "resolved manually"));
        recovery.deliver(OutcomeRequested.of("w", 7, "j-1", "w:7:j-1", 1));

        assertThat(events(RepeatCancelled.class)).hasSize(2)
                .allSatisfy(c -> assertThat(c.reason()).isEqualTo("resolved manually"));
        assertThat(events(RecoveryOutcome.class)).isEmpty();
    }

    private <T extends RecoveryEvent> List<T> events(Class<T> type) {
        return recovery.jdbc.queryForList("SELECT payload FROM outbox WHERE event_type = ? ORDER BY id",
                String.class, type.getSimpleName()).stream()
                .map(p -> type.cast(EventCodec.decode(Topics.RECOVERY_EVENTS, p))).toList();
    }
}
