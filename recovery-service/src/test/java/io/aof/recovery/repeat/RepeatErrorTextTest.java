package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryRequested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12 #2: Workato's error texts enter recovery through ExternalText. A
 * repeat job whose error holds U+0000 (PostgreSQL refuses it in text) gets its
 * outcome, and so do the later repeats of the same recipe; so does a
 * repeat_jobs refusal with such an error.
 */
class RepeatErrorTextTest extends OneRecoveryInstance {

    @Test
    void aRepeatJobErrorWithANulGetsItsOutcomeAndLaterRepeatsOfTheRecipeToo() {
        workato.endsAs.put("j-1", new String[] {"failed", "\"boom\\u0000 at step 3\""});
        workato.endsAs.put("j-2", new String[] {"succeeded", null});
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-2", "w:7:j-2", 1));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            recovery.worker().work();
            return "ACCEPTED".equals(recovery.state("w:7:j-1", 1)) && "ACCEPTED".equals(recovery.state("w:7:j-2", 1));
        });
        recovery.watcher().watch();

        Map<String, Object> failed = recovery.jdbc.queryForMap("SELECT state, outcome, error FROM repeat_request "
                + "WHERE incident_id = 'w:7:j-1'");
        assertThat(failed).containsEntry("state", "DONE").containsEntry("outcome", "FAILED")
                .containsEntry("error", "boom at step 3");
        assertThat(recovery.state("w:7:j-2", 1)).isEqualTo("DONE");
        assertThat(recovery.jdbc.queryForObject("SELECT count(*) FROM outbox WHERE event_type = 'RecoveryOutcome'",
                Integer.class)).isEqualTo(2);
    }

    @Test
    void aRepeatRefusedWithANulInItsErrorGetsItsOutcome() {
        workato.refuse.put("j-1", "\"Job not found\\u0000\"");
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            recovery.worker().work();
            return recovery.jdbc.queryForObject("SELECT tries FROM repeat_request", Integer.class) >= 3
                    || "DONE".equals(recovery.state("w:7:j-1", 1));
        });

        assertThat(recovery.jdbc.queryForMap("SELECT state, outcome, error FROM repeat_request"))
                .containsEntry("state", "DONE").containsEntry("outcome", "REJECTED")
                .containsEntry("error", "Job not found");
        assertThat(workato.repeatCallCount()).isEqualTo(1);
    }
}
