package io.aof.launcher;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./aof prove}: runs the suite as separate processes, drives failures through the simulator (polled
 * and pushed), injects faults while work is in flight (kill -9 of each service, a second orchestrator and
 * recovery killed, the broker and PostgreSQL killed and restarted, Slack and Workato outages, poison), waits
 * for everything to settle, then checks the invariants against the simulator's own records (what Workato
 * received, what Slack and the mail catcher got) and prints one table. Exit status 0 only if every invariant
 * held.
 */
final class ProofRun {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINAL = Set.of("RECOVERED", "EXHAUSTED", "NON_RETRYABLE", "ESCALATED",
            "MANUALLY_RESOLVED");
    private static final String NUL_ERROR = "500 Internal Server Error \u0000 from upstream \u0007\u001b[31m bell";

    /** A recipe's script and what AOF must end with for each of its original failures. */
    enum Kind {
        POLL_FAIL1("FAIL_TIMES", 1, "RECOVERED", 1, false),
        POLL_FAIL2("FAIL_TIMES", 2, "RECOVERED", 2, false),
        POLL_ALWAYS("ALWAYS_FAIL", null, "EXHAUSTED", ProofOptions.MAX_ATTEMPTS, false),
        POLL_AUTH("AUTH_ERROR", null, "NON_RETRYABLE", 0, false),
        HOOK_FAIL1("FAIL_TIMES", 1, "RECOVERED", 1, true),
        HOOK_ALWAYS("ALWAYS_FAIL", null, "EXHAUSTED", ProofOptions.MAX_ATTEMPTS, true),
        HOOK_NUL("FAIL_TIMES", 1, "RECOVERED", 1, true),
        PARENT("HEALTHY", null, "RECOVERED", 1, false),
        CHILD("FAIL_TIMES", 1, null, 0, false),
        POLL_NUL("FAIL_TIMES", 1, "RECOVERED", 1, false),
        HUGE_ERROR("FAIL_TIMES", 1, "RECOVERED", 1, false),
        HEALTHY("HEALTHY", null, null, 0, false),
        STOPPED("HEALTHY", null, null, 0, false);

        final String behaviour;
        final Integer failTimes;
        final String finalState;
        final int repeats;
        final boolean webhook;

        Kind(String behaviour, Integer failTimes, String finalState, int repeats, boolean webhook) {
            this.behaviour = behaviour;
            this.failTimes = failTimes;
            this.finalState = finalState;
            this.repeats = repeats;
            this.webhook = webhook;
        }
    }

    record Recipe(long id, String name, Kind kind) {
    }

    /** One injected fault, what it met, and how the suite came out of it. */
    static final class Fault {
        final String name;
        final long at;
        String inFlight = "";
        Set<String> inFlightJobs = Set.of();
        long recoveredMillis = -1;
        /** Why the fault did not hit what it was meant to hit (null: it did); a violated invariant. */
        String unmet;
        int lost;
        int doubled;
        int stuck;
        int wrong;

        Fault(String name, long at) {
            this.name = name;
            this.at = at;
        }
    }

    private final ProofOptions options;
    private final ProofSuite suite;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final SimClient sim;
    private final List<Recipe> recipes = new ArrayList<>();
    private final Map<Long, Recipe> recipeById = new HashMap<>();
    private final List<Fault> faults = new ArrayList<>();
    private final ConcurrentLinkedQueue<String[]> pushes = new ConcurrentLinkedQueue<>();
    private final AtomicInteger triggered = new AtomicInteger();
    private final AtomicInteger pushed = new AtomicInteger();
    private final AtomicInteger testJobs = new AtomicInteger();
    private final AtomicBoolean loadDone = new AtomicBoolean();
    private final List<String> poisonResults = new ArrayList<>();
    private final Set<String> forgedJobIds = new HashSet<>();
    /** The poison records sent to Kafka, as "topic|key": exactly these must be the dead letters. */
    private final List<String> kafkaPoison = new ArrayList<>();
    private long start;
    private Recipe healthy;
    private Recipe stopped;
    /** When Workato stopped the STOPPED recipe (0: not yet). */
    private volatile long stoppedAt;
    private final List<String> notes = new ArrayList<>();

    ProofRun(ProofOptions options, ProofSuite suite) {
        this.options = options;
        this.suite = suite;
        this.sim = new SimClient(suite.simUrl(), Duration.ofSeconds(60));
    }

    /** Runs the proof; returns the number of violated invariants (0: proved). */
    static int prove(Path root, ProofOptions options, String brokerClasspath) throws Exception {
        SuiteParts.deleteTree(options.state());
        Files.createDirectories(options.state());
        ProofSuite suite = new ProofSuite(root, options, brokerClasspath);
        // Ctrl-C or a kill stops every process the run started, as the end of the run does
        Thread hook = new Thread(suite::close, "proof-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return new ProofRun(options, suite).run();
        } finally {
            suite.close();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    int run() throws Exception {
        say("State folder " + options.state() + ", ports " + options.portBase() + ".." + (options.portBase() + 40)
                + (options.full() ? ", full run" : ", short run"));
        say("Starting PostgreSQL, Kafka and the simulator ...");
        suite.startInfrastructure();
        createWorkspace();
        List<String> services = new ArrayList<>(List.of("collation", "orchestrator", "recovery", "notifier",
                "logger"));
        if (options.full()) {
            services.addAll(List.of("orchestrator-2", "recovery-2"));
        }
        say("Starting " + services + " ...");
        suite.startServices(services);
        start = System.currentTimeMillis();
        say("Load: " + options.failures() + " failures across " + recipes.size() + " recipes over "
                + options.load().toSeconds() + " s");
        Thread load = new Thread(this::drive, "proof-load");
        Thread hooks = new Thread(this::pushWebhooks, "proof-webhooks");
        load.start();
        hooks.start();
        runFaults();
        load.join();
        loadDone.set(true);
        hooks.join();
        say("Load done: " + triggered.get() + " failures triggered (" + pushed.get() + " pushed by webhook), "
                + testJobs.get() + " test jobs; quiescing (at most " + options.quiesce().toSeconds() + " s) ...");
        long quiesceStart = System.currentTimeMillis();
        boolean settled = quiesce();
        long quiesceMillis = System.currentTimeMillis() - quiesceStart;
        return check(settled, quiesceMillis);
    }

    // --- the workspace

    private void createWorkspace() throws Exception {
        int n = options.recipes();
        for (int i = 0; i < n; i++) {
            Kind k = switch (i % 20) {
                case 0, 1, 2, 3, 4, 5 -> Kind.POLL_FAIL1;
                case 6, 7, 8 -> Kind.POLL_FAIL2;
                case 9, 10 -> Kind.POLL_ALWAYS;
                case 11, 12 -> Kind.POLL_AUTH;
                case 13, 14 -> Kind.HOOK_FAIL1;
                case 15 -> Kind.HOOK_NUL;
                case 16 -> Kind.HOOK_ALWAYS;
                case 17 -> Kind.PARENT;
                case 18 -> Kind.CHILD;
                default -> Kind.POLL_NUL;
            };
            Recipe r = addRecipe((k.webhook ? "Webhook only " : "") + k.name().toLowerCase() + " #" + i, k, null);
            if (k == Kind.CHILD) {
                Recipe parent = recipes.get(recipes.size() - 2);
                sim.put("/sim/recipes/" + parent.id() + "/calls?called=" + r.id() + "&fails_with_called=true");
            }
        }
        addRecipe("Huge errors: payload dumps", Kind.HUGE_ERROR, 5_000_000);
        healthy = addRecipe("Stripe to NetSuite: payments (healthy)", Kind.HEALTHY, null);
        stopped = addRecipe("Stopped by Workato mid-run", Kind.STOPPED, null);
        sim.post("/sim/recipes/" + healthy.id() + "/trigger?count=5", "");
    }

    private Recipe addRecipe(String name, Kind k, Integer errorSize) throws Exception {
        Map<String, Object> behaviour = new LinkedHashMap<>();
        behaviour.put("kind", k.behaviour);
        if (k.failTimes != null) {
            behaviour.put("failTimes", k.failTimes);
        }
        if (k == Kind.POLL_NUL || k == Kind.HOOK_NUL) {
            behaviour.put("error", NUL_ERROR);
            behaviour.put("errorTypeId", "err.http.response.server_error");
            behaviour.put("httpCode", 500);
        }
        if (errorSize != null) {
            behaviour.put("errorSize", errorSize);
        }
        Map<String, Object> body = Map.of("name", name, "folderId", 70 + recipes.size() % 5, "behaviour", behaviour);
        Map<String, Object> created = JSON.readValue(sim.post("/sim/recipes", JSON.writeValueAsString(body)),
                new TypeReference<>() {
                });
        Recipe r = new Recipe(((Number) created.get("id")).longValue(), name, k);
        recipes.add(r);
        recipeById.put(r.id(), r);
        return r;
    }

    // --- load

    private void drive() {
        List<Recipe> failing = recipes.stream().filter(r -> r.kind().finalState != null
                && r.kind() != Kind.HUGE_ERROR).toList();
        long loadMillis = options.load().toMillis();
        int burst = options.burst();
        // the 5 MB polled error at fixed points of the load, so the short run has it too
        List<Double> hugeAt = new ArrayList<>(options.full() ? List.of(0.15, 0.6) : List.of(0.15));
        Recipe huge = recipes.stream().filter(x -> x.kind() == Kind.HUGE_ERROR).findFirst().orElseThrow();
        int i = 0;
        try {
            while (true) {
                long elapsed = System.currentTimeMillis() - start;
                int due = (int) Math.min(options.failures(), (long) options.failures() * elapsed / loadMillis);
                while (triggered.get() < due) {
                    Recipe r = failing.get(i++ % failing.size());
                    int count = Math.min(burst, options.failures() - triggered.get());
                    if (!hugeAt.isEmpty() && elapsed >= hugeAt.get(0) * loadMillis) {
                        hugeAt.remove(0);
                        r = huge;
                        count = 1;
                    }
                    trigger(r, count, false);
                    if (r.kind() == Kind.POLL_FAIL1 && i % 10 == 0) {
                        trigger(r, 1, true);
                    }
                }
                if (triggered.get() >= options.failures() || elapsed > loadMillis + 60_000) {
                    return;
                }
                Thread.sleep(200);
            }
        } catch (Exception e) {
            notes.add("load stopped early: " + e);
            say("!! load: " + e);
        }
    }

    private void trigger(Recipe r, int count, boolean test) throws Exception {
        Map<String, List<String>> answer = JSON.readValue(sim.post("/sim/recipes/" + r.id() + "/trigger?count="
                + count + "&test=" + test, ""), new TypeReference<>() {
                });
        if (test) {
            testJobs.addAndGet(count);
            return;
        }
        triggered.addAndGet(count);
        long dueAt = System.currentTimeMillis() + 2_500;
        for (String jobId : answer.get("job_ids")) {
            boolean duplicate = !r.kind().webhook && Math.floorMod(jobId.hashCode(), 10) == 0
                    && r.kind() != Kind.PARENT && r.kind() != Kind.HUGE_ERROR;
            if (r.kind().webhook || duplicate) {
                pushes.add(new String[]{Long.toString(dueAt), Long.toString(r.id()), jobId});
            }
        }
    }

    /** Pushes failures of the webhook recipes (and a tenth of the polled ones again) once their jobs failed. */
    private void pushWebhooks() {
        while (!(loadDone.get() && pushes.isEmpty())) {
            String[] p = pushes.peek();
            if (p == null || Long.parseLong(p[0]) > System.currentTimeMillis()) {
                sleep(100);
                continue;
            }
            pushes.poll();
            Recipe r = recipeById.get(Long.parseLong(p[1]));
            String error = r.kind() == Kind.HOOK_NUL ? NUL_ERROR : "500 Internal Server Error from upstream API";
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("recipe_id", r.id());
            body.put("recipe_name", r.name());
            body.put("job_id", p[2]);
            body.put("error", error);
            body.put("http_status", 500);
            try {
                int status = webhook(JSON.writeValueAsBytes(body)).statusCode();
                if (status / 100 != 2) {
                    // the collation instance may be down (killed on purpose): a recipe's webhook step retries
                    pushes.add(new String[]{Long.toString(System.currentTimeMillis() + 2_000), p[1], p[2]});
                } else {
                    pushed.incrementAndGet();
                }
            } catch (IOException e) {
                pushes.add(new String[]{Long.toString(System.currentTimeMillis() + 2_000), p[1], p[2]});
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private HttpResponse<String> webhook(byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(suite.url("collation") + "/api/webhooks/job-failures"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + suite.webhookToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    // --- faults

    private void runFaults() throws Exception {
        long d = options.load().toMillis();
        Duration pause = Duration.ofSeconds(10);
        if (!options.full()) {
            at(0.10 * d);
            poisonWebhooks();
            poisonKafka();
            at(0.25 * d);
            killMidCall("recovery", pause, true);
            at(0.30 * d);
            stopRecipe();
            at(0.55 * d);
            killBrokerThenCollationWithFailuresTakenIn(Duration.ofSeconds(20));
            return;
        }
        at(0.05 * d);
        killAndRestart("collation", pause);
        at(0.10 * d);
        poisonWebhooks();
        at(0.12 * d);
        killMidCall("recovery-2", pause, false);
        at(0.16 * d);
        killWhileRetriesDue("orchestrator-2", pause, false);
        at(0.22 * d);
        killMidCall("recovery", pause, true);
        at(0.28 * d);
        killWhileRetriesDue("orchestrator", pause, true);
        at(0.30 * d);
        stopRecipe();
        at(0.34 * d);
        killAndRestart("notifier", pause);
        at(0.40 * d);
        killAndRestart("logger", pause);
        at(0.46 * d);
        killAndRestart("kafka", Duration.ofSeconds(30));
        at(0.52 * d);
        poisonKafka();
        at(0.56 * d);
        killAndRestart("postgres", Duration.ofSeconds(30));
        at(0.66 * d);
        slackOutage();
        at(0.68 * d);
        workatoOutage();
        at(0.80 * d);
        poisonWebhooks();
    }

    private void at(double millisFromStart) {
        long wait = start + (long) millisFromStart - System.currentTimeMillis();
        if (wait > 0) {
            sleep(wait);
        }
    }

    private Fault begin(String name) {
        Fault f = new Fault(name, System.currentTimeMillis() - start);
        try {
            f.inFlightJobs = openIncidentJobs();
            f.inFlight = inFlightSummary();
        } catch (Exception e) {
            f.inFlight = "(not readable: " + e.getClass().getSimpleName() + ")";
        }
        faults.add(f);
        say(String.format("t+%ds %s; in flight: %s", f.at / 1000, name, f.inFlight));
        return f;
    }

    private void killAndRestart(String name, Duration pause) throws Exception {
        Fault f = begin("kill -9 " + name + ", back after " + pause.toSeconds() + " s");
        long before = System.currentTimeMillis();
        suite.kill(name);
        sleep(pause.toMillis());
        restart(name);
        f.recoveredMillis = awaitProgress(before) - before;
    }

    private void restart(String name) throws Exception {
        for (int tries = 0; ; tries++) {
            try {
                suite.start(name);
                if (ProofSuite.SERVICES.containsKey(name)) {
                    suite.awaitUp(name, Duration.ofSeconds(240));
                }
                return;
            } catch (IllegalStateException e) {
                if (tries >= 5) {
                    throw e;
                }
                say(name + " did not start (" + e.getMessage() + "); again in 3 s");
                sleep(3000);
            }
        }
    }

    /** kill -9 of a recovery instance while its repeat_jobs call is in flight (the simulator holds it 6 s). */
    private void killMidCall(String name, Duration pause, boolean restart) throws Exception {
        String host = name.equals("recovery-2") ? "localhost" : "127.0.0.1";
        sim.put("/sim/slow?endpoint=repeat_jobs&millis=6000&times=0");
        long deadline = System.currentTimeMillis() + 90_000;
        boolean inCall = false;
        while (System.currentTimeMillis() < deadline && !inCall) {
            Map<String, Map<String, Integer>> slow = JSON.readValue(sim.get("/sim/slow"), new TypeReference<>() {
            });
            inCall = slow.get("in_flight").getOrDefault("repeat_jobs@" + host + ":" + suite.simPort(), 0) > 0;
            if (!inCall) {
                sleep(200);
            }
        }
        Fault f = begin("kill -9 " + name + (inCall ? " during a repeat_jobs call" : " (NO call was in flight)")
                + (restart ? ", back after " + pause.toSeconds() + " s" : ", not restarted"));
        if (!inCall) {
            f.unmet = name + ": no repeat_jobs call of it was in flight within 90 s (killed anyway)";
        }
        long before = System.currentTimeMillis();
        sleep(1000);
        suite.kill(name);
        sim.delete("/sim/slow");
        if (restart) {
            sleep(pause.toMillis());
            restart(name);
        }
        f.recoveredMillis = awaitProgress(before) - before;
    }

    /**
     * The broker killed; while it is down, webhook failures are taken in (collation answers 202: they are in its
     * outbox, not yet on Kafka), then collation is killed too. Only failures of webhook-only recipes are pushed,
     * so polling cannot find them again: an outbox that counted a record sent before the broker acknowledged it
     * loses them, which the "every original failure has its incident" check sees.
     */
    private void killBrokerThenCollationWithFailuresTakenIn(Duration brokerDown) throws Exception {
        Fault broker = begin("kill -9 kafka, back after " + brokerDown.toSeconds() + " s");
        long before = System.currentTimeMillis();
        suite.kill("kafka");
        int pushedBefore = pushed.get();
        Recipe hook = recipes.stream().filter(r -> r.kind() == Kind.HOOK_ALWAYS).findFirst().orElseThrow();
        trigger(hook, 5, false);
        // collation keeps taking them in for most of the outage, then dies with whatever its relay has not got
        // acknowledged: the broker is back only after it is gone
        long deadline = before + brokerDown.toMillis() - 3_000;
        while ((pushed.get() < pushedBefore + 5 || System.currentTimeMillis() < before + brokerDown.toMillis() / 2)
                && System.currentTimeMillis() < deadline) {
            sleep(200);
        }
        int taken = pushed.get() - pushedBefore;
        Fault collation = begin("kill -9 collation while the broker is down, " + taken
                + " webhook failures taken in since, back with the broker");
        if (taken == 0) {
            collation.unmet = "collation: no webhook failure was taken in while the broker was down (killed anyway)";
        }
        long collationBefore = System.currentTimeMillis();
        suite.kill("collation");
        sleep(Math.max(0, before + brokerDown.toMillis() - System.currentTimeMillis()));
        restart("kafka");
        restart("collation");
        broker.recoveredMillis = awaitProgress(before) - before;
        collation.recoveredMillis = awaitProgress(collationBefore) - collationBefore;
    }

    private void killWhileRetriesDue(String name, Duration pause, boolean restart) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        boolean due = false;
        while (System.currentTimeMillis() < deadline && !due) {
            due = queryLong("SELECT count(*) FROM orchestrator.scheduled_retry WHERE due_at <= now() + interval "
                    + "'3 seconds'") > 0;
            if (!due) {
                sleep(200);
            }
        }
        Fault f = begin("kill -9 " + name + (due ? " with retries due" : " (NO retry was due)")
                + (restart ? ", back after " + pause.toSeconds() + " s" : ", not restarted"));
        if (!due) {
            f.unmet = name + ": no retry was due within 60 s (killed anyway)";
        }
        long before = System.currentTimeMillis();
        suite.kill(name);
        if (restart) {
            sleep(pause.toMillis());
            restart(name);
        }
        f.recoveredMillis = awaitProgress(before) - before;
    }

    /** Workato stops a recipe (trigger errors): AOF must escalate it once, and never repeat anything for it. */
    private void stopRecipe() throws Exception {
        begin("Workato stops a recipe (trigger_errors_limit)");
        sim.post("/sim/recipes/" + stopped.id() + "/stop?stop_cause=trigger_errors_limit", "");
        stoppedAt = System.currentTimeMillis();
    }

    private void slackOutage() throws Exception {
        Fault f = begin("Slack 503 for 2 min, then ratelimited (Retry-After 5 s) for 30 s");
        long before = System.currentTimeMillis();
        for (String channel : List.of("#aof-ops", "#aof-admin")) {
            sim.put("/sim/slack/trouble?channel=" + enc(channel) + "&status=503&times=0");
        }
        Thread t = new Thread(() -> {
            sleep(120_000);
            try {
                for (String channel : List.of("#aof-ops", "#aof-admin")) {
                    sim.put("/sim/slack/trouble?channel=" + enc(channel) + "&status=429&retryAfter=5&times=0");
                }
                sleep(30_000);
                sim.delete("/sim/slack/trouble");
                int sent = slackCount();
                long deadline = System.currentTimeMillis() + 180_000;
                while (slackCount() == sent && System.currentTimeMillis() < deadline) {
                    sleep(500);
                }
                f.recoveredMillis = System.currentTimeMillis() - before;
            } catch (Exception e) {
                notes.add("Slack outage: " + e);
            }
        }, "proof-slack-outage");
        t.setDaemon(true);
        t.start();
        background.add(t);
    }

    private void workatoOutage() throws Exception {
        Fault f = begin("Workato 500 for 2 min, then 429 (Retry-After) for 30 s");
        long before = System.currentTimeMillis();
        sim.put("/sim/outage?status=500&seconds=120");
        Thread t = new Thread(() -> {
            sleep(120_000);
            try {
                sim.put("/sim/outage?status=429&seconds=30");
                sleep(30_000);
                f.recoveredMillis = awaitProgress(System.currentTimeMillis()) - before;
            } catch (Exception e) {
                notes.add("Workato outage: " + e);
            }
        }, "proof-workato-outage");
        t.setDaemon(true);
        t.start();
        background.add(t);
    }

    private final List<Thread> background = new ArrayList<>();

    /** Poison on the webhook: each must be refused (4xx) or, for real failures, cleaned; never a 5xx. */
    private void poisonWebhooks() throws Exception {
        begin("poison on the webhook (NUL, 5 MB, invalid UTF-8, deep JSON, wrong types, forged master)");
        String succeeded = firstSucceededJob();
        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put("5 MB error text", ("{\"recipe_id\":" + healthy.id() + ",\"job_id\":\"j-big\",\"error\":\""
                + "x".repeat(5_000_000) + "\"}").getBytes(StandardCharsets.UTF_8));
        byte[] bad = ("{\"recipe_id\":" + healthy.id() + ",\"job_id\":\"j-utf\",\"error\":\"bad \"}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] invalid = new byte[bad.length + 2];
        System.arraycopy(bad, 0, invalid, 0, bad.length - 2);
        invalid[bad.length - 2] = (byte) 0xC3;
        invalid[bad.length - 1] = (byte) 0x28;
        invalid[bad.length] = '"';
        invalid[bad.length + 1] = '}';
        poison.put("invalid UTF-8", invalid);
        poison.put("deep JSON", ("[".repeat(20_000) + "]".repeat(20_000)).getBytes(StandardCharsets.UTF_8));
        poison.put("wrong types", ("{\"recipe_id\":\"abc\",\"job_id\":12,\"error\":[1,2],\"http_status\":\"x\"}")
                .getBytes(StandardCharsets.UTF_8));
        poison.put("control characters only", ("{\"recipe_id\":" + healthy.id() + ",\"job_id\":\"j-ctl\","
                + "\"error\":\"\\u0000\\u0001\\u0002\"}").getBytes(StandardCharsets.UTF_8));
        String forged = "j-forged-" + Long.toHexString(System.nanoTime());
        forgedJobIds.add(forged);
        forgedJobIds.add(succeeded);
        poison.put("forged master_job_id of a succeeded job", JSON.writeValueAsBytes(Map.of("recipe_id", healthy.id(),
                "job_id", forged, "master_job_id", succeeded, "error", "500 Internal Server Error")));
        poison.put("a succeeded job reported failed", JSON.writeValueAsBytes(Map.of("recipe_id", healthy.id(),
                "job_id", succeeded, "error", "500 Internal Server Error")));
        for (var e : poison.entrySet()) {
            int status;
            try {
                status = webhook(e.getValue()).statusCode();
            } catch (IOException ex) {
                status = -1;
            }
            synchronized (poisonResults) {
                poisonResults.add(e.getKey() + " -> " + status);
            }
        }
    }

    /** Records no consumer can ever read: these, and only these, must end in the dead-letter topics. */
    private void poisonKafka() throws Exception {
        begin("poison records on Kafka (not JSON, unknown type)");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, suite.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put("aof.job-failures", "this is not JSON".getBytes(StandardCharsets.UTF_8));
        poison.put("aof.recovery-events", "{\"type\":\"NoSuchEvent\",\"schemaVersion\":1}"
                .getBytes(StandardCharsets.UTF_8));
        poison.put("aof.notification-requests", new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1});
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (var e : poison.entrySet()) {
                String key = "poison-" + (kafkaPoison.size() + 1);
                producer.send(new ProducerRecord<>(e.getKey(), key.getBytes(StandardCharsets.UTF_8), e.getValue()))
                        .get();
                kafkaPoison.add(e.getKey() + "|" + key);
            }
        }
    }

    /** When the suite made progress again after {@code since}: an incident moved and Workato answered a call. */
    private long awaitProgress(long since) {
        long deadline = System.currentTimeMillis() + 240_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                Long moved = queryLong("SELECT (extract(epoch FROM max(updated_at)) * 1000)::bigint FROM "
                        + "orchestrator.incident");
                List<Map<String, Object>> calls = lastCalls(50);
                boolean answered = calls.stream().anyMatch(c -> ((Number) c.get("answered_at")).longValue() > since
                        && ((Number) c.get("status")).intValue() == 200);
                if (moved != null && moved > since && answered) {
                    return Math.max(moved, System.currentTimeMillis() - 1);
                }
            } catch (Exception e) {
                // PostgreSQL may still be on its way back
            }
            sleep(500);
        }
        return since - 1;
    }

    // --- quiesce and check

    private boolean quiesce() throws Exception {
        for (Thread t : background) {
            t.join(200_000);
        }
        sim.delete("/sim/outage");
        sim.delete("/sim/slack/trouble");
        long deadline = System.currentTimeMillis() + options.quiesce().toMillis();
        String last = "";
        while (System.currentTimeMillis() < deadline) {
            try {
                List<Map<String, Object>> jobs = sim.jobs();
                long pending = jobs.stream().filter(j -> "pending".equals(j.get("status"))).count();
                Set<String> expected = expectedOriginals(jobs).keySet();
                Map<String, String> states = incidentStates();
                long missing = expected.stream().filter(id -> !states.containsKey(id)).count();
                long open = states.values().stream().filter(s -> !FINAL.contains(s)).count();
                long outbox = outboxRows();
                long repeats = queryLong("SELECT count(*) FROM recovery.repeat_request WHERE state NOT IN "
                        + "('DONE', 'CANCELLED')");
                long notes = queryLong("SELECT count(*) FROM notifier.notification WHERE state IN ('PENDING', "
                        + "'GROUPED')");
                String now = String.format("pending jobs %d, incidents missing %d, open %d, outbox %d, repeat "
                        + "requests open %d, notifications pending %d", pending, missing, open, outbox, repeats, notes);
                if (!now.equals(last)) {
                    say("quiesce: " + now);
                    last = now;
                }
                long stops = stoppedAt == 0 ? 1 : queryLong("SELECT count(*) FROM orchestrator.incident WHERE kind = "
                        + "'RECIPE_STOPPED' AND recipe_id = " + stopped.id());
                if (pending == 0 && missing == 0 && open == 0 && outbox == 0 && repeats == 0 && notes == 0
                        && stops > 0) {
                    sleep(5000);   // the logger and the notifier's last events
                    return true;
                }
            } catch (SQLException e) {
                say("quiesce: " + e.getMessage());
            }
            sleep(3000);
        }
        return false;
    }

    /** Original failures AOF must open an incident for: failed, not a repeat, not a test, not a called job. */
    private Map<String, Map<String, Object>> expectedOriginals(List<Map<String, Object>> jobs) {
        Map<String, Map<String, Object>> m = new LinkedHashMap<>();
        for (Map<String, Object> j : jobs) {
            Recipe r = recipeById.get(((Number) j.get("recipe_id")).longValue());
            if (r == null || r.kind().finalState == null || j.get("master_job_id") != null
                    || Boolean.TRUE.equals(j.get("is_test")) || j.get("calling_job_id") != null) {
                continue;
            }
            if (!"failed".equals(j.get("status")) && !"pending".equals(j.get("status"))) {
                continue;
            }
            m.put((String) j.get("id"), j);
        }
        return m;
    }

    private int check(boolean settled, long quiesceMillis) throws Exception {
        List<Map<String, Object>> jobs = sim.jobs();
        Map<String, Map<String, Object>> originals = expectedOriginals(jobs);
        Map<String, String> states = incidentStates();
        Map<String, Object> calls = JSON.readValue(sim.get("/sim/calls"), new TypeReference<>() {
        });
        @SuppressWarnings("unchecked")
        Map<String, Number> repeatsByOriginal = (Map<String, Number>) calls.get("repeats_by_original_job");
        @SuppressWarnings("unchecked")
        Map<String, Number> refused = (Map<String, Number>) calls.get("refused_repeats");
        List<Map<String, Object>> log = sim.callLog();
        Map<String, Map<String, Object>> byId = new HashMap<>();
        jobs.forEach(j -> byId.put((String) j.get("id"), j));

        Map<String, Set<String>> violations = new LinkedHashMap<>();
        for (String v : List.of("lost", "doubled", "stuck", "wrong")) {
            violations.put(v, new java.util.TreeSet<>());
        }
        List<String> details = new ArrayList<>();
        // 1. every original failure: one incident, in the final state its recipe's behaviour calls for, with
        //    exactly the repeats that behaviour needs
        Map<String, Set<String>> logged = loggedEventTypes();
        for (var e : originals.entrySet()) {
            String jobId = e.getKey();
            Recipe r = recipeById.get(((Number) e.getValue().get("recipe_id")).longValue());
            String state = states.get(jobId);
            int repeats = repeatsByOriginal.getOrDefault(jobId, 0).intValue();
            if (state == null) {
                violations.get("lost").add(jobId);
                details.add("LOST " + jobId + " (" + r.kind() + "): no incident");
                continue;
            }
            if (!FINAL.contains(state)) {
                violations.get("stuck").add(jobId);
                details.add("STUCK " + jobId + " (" + r.kind() + "): " + state + ", " + repeats + " repeats");
            } else if (!state.equals(r.kind().finalState)) {
                violations.get("wrong").add(jobId);
                details.add("WRONG " + jobId + " (" + r.kind() + "): " + state + " instead of " + r.kind().finalState
                        + ", " + repeats + " repeats");
            }
            if (repeats > r.kind().repeats) {
                violations.get("doubled").add(jobId);
                details.add("DOUBLED " + jobId + " (" + r.kind() + "): " + repeats + " repeats, policy allows "
                        + r.kind().repeats);
            } else if (repeats < r.kind().repeats && FINAL.contains(state) && state.equals(r.kind().finalState)
                    && !state.equals("RECOVERED")) {
                violations.get("lost").add(jobId);
                details.add("LOST " + jobId + " (" + r.kind() + "): " + repeats + " repeats of "
                        + r.kind().repeats + " decided");
            }
            // every event in the central log: the opening and the final event of each incident
            Set<String> types = logged.getOrDefault(jobId, Set.of());
            String finalEvent = switch (state) {
                case "RECOVERED" -> "IncidentRecovered";
                case "EXHAUSTED" -> "RetriesExhausted";
                case "NON_RETRYABLE" -> "IncidentNonRetryable";
                default -> null;
            };
            if (!types.contains("IncidentOpened") || (finalEvent != null && !types.contains(finalEvent))) {
                violations.get("lost").add(jobId);
                details.add("LOST from the event log " + jobId + ": has " + types);
            }
        }
        // 2. what must never be repeated: tests, called children, succeeded or forged jobs, non-retryable ones
        int neverRepeatedBreaches = 0;
        for (Map<String, Object> c : log) {
            if (!"repeat_jobs".equals(c.get("endpoint")) || ((Number) c.get("status")).intValue() != 200) {
                continue;
            }
            @SuppressWarnings("unchecked")
            List<String> ids = (List<String>) c.get("job_ids");
            for (String id : ids) {
                Map<String, Object> j = byId.get(id);
                if (forgedJobIds.contains(id) || j == null || Boolean.TRUE.equals(j.get("is_test"))
                        || j.get("calling_job_id") != null) {
                    neverRepeatedBreaches++;
                    violations.get("doubled").add(id);
                    details.add("REPEATED what must not be: " + id + (j == null ? " (unknown job)" : " " + j));
                }
            }
        }
        for (String id : refused.keySet()) {
            violations.get("doubled").add(id);
            details.add("REPEAT OF A SUCCEEDED JOB asked: " + id);
        }
        for (String forged : forgedJobIds) {
            if (states.containsKey(forged)) {
                violations.get("wrong").add(forged);
                details.add("FORGED job " + forged + " got an incident: " + states.get(forged));
            }
        }
        // 3. no call inside a Retry-After window (after the answer that gave it reached AOF; 300 ms of slack for
        //    calls already on the wire)
        int insideWindow = 0;
        List<long[]> windows = new ArrayList<>();
        for (Map<String, Object> c : log) {
            long ra = ((Number) c.get("retry_after")).longValue();
            if (((Number) c.get("status")).intValue() == 429 && ra > 0) {
                long answered = ((Number) c.get("answered_at")).longValue();
                windows.add(new long[]{answered + 300, answered + ra * 1000 - 300});
            }
        }
        windows.sort(Comparator.comparingLong(w -> w[0]));
        for (Map<String, Object> c : log) {
            long arrived = ((Number) c.get("arrived_at")).longValue();
            for (long[] w : windows) {
                if (w[0] > arrived) {
                    break;
                }
                if (arrived > w[0] && arrived < w[1]) {
                    insideWindow++;
                    if (insideWindow <= 5) {
                        details.add("CALL INSIDE A Retry-After WINDOW: " + c);
                    }
                    break;
                }
            }
        }
        // 4. notifications: none doubled in Slack or mail; none left undelivered
        List<Map<String, Object>> slack = sim.slackMessages();
        List<Map<String, Object>> mails = mailMessages();
        int slackDoubled = doubledSlackMessages(slack, details);
        List<String> threadBreaks = slackThreadBreaks(slack);
        threadBreaks.stream().limit(5).forEach(t -> details.add("SLACK THREAD " + t));
        List<String> mailBreaks = mailThreadBreaks(mails);
        mailBreaks.stream().limit(5).forEach(t -> details.add("MAIL THREAD " + t));
        int mailDoubled = doubledMails(mails, details);
        // SUPERSEDED: an outage's start or update overtaken before its turn, on purpose (its figures are shown);
        // STORMED: told inside a signature storm's thread (its figures, its list)
        long undelivered = queryLong("SELECT count(*) FROM notifier.notification WHERE state NOT IN ('SENT', "
                + "'DELIVERED', 'DIGESTED', 'SKIPPED', 'SUPERSEDED', 'STORMED')");
        // 5. dead letters: exactly the poison, each in the log, alerted
        List<String> deadLetterKeys = deadLetters();
        long deadLetters = deadLetterKeys.size();
        List<String> notPoison = deadLettersOtherThan(kafkaPoison, deadLetterKeys);
        notPoison.forEach(d -> details.add("DEAD LETTERS " + d));
        long dltAlerts = slack.stream().filter(m -> m.get("thread_ts") == null
                && "chat.postMessage".equals(m.get("method")) && "#aof-admin".equals(m.get("channel"))
                && (m.get("text") + " " + m.get("blocks")).toLowerCase().contains("dead letters are piling up"))
                .count();
        // 6. the recipe Workato stopped: exactly one RECIPE_STOPPED incident, ESCALATED, never repeated
        List<String> stopWrong = new ArrayList<>(stoppedAt == 0 ? List.of("the recipe was never stopped")
                : recipeStopMismatches(stopIncidents(), stopped.id()));
        for (Map<String, Object> c : log) {
            if ("repeat_jobs".equals(c.get("endpoint")) && ((Number) c.get("status")).intValue() == 200) {
                @SuppressWarnings("unchecked")
                List<String> ids = (List<String>) c.get("job_ids");
                for (String id : ids) {
                    Map<String, Object> j = byId.get(id);
                    if (j != null && ((Number) j.get("recipe_id")).longValue() == stopped.id()) {
                        stopWrong.add("job " + id + " of the stopped recipe repeated");
                    }
                }
            }
        }
        stopWrong.forEach(w -> details.add("RECIPE STOP " + w));
        long stuckRows = outboxRows() + queryLong("SELECT count(*) FROM recovery.repeat_request WHERE state NOT IN "
                + "('DONE', 'CANCELLED')");

        // attribute to the faults that had the job in flight
        for (Fault f : faults) {
            f.lost = (int) violations.get("lost").stream().filter(f.inFlightJobs::contains).count();
            f.doubled = (int) violations.get("doubled").stream().filter(f.inFlightJobs::contains).count();
            f.stuck = (int) violations.get("stuck").stream().filter(f.inFlightJobs::contains).count();
            f.wrong = (int) violations.get("wrong").stream().filter(f.inFlightJobs::contains).count();
        }
        int failures = 0;
        List<String[]> invariants = new ArrayList<>();
        failures += inv(invariants, "every original failure has its incident (lost)", violations.get("lost").size());
        failures += inv(invariants, "every incident final, as its recipe behaves (stuck / wrong)",
                violations.get("stuck").size() + violations.get("wrong").size());
        failures += inv(invariants, "repeats per incident as decided, none beyond policy (doubled)",
                violations.get("doubled").size());
        failures += inv(invariants, "no test / called / succeeded / forged job repeated", neverRepeatedBreaches
                + refused.size());
        failures += inv(invariants, "Workato calls inside a Retry-After window", insideWindow);
        failures += inv(invariants, "Slack messages doubled", slackDoubled);
        failures += inv(invariants, "Slack replies out of their incident's order (thread start, attempts, close)",
                threadBreaks.size());
        failures += inv(invariants, "e-mails doubled (one notification under two Message-IDs)", mailDoubled);
        failures += inv(invariants, "e-mails out of their incident's order (thread start, attempts)",
                mailBreaks.size());
        failures += inv(invariants, "notifications not delivered (stuck or failed)", (int) undelivered);
        failures += inv(invariants, "dead letters not exactly the " + kafkaPoison.size() + " poison records (by key)",
                notPoison.size());
        failures += inv(invariants, "dead-letter alerts (must be exactly 1)", !kafkaPoison.isEmpty()
                && dltAlerts != 1 ? 1 : 0);
        failures += inv(invariants, "stopped recipe not escalated exactly once, or repeated", stopWrong.size());
        failures += inv(invariants, "outbox rows / repeat requests left", (int) stuckRows);
        failures += inv(invariants, "settled within the quiesce time", settled ? 0 : 1);
        List<String> unmet = unmetFaults(faults);
        unmet.forEach(u -> details.add("FAULT MISSED ITS CONDITION " + u));
        failures += inv(invariants, "faults that missed what they must hit (a call / retries in flight)",
                unmet.size());
        synchronized (poisonResults) {
            for (String p : poisonResults) {
                int status = Integer.parseInt(p.substring(p.lastIndexOf(' ') + 1));
                if (status < 200 || status >= 500) {
                    failures += inv(invariants, "poison answered " + p, 1);
                }
            }
        }
        printTable(originals.size(), repeatsByOriginal, log, invariants, quiesceMillis, deadLetters, dltAlerts,
                slack.size(), mails);
        if (!details.isEmpty()) {
            System.out.println("Violations (first 40):");
            details.stream().limit(40).forEach(d -> System.out.println("  " + d));
        }
        Files.write(options.state().resolve("violations.txt"), details);
        System.out.println(failures == 0 ? "PROVED: every invariant held." : "NOT PROVED: " + failures
                + " invariant(s) violated; details in " + options.state().resolve("violations.txt") + ", logs in "
                + suite.logs);
        return failures;
    }

    /** The faults that did not hit what they were meant to hit: the proof did not test what it claims. */
    static List<String> unmetFaults(List<Fault> faults) {
        return faults.stream().filter(f -> f.unmet != null).map(f -> f.unmet).toList();
    }

    /**
     * How the dead letters ("topic|key", the topic without its dead-letter suffix) differ from the poison sent:
     * a poison record not dead-lettered, dead-lettered more than once, or a dead letter that is no poison.
     */
    static List<String> deadLettersOtherThan(List<String> poison, List<String> deadLetters) {
        Map<String, Integer> seen = new LinkedHashMap<>();
        deadLetters.forEach(d -> seen.merge(d, 1, Integer::sum));
        List<String> wrong = new ArrayList<>();
        for (String p : poison) {
            int n = seen.getOrDefault(p, 0);
            if (n != 1) {
                wrong.add(p + ": a poison record dead-lettered " + n + " times");
            }
        }
        seen.forEach((d, n) -> {
            if (!poison.contains(d)) {
                wrong.add(d + ": dead-lettered " + n + " time(s), and it is no poison");
            }
        });
        return wrong;
    }

    /**
     * What is wrong with the RECIPE_STOPPED incidents ({recipe_id, state, attempt, attempts recorded}) when only
     * {@code stoppedRecipe} was stopped: it must have exactly one, ESCALATED, with no attempt; no other recipe any.
     */
    static List<String> recipeStopMismatches(List<long[]> incidents, long stoppedRecipe) {
        List<String> wrong = new ArrayList<>();
        long ours = incidents.stream().filter(i -> i[0] == stoppedRecipe).count();
        if (ours != 1) {
            wrong.add("recipe " + stoppedRecipe + " has " + ours + " RECIPE_STOPPED incidents (must be 1)");
        }
        for (long[] i : incidents) {
            if (i[0] != stoppedRecipe) {
                wrong.add("recipe " + i[0] + " was never stopped but has a RECIPE_STOPPED incident");
            } else if (i[1] != 1) {
                wrong.add("recipe " + i[0] + "'s RECIPE_STOPPED incident is not ESCALATED");
            } else if (i[2] != 0 || i[3] != 0) {
                wrong.add("recipe " + i[0] + "'s RECIPE_STOPPED incident was repeated (attempt " + i[2] + ", "
                        + i[3] + " attempts recorded)");
            }
        }
        return wrong;
    }

    /** The RECIPE_STOPPED incidents: recipe, 1 if ESCALATED, attempt, attempts recorded. */
    private List<long[]> stopIncidents() throws SQLException {
        List<long[]> l = new ArrayList<>();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT i.recipe_id, i.state = 'ESCALATED', i.attempt, (SELECT count(*) FROM "
                        + "orchestrator.incident_attempt a WHERE a.incident_id = i.id) FROM orchestrator.incident i "
                        + "WHERE i.kind = 'RECIPE_STOPPED'")) {
            while (rs.next()) {
                l.add(new long[]{rs.getLong(1), rs.getBoolean(2) ? 1 : 0, rs.getLong(3), rs.getLong(4)});
            }
        }
        return l;
    }

    private List<String> deadLetters() throws SQLException {
        List<String> keys = new ArrayList<>();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT topic, message_key FROM logger.event_log WHERE dead_letter ORDER BY id")) {
            while (rs.next()) {
                String topic = rs.getString(1);
                if (topic.endsWith(".dlt")) {
                    topic = topic.substring(0, topic.length() - ".dlt".length());
                }
                keys.add(topic + "|" + rs.getString(2));
            }
        }
        return keys;
    }

    private static int inv(List<String[]> rows, String name, int count) {
        rows.add(new String[]{name, Integer.toString(count), count == 0 ? "ok" : "VIOLATED"});
        return count == 0 ? 0 : 1;
    }

    private void printTable(int originals, Map<String, Number> repeats, List<Map<String, Object>> log,
                            List<String[]> invariants, long quiesceMillis, long deadLetters, long dltAlerts,
                            int slackCount, List<Map<String, Object>> mails)
            throws Exception {
        String line = "-".repeat(150);
        System.out.println(line);
        System.out.printf("AOF proof run %s, %s: %d recipes, %d original failures (%d pushed by webhook, %d test "
                        + "jobs), load %d s, settled in %d s%n", Instant.now(), options.full() ? "full" : "short",
                recipes.size(), originals, pushed.get(), testJobs.get(), options.load().toSeconds(),
                quiesceMillis / 1000);
        System.out.println(line);
        System.out.printf("%-78s %7s %-38s %9s %5s %7s %5s %5s%n", "fault", "at", "in flight", "recovered", "lost",
                "doubled", "stuck", "wrong");
        for (Fault f : faults) {
            System.out.printf("%-78s %6ds %-38s %9s %5d %7d %5d %5d%n", f.name, f.at / 1000, f.inFlight,
                    f.recoveredMillis < 0 ? "-" : (f.recoveredMillis / 1000) + " s", f.lost, f.doubled, f.stuck,
                    f.wrong);
        }
        System.out.println(line);
        long repeatCalls = log.stream().filter(c -> "repeat_jobs".equals(c.get("endpoint"))).count();
        long okRepeats = repeats.values().stream().mapToLong(Number::longValue).sum();
        long throttled = log.stream().filter(c -> ((Number) c.get("status")).intValue() == 429).count();
        System.out.printf("totals: Workato calls %d (repeat_jobs %d, 429 answered %d), repeats made %d, incidents %s,"
                        + " Slack messages %d, e-mails %d (%d of them sent again under their Message-ID after a lost"
                        + " answer), dead letters %d (alerts %d)%n", log.size(), repeatCalls,
                throttled, okRepeats, incidentSummary(), slackCount, mails.size(), sentAgain(mails),
                deadLetters, dltAlerts);
        synchronized (poisonResults) {
            System.out.println("poison on the webhook: " + String.join("; ", poisonResults));
        }
        System.out.println(line);
        System.out.printf("%-80s %8s %s%n", "invariant", "count", "");
        for (String[] r : invariants) {
            System.out.printf("%-80s %8s %s%n", r[0], r[1], r[2]);
        }
        System.out.println(line);
        notes.forEach(n -> System.out.println("note: " + n));
    }

    // --- reading the records

    private List<Map<String, Object>> lastCalls(int n) throws Exception {
        List<Map<String, Object>> all = callLogTail;
        List<Map<String, Object>> page = JSON.readValue(sim.get("/sim/calls/log?from=" + callLogSeen
                + "&limit=100000"), new TypeReference<>() {
                });
        callLogSeen += page.size();
        all.addAll(page);
        while (all.size() > n) {
            all.remove(0);
        }
        return all;
    }

    private final List<Map<String, Object>> callLogTail = new ArrayList<>();
    private int callLogSeen;

    private int slackCount() throws Exception {
        return sim.slackMessages().size();
    }

    private List<Map<String, Object>> mailMessages() throws Exception {
        return JSON.readValue(sim.get("/sim/mail/messages"), new TypeReference<>() {
        });
    }

    /** The same message (channel, thread, text, method) received twice is a doubled notification. */
    private static int doubledSlackMessages(List<Map<String, Object>> messages, List<String> details) {
        Map<String, Integer> seen = new HashMap<>();
        for (Map<String, Object> m : messages) {
            // a digest's text can repeat ("4 more alerts for 4 incidents"), its blocks (the incidents) cannot
            String key = m.get("method") + "|" + m.get("channel") + "|" + m.get("thread_ts") + "|" + m.get("text")
                    + "|" + m.get("blocks") + "|" + ("chat.update".equals(m.get("method")) ? m.get("ts") : "");
            seen.merge(key, 1, Integer::sum);
        }
        int doubled = 0;
        for (var e : seen.entrySet()) {
            if (e.getValue() > 1) {
                doubled += e.getValue() - 1;
                if (doubled <= 5) {
                    details.add("SLACK DOUBLED x" + e.getValue() + ": " + abbreviate(e.getKey()));
                }
            }
        }
        return doubled;
    }

    /**
     * Read from the Slack sink alone, in the order it received them (its ts grow): every reply
     * ({@code thread_ts}) must follow, in the same channel, the message that started its thread; and in an
     * incident's thread (started by a failure alert), the replies come in the incident's order: their attempt
     * numbers never go back, and nothing follows the reply that closed the incident (recovered, exhausted,
     * resolved).
     */
    static List<String> slackThreadBreaks(List<Map<String, Object>> messages) {
        Map<String, ThreadSeen> started = new HashMap<>();
        List<String> breaks = new ArrayList<>();
        for (Map<String, Object> m : messages) {
            if (!"chat.postMessage".equals(m.get("method"))) {
                continue;
            }
            Object thread = m.get("thread_ts");
            String text = String.valueOf(m.get("text"));
            if (thread == null) {
                started.put(m.get("channel") + "|" + m.get("ts"), new ThreadSeen(text.startsWith(":warning:")));
                continue;
            }
            ThreadSeen t = started.get(m.get("channel") + "|" + thread);
            String where = "reply " + m.get("ts") + " in " + m.get("channel") + " to thread " + thread;
            if (t == null) {
                breaks.add(where + ", which no earlier message there started: " + abbreviate(text));
                continue;
            }
            if (!t.incident) {
                continue;
            }
            if (t.closedBy != null) {
                breaks.add(where + " after the reply that closed the incident (" + abbreviate(t.closedBy) + "): "
                        + abbreviate(text));
            }
            Matcher attempt = ATTEMPT.matcher(text);
            if (attempt.find()) {
                int n = Integer.parseInt(attempt.group(1));
                if (n < t.lastAttempt) {
                    breaks.add(where + ": attempt " + n + " after attempt " + t.lastAttempt + ": "
                            + abbreviate(text));
                }
                t.lastAttempt = Math.max(t.lastAttempt, n);
            }
            if (CLOSING.stream().anyMatch(text::startsWith)) {
                t.closedBy = text;
            }
        }
        return breaks;
    }

    /** An incident's thread as the sink showed it so far. */
    private static final class ThreadSeen {
        final boolean incident;
        int lastAttempt;
        String closedBy;

        ThreadSeen(boolean incident) {
            this.incident = incident;
        }
    }

    private static final Pattern ATTEMPT = Pattern.compile("attempt (\\d+) of ");
    /** The icons of the replies that close an incident (recovered, exhausted, resolved by hand). */
    private static final List<String> CLOSING = List.of(":white_check_mark:", ":rotating_light:",
            ":heavy_check_mark:");

    /**
     * Read from the mail catcher alone, in the order it received them: a follow-up ({@code In-Reply-To}) must
     * come after the message it answers, and in one incident's conversation (per recipients) the attempt
     * numbers never go back.
     */
    static List<String> mailThreadBreaks(List<Map<String, Object>> mails) {
        Set<Object> seen = new HashSet<>();
        Map<String, Integer> lastAttempt = new HashMap<>();
        List<String> breaks = new ArrayList<>();
        for (Map<String, Object> m : mails) {
            Object parent = m.get("in_reply_to");
            String text = String.valueOf(m.get("text"));
            if (parent != null) {
                if (!seen.contains(parent)) {
                    breaks.add("e-mail " + m.get("message_id") + " answers " + parent + ", which came later or "
                            + "never: " + abbreviate(String.valueOf(m.get("subject"))));
                }
                Matcher attempt = MAIL_ATTEMPT.matcher(text);
                if (attempt.find()) {
                    int n = Integer.parseInt(attempt.group(1));
                    String conversation = m.get("to") + "|" + parent;
                    Integer last = lastAttempt.get(conversation);
                    if (last != null && n < last) {
                        breaks.add("e-mail " + m.get("message_id") + ": attempt " + n + " after attempt " + last
                                + " in the conversation of " + parent);
                    }
                    lastAttempt.merge(conversation, n, Math::max);
                }
            }
            seen.add(m.get("message_id"));
        }
        return breaks;
    }

    private static final Pattern MAIL_ATTEMPT = Pattern.compile("Attempt:\\s+(\\d+) of ");

    /**
     * The same e-mail (recipients, subject, text) received under two Message-IDs is a doubled notification. The
     * same Message-ID received again is the one message sent again after its answer was lost (SMTP cannot be
     * asked whether it took it): mail systems can tell it is the same; counted in the totals, not a violation.
     */
    static int doubledMails(List<Map<String, Object>> mails, List<String> details) {
        Map<String, Set<Object>> ids = new HashMap<>();
        for (Map<String, Object> m : mails) {
            String key = m.get("to") + "|" + m.get("subject") + "|" + m.get("text");
            ids.computeIfAbsent(key, k -> new HashSet<>()).add(m.get("message_id"));
        }
        int doubled = 0;
        for (var e : ids.entrySet()) {
            if (e.getValue().size() > 1) {
                doubled += e.getValue().size() - 1;
                details.add("MAIL DOUBLED x" + e.getValue().size() + " (Message-IDs " + e.getValue() + "): "
                        + abbreviate(e.getKey()));
            }
        }
        return doubled;
    }

    /** E-mails received again under the Message-ID they had (sent again after a lost answer). */
    static int sentAgain(List<Map<String, Object>> mails) {
        return mails.size() - (int) mails.stream().map(m -> m.get("to") + "|" + m.get("subject") + "|"
                + m.get("text") + "|" + m.get("message_id")).distinct().count();
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private Map<String, String> incidentStates() throws SQLException {
        Map<String, String> m = new HashMap<>();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT original_job_id, state FROM orchestrator.incident WHERE kind = 'JOB_FAILURE'")) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getString(2));
            }
        }
        return m;
    }

    private String incidentSummary() throws SQLException {
        StringBuilder b = new StringBuilder();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT state, count(*) FROM orchestrator.incident GROUP BY state ORDER BY state")) {
            while (rs.next()) {
                b.append(b.isEmpty() ? "" : ", ").append(rs.getString(1)).append(' ').append(rs.getLong(2));
            }
        }
        return b.toString();
    }

    private Set<String> openIncidentJobs() throws SQLException {
        Set<String> s = new HashSet<>();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT original_job_id FROM orchestrator.incident WHERE state NOT IN ('RECOVERED', 'EXHAUSTED', "
                        + "'NON_RETRYABLE', 'ESCALATED', 'MANUALLY_RESOLVED')")) {
            while (rs.next()) {
                s.add(rs.getString(1));
            }
        }
        // and the failures of the last 30 s, which may not be incidents yet
        try {
            long since = System.currentTimeMillis() - 30_000;
            for (Map<String, Object> j : sim.jobs()) {
                if (((Number) j.get("started_at")).longValue() > since && j.get("master_job_id") == null) {
                    s.add((String) j.get("id"));
                }
            }
        } catch (Exception ignored) {
            // the simulator is never killed
        }
        return s;
    }

    private String inFlightSummary() throws Exception {
        long open = queryLong("SELECT count(*) FROM orchestrator.incident WHERE state NOT IN ('RECOVERED', "
                + "'EXHAUSTED', 'NON_RETRYABLE', 'ESCALATED', 'MANUALLY_RESOLVED')");
        long due = queryLong("SELECT count(*) FROM orchestrator.scheduled_retry");
        long calling = queryLong("SELECT count(*) FROM recovery.repeat_request WHERE state = 'CALLING'");
        long outbox = outboxRows();
        return "open " + open + ", due " + due + ", calling " + calling + ", outbox " + outbox;
    }

    private Map<String, Set<String>> loggedEventTypes() throws SQLException {
        Map<String, Set<String>> m = new HashMap<>();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT DISTINCT i.original_job_id, e.event_type FROM logger.event_log e JOIN orchestrator.incident i "
                        + "ON i.id = e.incident_id WHERE e.event_type IN ('IncidentOpened', 'IncidentRecovered', "
                        + "'RetriesExhausted', 'IncidentNonRetryable')")) {
            while (rs.next()) {
                m.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
            }
        }
        return m;
    }

    private long outboxRows() throws SQLException {
        long n = 0;
        for (String schema : List.of("\"collation\"", "orchestrator", "recovery", "notifier", "logger")) {
            n += queryLong("SELECT count(*) FROM " + schema + ".outbox");
        }
        return n;
    }

    private Long queryLong(String sql) throws SQLException {
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            long v = rs.getLong(1);
            return rs.wasNull() ? null : v;
        }
    }

    private String firstSucceededJob() throws Exception {
        for (Map<String, Object> j : sim.jobs()) {
            if (((Number) j.get("recipe_id")).longValue() == healthy.id() && "succeeded".equals(j.get("status"))) {
                return (String) j.get("id");
            }
        }
        throw new IllegalStateException("no succeeded job of the healthy recipe");
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void say(String message) {
        System.out.println("[prove] " + message);
        System.out.flush();
    }
}
