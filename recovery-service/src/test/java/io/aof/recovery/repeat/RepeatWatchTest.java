package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryRequested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Following an accepted repeat to its end ({@link RepeatWatcher#watch()}, one round at a time): its outcome is
 * the repeat job's own final status, reported once; one still running (or never found) past the outcome deadline,
 * on the database's clock, is TIMED_OUT. The outbox is compared as a whole list after each round.
 */
class RepeatWatchTest extends OneRecoveryInstance {

    @Test
    void aRepeatThatSucceededIsReportedSucceededOnce() {
        accepted(1);
        workato.finishRepeats("j-1", "succeeded", null);

        recovery.watcher().watch();
        recovery.watcher().watch();   // an overlapping round settles nothing twice

        assertThat(rows()).containsExactly("1 DONE SUCCEEDED j-R1");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1",
                "RecoveryOutcome w:7:j-1#1 SUCCEEDED j-R1");
    }

    @Test
    void aRepeatThatFailedIsReportedFailedAndTheNextAttemptIsSentAndFollowedAgain() {
        accepted(1);
        workato.finishRepeats("j-1", "failed", "\"boom\"");
        recovery.watcher().watch();
        // the orchestrator decides to try again
        accepted(2);
        workato.finishRepeats("j-1", "failed", "\"boom again\"");
        recovery.watcher().watch();

        assertThat(rows()).containsExactly("1 DONE FAILED j-R1 boom", "2 DONE FAILED j-R2 boom again");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1",
                "RecoveryOutcome w:7:j-1#1 FAILED j-R1", "JobRepeated w:7:j-1#2",
                "RecoveryOutcome w:7:j-1#2 FAILED j-R2");
        assertThat(workato.enqueuedCount("j-1")).isEqualTo(2);
    }

    @Test
    void aRepeatStillRunningIsFollowedUntilTheDeadlineThenTimedOut() {
        accepted(1);

        recovery.watcher().watch();
        assertThat(rows()).containsExactly("1 ACCEPTED j-R1");   // found and attributed, still running
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1");

        recovery.jdbc.update("UPDATE repeat_request SET accepted_at = now() - interval '31 minutes'");
        recovery.watcher().watch();

        assertThat(rows()).containsExactly("1 DONE TIMED_OUT j-R1 the repeat job was still pending after PT30M");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:7:j-1#1",
                "RecoveryOutcome w:7:j-1#1 TIMED_OUT j-R1");
    }

    @Test
    void aRepeatNeverFoundIsTimedOutAtTheDeadlineWithoutARepeatJob() {
        // accepted by an answer whose repeat job Workato does not list (another recipe's, say)
        recovery.deliver(RecoveryRequested.of("w", 9, "j-9", "w:9:j-9", 1));
        RepeatRequest claimed = recovery.store.claimDue(9, 25, Duration.ofMinutes(1)).get(0);
        recovery.worker().accepted(claimed, null);

        recovery.watcher().watch();
        assertThat(recovery.state("w:9:j-9", 1)).isEqualTo("ACCEPTED");
        recovery.jdbc.update("UPDATE repeat_request SET accepted_at = now() - interval '31 minutes'");
        recovery.watcher().watch();

        assertThat(rows()).containsExactly("1 DONE TIMED_OUT the repeat job was not found within PT30M");
        assertThat(recovery.eventLines()).containsExactly("JobRepeated w:9:j-9#1",
                "RecoveryOutcome w:9:j-9#1 TIMED_OUT");
    }

    /** Attempt {@code attempt} of w:7:j-1 requested and accepted by Workato (a repeat job that runs). */
    private void accepted(int attempt) {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", attempt));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            recovery.worker().work();
            return "ACCEPTED".equals(recovery.state("w:7:j-1", attempt));
        });
    }

    private List<String> rows() {
        return recovery.jdbc.queryForList("SELECT concat_ws(' ', attempt, state, outcome, repeat_job_id, error) "
                + "FROM repeat_request ORDER BY incident_id, attempt", String.class);
    }
}
