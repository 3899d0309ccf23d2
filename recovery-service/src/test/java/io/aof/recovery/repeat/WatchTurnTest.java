package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryRequested;
import io.aof.recovery.RecoveryProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18: two recovery instances on one schema follow an accepted repeat with
 * the reads of one: the watch round runs once per watch-interval across them
 * ({@code repeat_pacer.watched_at}), not once per instance.
 */
class WatchTurnTest {

    static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);
    FakeWorkato workato;
    RecoveryInstance a;
    RecoveryInstance b;

    @BeforeEach
    void start() throws Exception {
        workato = new FakeWorkato();
        DataSource ds = RecoveryInstance.newSchema();
        RecoveryProperties p = RecoveryInstance.props(Duration.ofSeconds(2));
        RecoveryProperties props = new RecoveryProperties(p.workInterval(), WATCH_INTERVAL, p.callLease(),
                p.reconcileAfter(), p.unreachableBackoff(), p.outcomeDeadline(), p.clockSkew(), p.batchSize(),
                p.repeatCallGap());
        a = new RecoveryInstance(ds, workato.baseUrl(), props);
        b = new RecoveryInstance(ds, workato.baseUrl(), props);
    }

    @AfterEach
    void stop() {
        a.close();
        b.close();
        workato.close();
    }

    @Test
    void twoInstancesTickingOftenWatchOncePerInterval() throws Exception {
        a.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        a.worker().work();
        assertThat(a.state("w:7:j-1", 1)).isEqualTo("ACCEPTED");   // Workato runs the repeat: it is followed

        long start = System.nanoTime();
        while (System.nanoTime() - start < Duration.ofMillis(3_500).toNanos()) {
            a.watcher().scheduledWatch();
            b.watcher().scheduledWatch();
            Thread.sleep(50);
        }
        // one instance ticking every interval makes 4 rounds in 3.5 s (at 0, 1, 2, 3 s); the turn may come a
        // fifth of an interval early, so at most 5; without the turn the two would make about 120. A round reads
        // two pages: the repeat, then the empty page older than it (Workato documents no page size, so a short
        // page does not prove it is the last)
        int rounds = workato.firstPages.get();
        assertThat(rounds).isBetween(3, 5);
        assertThat(workato.listings.get()).isEqualTo(2 * rounds);

        workato.finishRepeats("j-1", "succeeded", null);
        Thread.sleep(WATCH_INTERVAL.toMillis());
        b.watcher().scheduledWatch();
        assertThat(b.state("w:7:j-1", 1)).isEqualTo("DONE");   // whichever instance takes the turn settles it
    }
}
