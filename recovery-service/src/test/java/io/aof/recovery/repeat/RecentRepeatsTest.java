package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryRequested;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Following the repeats of a recipe page by page, against Workato over real HTTP. */
class RecentRepeatsTest extends OneRecoveryInstance {

    @BeforeEach
    void oneRepeatInWorkato() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.worker().work();   // Workato now has one repeat job of recipe 7
        workato.listings.set(0);
    }

    @Test
    void readsUntilAPageBringsNothingOlder() {
        List<WorkatoJob> repeats = RecentRepeats.since(client(), 7, Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(repeats).extracting(WorkatoJob::masterJobId).containsExactly("j-1");
        assertThat(workato.listings.get()).isEqualTo(2);   // the page with the repeat, then the empty one after it
    }

    @Test
    void aCursorThatDoesNotMoveStopsTheReadInsteadOfReadingThePageTwentyTimes() {
        workato.ignoreOffset = true;
        List<WorkatoJob> repeats = RecentRepeats.since(client(), 7, Instant.now().minus(Duration.ofMinutes(5)));
        assertThat(repeats).hasSize(1);
        assertThat(workato.listings.get()).isEqualTo(2);
    }

    private WorkatoClient client() {
        return recovery.workatoClient;
    }
}
