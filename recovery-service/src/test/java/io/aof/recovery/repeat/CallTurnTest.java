package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryRequested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shared call turn when its holder dies mid-call (kill -9: it never says the call ended). The proof run
 * saw it: with the turn held for the rows' whole lease (2 minutes), every instance's repeats stopped that long.
 */
class CallTurnTest extends OneRecoveryInstance {

    @Test
    void aTurnWhoseHolderDiedIsFreeAfterTheLongestCallNotAfterTheRowsLease() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-2", "w:7:j-2", 1));
        RepeatStore store = recovery.store;
        Duration lease = Duration.ofMinutes(1);
        Duration longestCall = Duration.ofMillis(500);

        // the first instance claims one request and takes the turn, then dies in its call
        List<RepeatRequest> dead = store.claimDue(7, 1, lease);
        assertThat(store.takeCallTurn(dead, dead.get(0).claimToken(), Duration.ZERO, longestCall, lease))
                .isInstanceOf(RepeatStore.Turn.Taken.class);

        // another instance claims the other request: it waits for the turn, but not for the dead one's lease
        List<RepeatRequest> alive = store.claimDue(7, 1, lease);
        assertThat(alive).extracting(RepeatRequest::jobId).containsExactly("j-2");
        assertThat(store.takeCallTurn(alive, alive.get(0).claimToken(), Duration.ZERO, longestCall, lease))
                .isInstanceOf(RepeatStore.Turn.Wait.class);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                store.takeCallTurn(alive, alive.get(0).claimToken(), Duration.ZERO, longestCall, lease)
                        instanceof RepeatStore.Turn.Taken t && t.owned().size() == 1);
        // the dead instance's request keeps its lease: nobody else sends it before that runs out
        assertThat(store.claimDue(7, 25, lease)).isEmpty();
    }
}
