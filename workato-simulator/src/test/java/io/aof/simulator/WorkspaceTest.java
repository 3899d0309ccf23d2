package io.aof.simulator;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the simulated workspace does that AOF's safety relies on. */
class WorkspaceTest {

    static void awaitFinished(Workspace w, String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while ("pending".equals(w.job(jobId).orElseThrow().get("status"))) {
            assertThat(System.nanoTime()).as("job %s still pending", jobId).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aSucceededJobIsNotRepeatedUnlessTheSettingAllowsIt() throws Exception {
        Workspace refusing = new Workspace(Duration.ofMillis(5), 1, 1);
        Workspace allowing = new Workspace(Duration.ofMillis(5), 1, 1, true);
        for (Workspace w : List.of(refusing, allowing)) {
            long recipe = ((Number) w.addRecipe("Payments", null, Behaviour.healthy()).get("id")).longValue();
            String job = w.trigger(recipe, 1).get(0);
            awaitFinished(w, job);
            List<Map<String, Object>> results = w.repeat(recipe, List.of(job));
            if (w == refusing) {
                assertThat(results.get(0)).containsEntry("status", "failed");
                assertThat((String) results.get(0).get("error")).contains("succeeded");
                assertThat(w.repeatsByOriginalJob()).doesNotContainKey(job);
                assertThat(w.refusedRepeats()).containsEntry(job, 1);
            } else {
                assertThat(results.get(0)).containsEntry("status", "enqueued");
                assertThat(w.repeatsByOriginalJob()).containsEntry(job, 1);
            }
        }
    }

    @Test
    void aCallerAndTheJobItCalledBothFailAndCarryTheWorkflowFields() throws Exception {
        Workspace w = new Workspace(Duration.ofMillis(5), 1, 1);
        long caller = ((Number) w.addRecipe("Order flow", null, Behaviour.healthy()).get("id")).longValue();
        long called = ((Number) w.addRecipe("Charge", null, Behaviour.alwaysFail("402", null, 402)).get("id"))
                .longValue();
        w.setCalls(caller, called, true);
        String root = w.trigger(caller, 1).get(0);
        awaitFinished(w, root);
        @SuppressWarnings("unchecked")
        Map<String, Object> child = ((List<Map<String, Object>>) w.listJobs(called, null, null, false, false, 10)
                .get("items")).get(0);

        assertThat(w.job(root).orElseThrow()).containsEntry("status", "failed").containsEntry("root_job_id", root);
        assertThat(child).containsEntry("status", "failed").containsEntry("calling_job_id", root)
                .containsEntry("root_job_id", root).containsEntry("root_recipe_id", caller)
                .doesNotContainKey("is_test");
        assertThat(w.job((String) child.get("id")).orElseThrow()).containsEntry("is_test", false);
    }

    @Test
    void anErrorCanBePaddedToAFewMegabytes() throws Exception {
        Workspace w = new Workspace(Duration.ofMillis(5), 1, 1);
        long recipe = ((Number) w.addRecipe("Huge", null, new Behaviour(Behaviour.Kind.ALWAYS_FAIL, null, null,
                "502 <html>", null, 502, 2_600_000)).get("id")).longValue();
        String job = w.trigger(recipe, 1, true).get(0);
        awaitFinished(w, job);
        assertThat((String) w.job(job).orElseThrow().get("error")).hasSize(2_600_000).startsWith("502 <html>");
        assertThat(w.job(job).orElseThrow()).containsEntry("is_test", true);
    }
}
