package io.aof.e2e;

import io.aof.collation.CollationApplication;
import io.aof.simulator.WorkatoSimulatorApplication;
import io.aof.testsupport.AofTestInfrastructure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark, not a test (run {@code benchmarks/collation-latency.sh}): a
 * simulated workspace of 1,000 recipes ({@code -Dbench.recipes}) under Workato's
 * real 60 reads a minute, of which collation spends its shipped share, 40
 * ({@code -Dbench.reads}; recovery keeps the other 20), 10 failures a minute
 * injected at random recipes and times; prints p50/p95/max detection latency and
 * Workato calls per detected failure for AOF's delta polling and for naive
 * per-recipe polling ({@code -Dbench.modes}), in the same run. The failures are
 * injected once collation has seen every recipe (a first sweep).
 */
class CollationLatencyBenchmark {

    private static final int RECIPES = Integer.getInteger("bench.recipes", 1000);
    /** Collation's reads a minute: its shipped share of Workato's 60 (recovery's is 20). */
    private static final int READS = Integer.getInteger("bench.reads", 40);
    private static final List<String> MODES = List.of(System.getProperty("bench.modes", "DELTA,NAIVE").split(","));
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("bench.window.seconds", 180));
    private static final Duration TAIL = Duration.ofSeconds(Long.getLong("bench.tail.seconds", 60));
    private static final int FAILURES_PER_MINUTE = 10;
    private static final int INSTANCES = Integer.getInteger("bench.instances", 1);

    private final AofTestInfrastructure infra = AofTestInfrastructure.get();
    private final JdbcTemplate db = new JdbcTemplate(infra.dataSource());

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void detectionLatency() throws Exception {
        List<Result> results = new ArrayList<>();
        for (String mode : MODES) {
            results.add(run(mode.strip()));
        }
        System.out.println();
        System.out.println("=== collation (" + INSTANCES + " instance(s)): " + RECIPES + " recipes, " + READS
                + " reads/min (Workato's 60 less recovery's share), " + FAILURES_PER_MINUTE
                + " failures/min for " + WINDOW.toSeconds() + " s (+" + TAIL.toSeconds() + " s to catch up) ===");
        System.out.printf("%-8s %9s %9s %8s %8s %8s %14s%n", "mode", "injected", "detected", "p50 s", "p95 s",
                "max s", "calls/failure");
        for (Result r : results) {
            System.out.printf("%-8s %9d %9d %8s %8s %8s %14.1f   (first sweep of every recipe: %.0f s)%n", r.mode,
                    r.injected, r.latencies.size(), pct(r, 0.50), pct(r, 0.95), pct(r, 1.0),
                    r.latencies.isEmpty() ? Double.NaN : (double) r.calls / r.latencies.size(), r.firstSweepSeconds);
        }
        System.out.println("(undetected failures count as not detected; their latency is at least "
                + TAIL.toSeconds() + " s)");
    }

    private static String pct(Result r, double p) {
        if (r.latencies.size() < r.injected) {
            // an undetected failure is slower than any detected one
            List<Double> all = new ArrayList<>(r.latencies);
            while (all.size() < r.injected) {
                all.add(Double.POSITIVE_INFINITY);
            }
            all.sort(Double::compare);
            double v = all.get((int) Math.min(all.size() - 1, Math.ceil(p * all.size()) - 1));
            return Double.isInfinite(v) ? "n/a" : String.format("%.1f", v);   // n/a: not detected in the run
        }
        List<Double> all = new ArrayList<>(r.latencies);
        all.sort(Double::compare);
        return String.format("%.1f", all.get((int) Math.min(all.size() - 1, Math.ceil(p * all.size()) - 1)));
    }

    private Result run(String strategy) throws Exception {
        ConfigurableApplicationContext simulator = WorkatoSimulatorApplication.builder().run(AofSuite.args(Map.of(
                "server.port", "0", "sim.api-token", "bench", "sim.reads-per-minute", "60",
                "sim.job-duration", "1s", "spring.main.register-shutdown-hook", "false")));
        String sim = "http://localhost:" + ((WebServerApplicationContext) simulator).getWebServer().getPort();
        Simulator s = new Simulator(sim);
        List<Long> recipes = new ArrayList<>();
        for (int i = 0; i < RECIPES; i++) {
            recipes.add(s.addRecipe("Bench " + i, "{\"kind\":\"ALWAYS_FAIL\",\"error\":\"500 boom\","
                    + "\"errorTypeId\":\"err.http.response.server_error\"}"));
        }
        String schema = "collation_bench_" + strategy.toLowerCase();
        Map<String, Object> p = infra.isolatedServiceProperties(schema, "aof-collation-bench-" + strategy);
        p.put("aof.workspace", "bench");
        p.put("aof.workato.base-url", sim + "/api");
        p.put("aof.workato.api-token", "bench");
        p.put("aof.workato.resilience.reads-per-minute", String.valueOf(READS));
        p.put("aof.workato.resilience.read-permit-wait", "30s");
        p.put("aof.collation.poll-interval", "1s");
        p.put("aof.collation.strategy", strategy);
        // -Dbench.instances=2: that many collation instances on one schema (issue 18: the figures must not move)
        List<ConfigurableApplicationContext> collation = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            collation.add(CollationApplication.builder().run(AofSuite.args(p)));
        }
        try {
            // first sight of every recipe (a cursor each), before anything fails: a sweep lists all recipes, 100 a
            // read, so 10,000 recipes take 100 reads, 2.5 minutes at 40 a minute
            long started = System.nanoTime();
            while (db.queryForObject("SELECT count(*) FROM " + schema + ".recipe_cursor", Integer.class) < RECIPES
                    && System.nanoTime() - started < TimeUnit.MINUTES.toNanos(15)) {
                Thread.sleep(1_000);
            }
            double firstSweep = (System.nanoTime() - started) / 1e9;
            Thread.sleep(2_000);
            long callsBefore = reads(s);
            Random random = new Random(7);
            Map<String, Long> injected = new LinkedHashMap<>();
            Instant end = Instant.now().plus(WINDOW);
            long meanGapMillis = 60_000L / FAILURES_PER_MINUTE;
            while (Instant.now().isBefore(end)) {
                Thread.sleep((long) (random.nextDouble() * 2 * meanGapMillis));
                if (Instant.now().isAfter(end)) {
                    break;
                }
                long recipe = recipes.get(random.nextInt(recipes.size()));
                injected.put(s.trigger(recipe), recipe);
            }
            Thread.sleep(TAIL.toMillis());
            long calls = reads(s) - callsBefore;
            List<Double> latencies = new ArrayList<>();
            for (String job : injected.keySet()) {
                Instant completed = Instant.parse(Http.getJson(sim + "/sim/jobs/" + job).get("completed_at").asString());
                List<java.sql.Timestamp> at = db.queryForList("SELECT collected_at FROM " + schema
                        + ".collected_job WHERE job_id = ?", java.sql.Timestamp.class, job);
                if (!at.isEmpty()) {
                    latencies.add(Duration.between(completed, at.get(0).toInstant()).toMillis() / 1000.0);
                }
            }
            return new Result(strategy, injected.size(), latencies, calls, firstSweep);
        } finally {
            collation.forEach(ConfigurableApplicationContext::close);
            simulator.close();
        }
    }

    private static long reads(Simulator s) {
        return s.calls("list_recipes", 200) + s.calls("list_jobs", 200) + s.calls("get_job", 200)
                + s.calls("list_recipes", 429) + s.calls("list_jobs", 429) + s.calls("get_job", 429);
    }


    private record Result(String mode, int injected, List<Double> latencies, long calls, double firstSweepSeconds) {
    }
}
