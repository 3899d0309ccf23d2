package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryRequested;
import io.aof.common.workato.WorkatoAccountHold;
import org.junit.jupiter.api.Test;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Retry-After is kept in one place, the Workato account's hold: one that
 * another service received (collation's poll met the 429) holds recovery before
 * it claims anything, so no request is claimed, no call turn is taken and
 * nothing reaches Workato until it has elapsed; the wait is announced once
 * (RepeatDeferred), as after a refused call.
 */
class RepeatAccountHoldTest extends OneRecoveryInstance {

    @Test
    void aRetryAfterAnotherServiceReceivedHoldsRecoveryBeforeItClaimsOrTakesACallTurn() {
        Timestamp lastCallBefore = recovery.jdbc.queryForObject("SELECT last_call FROM repeat_pacer",
                Timestamp.class);
        WorkatoAccountHold collation = WorkatoAccountHold.shared(recovery.jdbc, recovery.holdSchema,
                recovery.workatoProps, "collation-service");
        collation.hold(Duration.ofSeconds(30), "recipes");
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));

        for (int tick = 0; tick < 20; tick++) {
            recovery.worker().work();
        }

        Map<String, Object> row = recovery.jdbc.queryForMap("SELECT state, tries, sent_at, claim_token, "
                + "deferral_announced FROM repeat_request");
        assertThat(row).containsEntry("state", "PENDING").containsEntry("tries", 0)
                .containsEntry("sent_at", null).containsEntry("claim_token", null)
                .containsEntry("deferral_announced", true);
        assertThat(recovery.jdbc.queryForObject("SELECT last_call FROM repeat_pacer", Timestamp.class))
                .isEqualTo(lastCallBefore);
        assertThat(recovery.jdbc.queryForObject("SELECT count(*) FROM outbox WHERE event_type = 'RepeatDeferred'",
                Integer.class)).isEqualTo(1);
        assertThat(workato.repeatCallCount()).isZero();

        // the hold ends on the database's clock: the repeat goes, once
        recovery.jdbc.update("UPDATE " + recovery.holdSchema + ".workato_hold SET hold_until = now()");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            recovery.worker().work();
            return "ACCEPTED".equals(recovery.state("w:7:j-1", 1));
        });
        assertThat(workato.repeatCallCount()).isEqualTo(1);
    }
}
