package io.aof.launcher;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The outage benchmark's figures and table, without a suite: what each figure counts and what it leaves out. */
class OutageBenchmarkTest {

    private static final long NS = 1;
    private static final long OTHER = 2;
    private static final long END = 100_000;
    private static final long WINDOW = 20_000;

    @Test
    void attemptsAgainstTheOutageAreTheRepeatsItFailedOfWhichProbesAreCountedApart() {
        List<Map<String, Object>> jobs = List.of(
                job("a", NS, "failed", null, false),
                job("a-r1", NS, "failed", "a", true),      // a probe that hit the outage
                job("a-r2", NS, "failed", "a", true),      // an attempt spent against the outage
                job("b", NS, "failed", null, false),
                job("b-r1", NS, "failed", "b", false),     // failed, but not because NetSuite was down
                job("c", OTHER, "failed", null, false),
                job("c-r1", OTHER, "failed", "c", true));  // another recipe's: not NetSuite's

        OutageBenchmark.JobFigures f = OutageBenchmark.jobFigures(jobs, Map.of(), Set.of(NS), END, WINDOW,
                Set.of("a-r1"));

        assertThat(f.netsuiteJobs()).isEqualTo(2);
        assertThat(f.outageRepeats()).isEqualTo(2);
        assertThat(f.probeRepeats()).isEqualTo(1);
        assertThat(f.beyondProbes()).isEqualTo(1);
    }

    @Test
    void aJobIsRecoveredSoonWhenItsFirstSuccessfulRepeatEndedWithinTheWindowAfterTheEnd() {
        Map<String, Long> completed = new HashMap<>();
        completed.put("a-r1", END + WINDOW);          // on the edge: counts
        completed.put("b-r1", END + WINDOW + 1);      // just after
        completed.put("c-r1", END + 5_000);
        List<Map<String, Object>> jobs = List.of(
                job("a", NS, "failed", null, false), job("a-r1", NS, "succeeded", "a", false),
                job("b", NS, "failed", null, false), job("b-r1", NS, "succeeded", "b", false),
                job("c", NS, "failed", null, false), job("c-r1", NS, "succeeded", "c", false),
                job("d", NS, "failed", null, false), job("d-r1", NS, "failed", "d", true),
                job("t", NS, "failed", null, false, true));   // a test job is no failure of the workload

        OutageBenchmark.JobFigures f = OutageBenchmark.jobFigures(jobs, completed, Set.of(NS), END, WINDOW,
                Set.of());

        assertThat(f.netsuiteJobs()).isEqualTo(4);
        assertThat(f.recoveredSoon()).isEqualTo(2);
        assertThat(f.recovered()).isEqualTo(3);
        assertThat(f.lastRecoveredAfterEnd()).isEqualTo(WINDOW + 1);
        assertThat(f.medianRecoveredAfterEnd()).isEqualTo(WINDOW);
    }

    @Test
    void aJobRepeatedTwiceIsOneWithMoreThanOneSuccessfulRepeatWhateverItsRecipe() {
        List<Map<String, Object>> jobs = List.of(
                job("a", NS, "failed", null, false), job("a-r1", NS, "failed", "a", true),
                job("a-r2", NS, "succeeded", "a", false),                       // failed, then one success: once
                job("c", OTHER, "failed", null, false), job("c-r1", OTHER, "succeeded", "c", false),
                job("c-r2", OTHER, "succeeded", "c", false));                  // two successes: twice

        assertThat(OutageBenchmark.jobFigures(jobs, Map.of(), Set.of(NS), END, WINDOW, Set.of()).repeatedTwice())
                .isEqualTo(1);
    }

    @Test
    void slackPostsAreCountedByChannelAndAReplyBelongsToWhatItsThreadIsAbout() {
        List<Map<String, Object>> messages = List.of(
                slack("chat.postMessage", "#aof-ops", "1.1", null, ":red_circle: netsuite unreachable: 300 jobs",
                        "Outage `outage-7` · TIMEOUT"),
                slack("chat.update", "#aof-ops", "1.1", null, ":red_circle: netsuite unreachable: 301 jobs", ""),
                // the end, a reply: the thread makes it the outage's
                slack("chat.postMessage", "#aof-ops", "1.2", "1.1", ":large_green_circle: netsuite is back", ""),
                // a NetSuite job alerted before the outage opened: its own thread and digest
                slack("chat.postMessage", "#aof-ops", "1.3", null, ":warning: Job failed; retrying: NetSuite: sync #8",
                        ""),
                slack("chat.postMessage", "#aof-ops", "1.4", null, ":warning: 2 more alert(s): NetSuite: sync #8", ""),
                slack("chat.postMessage", "#aof-ops", "1.5", null, ":warning: Job failed; retrying: Salesforce", ""),
                slack("chat.postMessage", "#aof-ops", "1.6", "1.5", ":white_check_mark: Job recovered (job j-1)", ""),
                slack("chat.postMessage", "#aof-admin", "1.7", null, ":rotating_light: NetSuite: sync #3", ""));

        Map<String, int[]> posts = OutageBenchmark.slackPosts(messages);

        assertThat(posts.get("#aof-ops")).containsExactly(6, 2, 2, 2, 1);
        assertThat(posts.get("#aof-admin")).containsExactly(1, 0, 1, 0, 0);
    }

    @Test
    void workatoCallsAreCountedByEndpointWithinTheRunWithTheIdsOfRepeatsAndTheRefusals() {
        List<Map<String, Object>> log = List.of(
                call("list_jobs", 5, 200, List.of()),        // before the run: not counted
                call("list_jobs", 10, 200, List.of()),
                call("repeat_jobs", 11, 200, List.of("a", "b")),
                call("repeat_jobs", 12, 429, List.of("c")),
                call("get_job", 30, 200, List.of("a")));     // after: not counted

        Map<String, long[]> calls = OutageBenchmark.callsByEndpoint(log, 10, 20);

        assertThat(calls).containsOnlyKeys("list_jobs", "repeat_jobs");
        assertThat(calls.get("list_jobs")).containsExactly(1, 0, 0);
        assertThat(calls.get("repeat_jobs")).containsExactly(2, 1, 3);
    }

    @Test
    void theTableSetsOffAndOnSideBySideAndSaysWhereOnMissesAGoal() {
        OutageBenchmark.Result off = result(new OutageBenchmark.JobFigures(300, 540, 0, 120, 300, 30_000, 18_000, 0),
                new int[]{60, 0, 50, 10, 5}, 12);
        OutageBenchmark.Result on = result(new OutageBenchmark.JobFigures(300, 3, 3, 297, 300, 24_000, 12_000, 0),
                new int[]{14, 2, 2, 10, 9}, 0);

        String table = OutageBenchmark.table(off, on);

        assertThat(table).contains("| repeats against netsuite that failed during its outage | 540 | 3 (3 probes, 0 "
                + "beyond) | 0 beyond probes | yes |");
        assertThat(table).contains("| Slack posts to #aof-ops: all (the outage's thread / netsuite jobs' own alerts / "
                + "other recipes) | 60 (0 / 50 / 10) | 14 (2 / 2 / 10) | <= 3 about the outage | **NO** |");
        assertThat(table).contains("| Slack posts to #aof-admin: all (the outage's thread / netsuite jobs' own alerts "
                + "/ other recipes) | 12 (0 / 12 / 0) | 0 (0 / 0 / 0) | <= 3 about the outage | yes |");
        assertThat(table).contains("| outages AOF opened: into the outage / ended after the real end / failed probes "
                + "| none | 1.5 min / 2.5 min / 2 |");
        assertThat(table).contains("| netsuite jobs recovered within 10.0 min of the outage's end | 120 of 300 "
                + "(40.0%) | 297 of 300 (99.0%) | >= 99% | yes |");
        assertThat(table).contains("| netsuite jobs recovered by the end of the run; median / last after the "
                + "outage's end | 300 of 300; 9.0 / 15.0 min | 300 of 300; 6.0 / 12.0 min |");
        assertThat(table).contains("| Workato calls: repeat_jobs | 40 (600 ids), 2 not 2xx | 40 (600 ids), 2 not "
                + "2xx |");
        assertThat(table).contains("| incidents EXHAUSTED: netsuite / other | 12 / 0 | 0 / 0 |");
        assertThat(table).contains("| jobs repeated twice (more than one successful repeat) | 0 | 0 | 0 | yes |");
    }

    @Test
    void theScaleTurnsScenarioMinutesIntoSpringDurations() {
        assertThat(OutageBenchmark.seconds(5)).isEqualTo("10s");
        assertThat(OutageBenchmark.seconds(24 * 60)).isEqualTo("2880s");
        assertThat(OutageBenchmark.seconds(0.25)).isEqualTo("500ms");
        assertThat(OutageBenchmark.share(34, 4, 0)).isEqualTo(9);
        assertThat(OutageBenchmark.share(34, 4, 3)).isEqualTo(8);
    }

    private static OutageBenchmark.Result result(OutageBenchmark.JobFigures jobs, int[] ops, int exhausted) {
        Map<String, long[]> calls = Map.of("repeat_jobs", new long[]{40, 2, 600}, "list_jobs", new long[]{900, 0, 0});
        List<OutageBenchmark.OutageSeen> outages = exhausted > 0 ? List.of()
                : List.of(new OutageBenchmark.OutageSeen("netsuite", 3_000, 5_000L, "the probe succeeded", 2, 300, 9));
        return new OutageBenchmark.Result(jobs, Map.of("#aof-ops", ops, "#aof-admin", new int[]{exhausted, 0,
                exhausted, 0, 0}), calls, exhausted, 0, 0, Map.of(), outages, true, 5);
    }

    private static Map<String, Object> job(String id, long recipe, String status, String master,
                                           boolean outageFailure) {
        return job(id, recipe, status, master, outageFailure, false);
    }

    private static Map<String, Object> job(String id, long recipe, String status, String master,
                                           boolean outageFailure, boolean test) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id);
        m.put("recipe_id", recipe);
        m.put("status", status);
        m.put("master_job_id", master);
        m.put("is_test", test);
        m.put("outage_failure", outageFailure);
        return m;
    }

    private static Map<String, Object> slack(String method, String channel, String ts, String threadTs,
                                             String text, String blocks) {
        Map<String, Object> m = new HashMap<>();
        m.put("method", method);
        m.put("channel", channel);
        m.put("ts", ts);
        m.put("thread_ts", threadTs);
        m.put("text", text);
        m.put("blocks", blocks);
        return m;
    }

    private static Map<String, Object> call(String endpoint, long at, int status, List<String> ids) {
        return Map.of("endpoint", endpoint, "arrived_at", at, "status", status, "job_ids", ids);
    }
}
