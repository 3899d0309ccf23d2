package io.aof.e2e;

import io.aof.recovery.RecoveryApplication;
import io.aof.simulator.WorkatoSimulatorApplication;
import io.aof.testsupport.AofTestInfrastructure;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Benchmark, not a test (surefire's default includes do not pick it up; run
 * {@code benchmarks/recovery-throughput.sh}): 3,000 repeats due at once across
 * 30 recipes against the simulator's real limits (one repeat_jobs call a second,
 * at most 25 ids), first batched as recovery does it, then one job per call, in
 * the same run. Prints repeats accepted per minute for both.
 */
class RepeatThroughputBenchmark {

    private static final int RECIPES = 30;
    private static final int JOBS_PER_RECIPE = 100;
    private static final int INSTANCES = Integer.getInteger("bench.instances", 1);
    private static final Duration BASELINE_WINDOW = Duration.ofSeconds(Long.getLong("bench.baseline.seconds", 60));

    private final AofTestInfrastructure infra = AofTestInfrastructure.get();
    private final JdbcTemplate db = new JdbcTemplate(infra.dataSource());

    @Test
    @org.junit.jupiter.api.Timeout(value = 20, unit = java.util.concurrent.TimeUnit.MINUTES)
    void repeatsAcceptedPerMinute() throws Exception {
        Result batched = run("batched", 25, null);
        Result single = run("one_per_call", 1, BASELINE_WINDOW);
        System.out.println();
        System.out.println("=== recovery throughput (" + INSTANCES + " instance(s)): " + RECIPES * JOBS_PER_RECIPE + " repeats due at once across "
                + RECIPES + " recipes, simulator at Workato's limits (1 repeat_jobs/s, <= 25 ids) ===");
        System.out.printf("%-14s %10s %12s %14s %12s %10s%n", "mode", "accepted", "seconds", "repeats/min",
                "calls(200)", "calls(429)");
        for (Result r : List.of(batched, single)) {
            System.out.printf("%-14s %10d %12.1f %14.0f %12d %10d%n", r.mode, r.accepted, r.seconds,
                    r.accepted / r.seconds * 60, r.calls200, r.calls429);
        }
        System.out.printf("ceiling: 1500 repeats/min; batched reaches %.1f%% of it%n",
                batched.accepted / batched.seconds * 60 / 1500 * 100);
    }

    private Result run(String mode, int batchSize, Duration window) throws Exception {
        ConfigurableApplicationContext simulator = WorkatoSimulatorApplication.builder().run(AofSuite.args(Map.of(
                "server.port", "0", "sim.api-token", "bench", "sim.reads-per-minute", "60",
                "sim.repeats-per-second", "1", "sim.job-duration", "2s",
                "spring.main.register-shutdown-hook", "false")));
        String sim = "http://localhost:" + ((WebServerApplicationContext) simulator).getWebServer().getPort();
        Simulator s = new Simulator(sim);
        String schema = "recovery_bench_" + mode;
        Map<String, Object> p = infra.isolatedServiceProperties(schema, "aof-recovery-bench-" + mode);
        p.put("aof.workspace", "bench");
        p.put("aof.workato.base-url", sim + "/api");
        p.put("aof.workato.api-token", "bench");
        p.put("aof.workato.resilience.reads-per-minute", "60");
        p.put("aof.recovery.batch-size", String.valueOf(batchSize));
        // -Dbench.instances=2: that many recovery instances on one schema (issue 18: the figures must not move)
        List<ConfigurableApplicationContext> recovery = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            recovery.add(RecoveryApplication.builder().run(AofSuite.args(p)));
        }
        try {
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < RECIPES; i++) {
                long recipe = s.addRecipe("Bench " + i, "{\"kind\":\"ALWAYS_FAIL\",\"error\":\"500 boom\"}");
                var r = Http.post(sim + "/sim/recipes/" + recipe + "/trigger?count=" + JOBS_PER_RECIPE, "");
                for (var id : r.json().get("job_ids")) {
                    String job = id.asString();
                    rows.add(new Object[]{"bench:" + recipe + ":" + job, "bench", recipe, job});
                }
            }
            Thread.sleep(2500);   // the jobs finish (a running job cannot be repeated)
            long calls200Before = s.calls("repeat_jobs", 200);
            long calls429Before = s.calls("repeat_jobs", 429);
            long start = System.nanoTime();
            db.batchUpdate("INSERT INTO " + schema + ".repeat_request (incident_id, attempt, workspace, recipe_id, "
                    + "job_id, state) VALUES (?, 1, ?, ?, ?, 'PENDING')", rows);
            long deadline = window != null ? start + window.toNanos() : Long.MAX_VALUE;
            int accepted = 0;
            long lastReport = start;
            while (System.nanoTime() < deadline) {
                if (System.nanoTime() - lastReport > 10_000_000_000L) {
                    lastReport = System.nanoTime();
                    System.out.printf("progress %s: %d accepted after %.0f s%n", mode, accepted,
                            (lastReport - start) / 1e9);
                }
                accepted = db.queryForObject("SELECT count(*) FROM " + schema + ".repeat_request WHERE state IN "
                        + "('ACCEPTED', 'DONE') AND (outcome IS NULL OR outcome <> 'REJECTED')", Integer.class);
                if (accepted >= rows.size()) {
                    break;
                }
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(mode, accepted, seconds, s.calls("repeat_jobs", 200) - calls200Before,
                    s.calls("repeat_jobs", 429) - calls429Before);
        } finally {
            recovery.forEach(ConfigurableApplicationContext::close);
            simulator.close();
        }
    }


    private record Result(String mode, int accepted, double seconds, long calls200, long calls429) {
    }
}
