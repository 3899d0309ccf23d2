package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryRequested;
import io.aof.recovery.RecoveryProperties;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12 #5: two recovery instances on one schema against Workato over HTTP.
 * An instance claims a request (leased), then waits for its call turn longer
 * than the lease (a peer died mid-call and holds the turn); the other instance
 * claims the still-CALLING request when the lease has run out, finds no repeat
 * and waits for the turn too. When the turn frees, only the current claim may
 * call: exactly one {@code repeat_jobs} for the job.
 */
class RepeatLeaseFenceTest {

    @Test
    void aClaimWhoseCallTurnOutlastsItsLeaseDoesNotCallOnceAnotherInstanceHoldsTheRequest() throws Exception {
        try (FakeWorkato workato = new FakeWorkato()) {
            DataSource ds = RecoveryInstance.newSchema();
            RecoveryProperties props = RecoveryInstance.props(Duration.ofMillis(300));
            try (RecoveryInstance a = new RecoveryInstance(ds, workato.baseUrl(), props);
                 RecoveryInstance b = new RecoveryInstance(ds, workato.baseUrl(), props)) {
                a.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
                // a peer died in the middle of a call: the turn stays taken until that peer's lease ends
                a.jdbc.update("UPDATE repeat_pacer SET last_call = 'infinity'");

                Thread first = new Thread(a.worker()::work, "instance-a");
                first.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> tries(a) == 1);
                // a is waiting for its turn; its lease runs out meanwhile
                await().atMost(Duration.ofSeconds(20)).until(() -> a.jdbc.queryForObject(
                        "SELECT next_try_at <= now() FROM repeat_request", Boolean.class));
                // b works as its scheduler does, tick after tick: a tick may find the row locked for a moment by
                // a's own tries for the turn (SKIP LOCKED) and claim nothing; the next one claims it
                Thread second = new Thread(() -> {
                    while (tries(b) < 2) {
                        b.worker().work();
                    }
                }, "instance-b");
                second.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> tries(b) == 2);   // b claimed it
                // the dead peer's lease ends: the turn is free
                a.jdbc.update("UPDATE repeat_pacer SET last_call = '-infinity'");
                first.join(20_000);
                second.join(20_000);
                assertThat(first.isAlive() || second.isAlive()).isFalse();

                assertThat(workato.enqueuedCount("j-1")).isEqualTo(1);
                assertThat(workato.repeatCallCount()).isEqualTo(1);
                assertThat(a.state("w:7:j-1", 1)).isEqualTo("ACCEPTED");
                assertThat(a.meters().counter("aof.repeats.fenced").count()).isEqualTo(1.0);
            }
        }
    }

    private static int tries(RecoveryInstance i) {
        return i.jdbc.queryForObject("SELECT tries FROM repeat_request", Integer.class);
    }
}
