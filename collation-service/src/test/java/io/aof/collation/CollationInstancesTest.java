package io.aof.collation;

import io.aof.collation.poll.SweepLease;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.simulator.Behaviour;
import io.aof.simulator.CallCounter;
import io.aof.simulator.WorkatoSimulatorApplication;
import io.aof.simulator.Workspace;
import io.aof.testsupport.AofTestInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 18: collation with several instances. Each instance is a whole collation
 * service (its own Spring context, its own Workato client and limiter) on one
 * PostgreSQL schema, against the simulator, which counts every call. One instance
 * and then three get the same work; the three must collect every failure once
 * with the Workato reads of one, verify webhook failures with one read each, and
 * when the instance that sweeps is closed, another sweeps its recipes within a
 * minute.
 */
public class CollationInstancesTest {

    private static final Logger log = LoggerFactory.getLogger(CollationInstancesTest.class);
    static final String TOKEN = "instances-workato-token";
    static final String WEBHOOK_TOKEN = "instances-webhook-token";
    static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

    static ConfigurableApplicationContext simulator;
    static Workspace workspace;
    static CallCounter calls;
    static String simUrl;

    final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    final String schema = "collation_" + UUID.randomUUID().toString().substring(0, 8);
    final String sharedSchema = "aof_shared_" + UUID.randomUUID().toString().substring(0, 8);
    JdbcTemplate jdbc;

    @BeforeAll
    static void startSimulator() {
        simulator = WorkatoSimulatorApplication.builder().run("--server.port=0", "--sim.api-token=" + TOKEN,
                "--sim.reads-per-minute=0", "--sim.job-duration=30ms", "--sim.jobs-page-size=50",
                "--spring.main.register-shutdown-hook=false");
        workspace = simulator.getBean(Workspace.class);
        calls = simulator.getBean(CallCounter.class);
        simUrl = "http://localhost:" + simulator.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    static void stopSimulator() {
        simulator.close();
    }

    @AfterEach
    void stopInstances() {
        instances.forEach(ConfigurableApplicationContext::close);
        instances.clear();
    }

    /** One more collation instance on this test's schema, watching {@code recipes}. */
    ConfigurableApplicationContext start(List<Long> recipes) {
        return start(recipes, "5s");
    }

    /** One more collation instance whose first sweep waits {@code initialDelay} after its start. */
    ConfigurableApplicationContext start(List<Long> recipes, String initialDelay) {
        Map<String, Object> p = new LinkedHashMap<>(AofTestInfrastructure.get().isolatedServiceProperties(schema,
                "aof-" + schema));
        p.put("aof.workspace", "instances");
        p.put("aof.ops.password", "instances-ops-password");
        p.put("aof.workato.base-url", simUrl + "/api");
        p.put("aof.workato.api-token", TOKEN);
        p.put("aof.workato.account-hold.schema", sharedSchema);
        p.put("aof.workato.resilience.reads-per-minute", "600");
        p.put("aof.collation.poll-interval", POLL_INTERVAL.toMillis() + "ms");
        p.put("aof.collation.leader.lease", "4s");
        p.put("aof.collation.leader.renew-interval", "1s");
        p.put("aof.collation.leader.check-interval", "100ms");
        p.put("aof.collation.webhook.token", WEBHOOK_TOKEN);
        p.put("aof.collation.webhook.verify-delay", "0s");
        p.put("aof.collation.webhook.verify-interval", "100ms");
        // what collation publishes stays in its outbox, where the test counts it: the relay runs once at each
        // instance's start, then not for an hour; so no sweep may begin before the last instance has started
        // (three start within about 2 s here, so 5 s), or that one's first relay run takes rows the test has not
        // counted; an instance started alone needs only its own relay's first run (at its start) to come first
        p.put("aof.outbox.poll-interval", "1h");
        p.put("aof.collation.initial-delay", initialDelay);
        for (int i = 0; i < recipes.size(); i++) {
            p.put("aof.collation.watch.recipe-ids[" + i + "]", recipes.get(i));
        }
        List<String> args = new ArrayList<>();
        p.forEach((k, v) -> args.add("--" + k + "=" + v));
        ConfigurableApplicationContext ctx = CollationApplication.builder().run(args.toArray(String[]::new));
        instances.add(ctx);
        if (jdbc == null) {
            jdbc = new JdbcTemplate(AofTestInfrastructure.get().dataSource());
        }
        return ctx;
    }

    public static long recipe(String name) {
        return ((Number) workspace.addRecipe(name + " " + UUID.randomUUID(), null,
                Behaviour.alwaysFail("500 boom", null, 500)).get("id")).longValue();
    }

    /** {@code perRecipe} failed jobs in each recipe, finished. */
    static List<String> fail(List<Long> recipes, int perRecipe) {
        List<String> jobs = new ArrayList<>();
        for (long r : recipes) {
            jobs.addAll(workspace.trigger(r, perRecipe, false));
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> jobs.stream()
                .noneMatch(j -> "pending".equals(workspace.job(j).orElseThrow().get("status"))));
        return jobs;
    }

    /** The job ids of the JobFailed events in this test's outbox, in order (duplicates kept). */
    List<String> published() {
        return jdbc.queryForList("SELECT payload FROM " + schema + ".outbox WHERE topic = ? ORDER BY id",
                String.class, Topics.JOB_FAILURES.name()).stream()
                .map(p -> EventCodec.decode(Topics.JOB_FAILURES, p)).map(JobFailed::jobId).toList();
    }

    /** Calls the simulator received from sequence {@code from} on, by endpoint, for {@code recipes} (or any). */
    static Map<String, Long> readsSince(int from, List<Long> recipes) {
        return calls.log(from, Integer.MAX_VALUE).stream()
                .filter(c -> c.get("recipe_id") == null || recipes.contains(((Number) c.get("recipe_id")).longValue()))
                .collect(Collectors.groupingBy(c -> (String) c.get("endpoint"), Collectors.counting()));
    }

    static int callSeq() {
        return calls.log(0, Integer.MAX_VALUE).size();
    }

    SweepLease lease(ConfigurableApplicationContext ctx) {
        return ctx.getBean(SweepLease.class);
    }

    /**
     * The same work for one instance and then for three (another schema each, other recipes): every failure
     * published once, and the three read Workato as often as the one did: one recipe listing per poll interval,
     * one job listing per recipe whose count moved, one detail read per failed job.
     */
    @Test
    void threeInstancesCollectEveryFailureOnceWithTheReadsOfOne() throws Exception {
        Map<String, Map<String, Long>> readsBy = new HashMap<>();
        Map<String, Double> listingsPerSecond = new HashMap<>();
        for (int n : new int[] {1, 3}) {
            CollationInstancesTest run = n == 1 ? this : new CollationInstancesTest();
            try {
                List<Long> recipes = List.of(recipe("Instances " + n + " a"), recipe("Instances " + n + " b"),
                        recipe("Instances " + n + " c"), recipe("Instances " + n + " d"));
                List<String> before = fail(recipes, 3);   // failed before collation first looks
                int from = callSeq();
                long started = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    run.start(recipes, n == 1 ? "1s" : "5s");
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> run.published().size() >= before.size());
                List<String> during = fail(recipes, 2);   // and failures while they run
                List<String> all = new ArrayList<>(before);
                all.addAll(during);
                await().atMost(Duration.ofSeconds(30)).until(() -> run.published().size() >= all.size());
                Thread.sleep(3 * POLL_INTERVAL.toMillis());   // quiet sweeps: nothing more may come
                double seconds = (System.nanoTime() - started) / 1e9;

                assertThat(run.published()).as("%d instance(s): every failure once", n)
                        .containsExactlyInAnyOrderElementsOf(all);
                Map<String, Long> reads = readsSince(from, recipes);
                readsBy.put(n + " instance(s)", reads);
                listingsPerSecond.put(n + " instance(s)", reads.getOrDefault("list_recipes", 0L) / seconds);
                log.info("{} instance(s): {} failures collected in {} s with Workato reads {}", n, all.size(),
                        String.format("%.1f", seconds), reads);
                // one detail read per failed job, one job listing per recipe and burst of failures
                assertThat(reads.get("get_job")).as("%d instance(s): detail reads", n).isEqualTo(all.size());
                assertThat(reads.get("list_jobs")).as("%d instance(s): job listings", n)
                        .isBetween((long) recipes.size(), 3L * recipes.size());
                // one sweep a poll interval at most (each sweep one listing page), whatever the number of instances
                assertThat(reads.get("list_recipes")).as("%d instance(s): recipe listings in %.1f s", n, seconds)
                        .isLessThanOrEqualTo((long) Math.ceil(seconds / (POLL_INTERVAL.toMillis() / 1000.0)) + 1);
                assertThat(jdbc.queryForObject("SELECT count(*) FROM " + run.schema + ".sweep_lease",
                        Integer.class)).isEqualTo(1);
            } finally {
                run.stopInstances();
            }
        }
        log.info("Reads with one instance {}, with three {}; recipe listings a second: {}",
                readsBy.get("1 instance(s)"), readsBy.get("3 instance(s)"), listingsPerSecond);
        // the three made the reads the one made: the same detail reads, job listings within one burst's worth
        assertThat(readsBy.get("3 instance(s)").get("get_job")).isEqualTo(readsBy.get("1 instance(s)").get("get_job"));
        assertThat(readsBy.get("3 instance(s)").get("list_jobs"))
                .isLessThanOrEqualTo(readsBy.get("1 instance(s)").get("list_jobs") + 4);
    }

    @Test
    void theInstanceThatSweepsIsClosedAndAnotherSweepsItsRecipesWithinAMinute() {
        List<Long> recipes = List.of(recipe("Failover a"), recipe("Failover b"));
        for (int i = 0; i < 3; i++) {
            start(recipes);
        }
        List<String> first = fail(recipes, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> published().size() >= first.size());
        List<ConfigurableApplicationContext> holders = instances.stream().filter(c -> lease(c).held()).toList();
        assertThat(holders).hasSize(1);
        ConfigurableApplicationContext holder = holders.get(0);

        long closedAt = System.nanoTime();
        holder.close();
        instances.remove(holder);
        List<String> after = fail(recipes, 2);
        List<String> all = new ArrayList<>(first);
        all.addAll(after);
        await().atMost(Duration.ofSeconds(60)).until(() -> published().size() >= all.size());
        double seconds = (System.nanoTime() - closedAt) / 1e9;
        log.info("The sweeping instance was closed; its recipes' new failures were collected by another {} s later",
                String.format("%.1f", seconds));
        assertThat(published()).containsExactlyInAnyOrderElementsOf(all);
        assertThat(instances.stream().filter(c -> lease(c).held()).count()).isEqualTo(1);
        assertThat(seconds).isLessThan(60);
    }

    /**
     * Webhook failures sent to all three instances (each failure to each, as a recipe retrying its HTTP call
     * might): each is verified with one detail read, by whichever instance claimed it.
     */
    @Test
    void threeVerifiersReadEachWebhookFailureOnce() throws Exception {
        long polled = recipe("Polled");
        long pushed = recipe("Pushed only");   // not watched: only the webhook tells about its failures
        for (int i = 0; i < 3; i++) {
            start(List.of(polled));
        }
        List<String> jobs = fail(List.of(pushed), 8);
        int from = callSeq();
        HttpClient http = HttpClient.newHttpClient();
        for (String job : jobs) {
            for (ConfigurableApplicationContext instance : instances) {
                int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
                HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                                + "/api/webhooks/job-failures")).header("Authorization", "Bearer " + WEBHOOK_TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"recipe_id\": " + pushed + ", \"job_id\": \""
                                + job + "\", \"error\": \"500 boom\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(answer.statusCode()).as(answer.body()).isIn(200, 202);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> published().size() >= jobs.size());
        Thread.sleep(1000);
        assertThat(published()).containsExactlyInAnyOrderElementsOf(jobs);
        Map<String, Long> reads = readsSince(from, List.of(pushed));
        log.info("Webhook failures of {} jobs sent to 3 instances: Workato reads of that recipe {}", jobs.size(),
                reads);
        assertThat(reads.get("get_job")).isEqualTo(jobs.size());
        Function<String, Long> byState = s -> jdbc.queryForObject("SELECT count(*) FROM " + schema
                + ".webhook_pending WHERE state = ?", Long.class, s);
        assertThat(byState.apply("VERIFIED")).isEqualTo(jobs.size());
    }
}
