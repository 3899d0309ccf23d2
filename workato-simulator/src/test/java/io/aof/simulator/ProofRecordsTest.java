package io.aof.simulator;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the proof run reads from the simulator: the call log, slowed calls in flight, every job. */
class ProofRecordsTest {

    @Test
    void theCallLogKeepsEveryCallInOrderWithItsTimingAndRetryAfter() {
        CallCounter counter = new CallCounter();
        counter.record("list_jobs", 7L, 1000, 1010, 200, 0, null);
        counter.record("repeat_jobs", 7L, 1020, 1030, 429, 12, List.of("j-1", "j-2"));

        List<Map<String, Object>> log = counter.log(0, 10);
        assertThat(log).extracting(m -> m.get("endpoint")).containsExactly("list_jobs", "repeat_jobs");
        assertThat(log.get(1)).containsEntry("seq", 1).containsEntry("status", 429).containsEntry("retry_after", 12L)
                .containsEntry("arrived_at", 1020L).containsEntry("job_ids", List.of("j-1", "j-2"));
        assertThat(counter.log(1, 10)).hasSize(1);
        assertThat(counter.log(5, 10)).isEmpty();
    }

    @Test
    void aSlowEndpointWaitsTheGivenTimesAndItsCallsShowInFlight() {
        Slowdown slow = new Slowdown();
        slow.set("repeat_jobs", 500, 2);
        assertThat(slow.take("repeat_jobs")).isEqualTo(500);
        assertThat(slow.take("list_jobs")).isZero();
        assertThat(slow.take("repeat_jobs")).isEqualTo(500);
        assertThat(slow.take("repeat_jobs")).as("only twice").isZero();

        slow.started("repeat_jobs@127.0.0.1:8090");
        assertThat(slow.inFlight()).containsEntry("repeat_jobs@127.0.0.1:8090", 1);
        slow.ended("repeat_jobs@127.0.0.1:8090");
        assertThat(slow.inFlight()).isEmpty();
        assertThatThrownBy(() -> slow.set("repeat_jobs", 41_000, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyJobIsListedWithWhatTheProofNeeds() {
        Workspace w = new Workspace(java.time.Duration.ofHours(1), 1, 100);
        long recipe = ((Number) w.addRecipe("r", null, Behaviour.healthy()).get("id")).longValue();
        String test = w.trigger(recipe, 1, true).get(0);
        w.trigger(recipe, 1, false);

        List<Map<String, Object>> all = w.allJobs(0);
        assertThat(all).hasSize(2);
        assertThat(all.get(0)).containsEntry("id", test).containsEntry("is_test", true)
                .containsEntry("status", "pending").containsEntry("recipe_id", recipe);
        assertThat(w.allJobs(2)).hasSize(1);
    }
}
