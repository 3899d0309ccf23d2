package io.aof.launcher;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The end-to-end pipeline throughput benchmark ({@code benchmarks/pipeline-throughput.sh}): the suite as separate
 * processes, as {@code ./aof up} runs them (the same JVM options and heap caps, PostgreSQL with zonky's settings),
 * in a state folder and on ports of its own; N failures fed at full speed (a) through collation's webhook by 8
 * keep-alive clients and (b) by polling the simulator; then raw Kafka on the same broker with records of the same
 * size. Prints figures, asserts nothing.
 */
final class PipelineBenchmark {

    static final int PORT_BASE = 28000;
    static final String[] SERVICES = {"collation", "orchestrator", "recovery", "notifier", "logger"};
    static final String ERROR = "500 Internal Server Error from upstream API";
    private static final Duration JOB_DURATION = Duration.ofSeconds(1);
    private static final int CLIENTS = 8;

    private final int n;
    private final ProofSuite suite;
    private final SimClient sim;
    private final List<String> settings = new ArrayList<>();
    private final List<PhaseResult> results = new ArrayList<>();
    private String rawKafka = "";

    PipelineBenchmark(int n, ProofSuite suite) {
        this.n = n;
        this.suite = suite;
        this.sim = new SimClient(suite.simUrl(), Duration.ofSeconds(120));
    }

    static int run(Path root, int n, String brokerClasspath) throws Exception {
        Path state = root.resolve(".aof-bench");
        SuiteParts.deleteTree(state);
        Files.createDirectories(state);
        // the simulator's read limit off (0): the benchmark measures AOF, not Workato's 60 reads a minute
        ProofOptions options = new ProofOptions(20, n, Duration.ofMinutes(1), Duration.ofMinutes(30), false,
                PORT_BASE, state, 0, 1, Duration.ofSeconds(1), 1);
        ProofSuite suite = new ProofSuite(root, options, brokerClasspath);
        PipelineBenchmark bench = new PipelineBenchmark(n, suite);
        suite.tune(bench.tuning(state));
        Thread hook = new Thread(suite::close, "bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            bench.measure();
        } finally {
            suite.close();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        bench.printProfiles(state);
        return 0;
    }

    /**
     * {@code BENCH_JFR=<service>,...}: where each recorded service's CPU went during the phases (its flight
     * recording is written when it stops, so this comes after the suite is down).
     */
    private void printProfiles(Path state) throws IOException {
        if (JFR.isEmpty() || measuredFrom == null || measuredTo == null) {
            return;
        }
        StringBuilder out = new StringBuilder("\n=== Where the recorded services' Java execution went during the three "
                + "phases (JFR execution samples, one per 10 ms of a thread running Java code, each charged to the "
                + "first library on the stack outside the JDK; GC, JIT, native and kernel time are not sampled) ===\n"
                + "\n| service | samples | library (share of samples) | threads (share) |\n"
                + "| --- | --- | --- | --- |\n");
        for (String name : JFR) {
            Path recording = state.resolve(name + ".jfr");
            if (!Files.exists(recording)) {
                out.append("| ").append(name).append(" | no recording at ").append(recording)
                        .append(" | | |\n");
                continue;
            }
            out.append(JfrSummary.row(name, recording, measuredFrom, measuredTo)).append('\n');
        }
        System.out.print(out);
        Files.writeString(state.resolve("profile.md"), out.toString());
    }

    /** When the first phase started and the last ended (a flight recording's samples between them are profiled). */
    private Instant measuredFrom;
    private Instant measuredTo;

    /** The services as ./aof up runs them, with the limits that would measure Workato instead of AOF raised. */
    ProofSuite.Tuning tuning(Path state) {
        Map<String, List<String>> args = new LinkedHashMap<>();
        args.put("collation-service", List.of(
                "--aof.collation.poll-interval=1s",
                "--aof.workato.resilience.reads-per-minute=6000000",
                "--aof.collation.max-pages-per-recipe=1000",
                "--aof.collation.max-detail-reads-per-recipe=1000000",
                "--aof.collation.webhook.per-source-per-minute=100000000",
                "--aof.collation.webhook.verify-delay=1s",
                "--aof.collation.webhook.verify-batch=1000",
                // the webhook recipes are verified by reading each job, not by the poll (as in the proof)
                "--aof.collation.watch.exclude-name-patterns[0]=Webhook only.*"));
        args.put("orchestrator-service", List.of(
                // no repeat falls due during the run: the benchmark measures intake to incident, not repeats
                "--aof.orchestrator.policies.defaults.initial-delay=1h",
                "--aof.orchestrator.policies.defaults.max-delay=2h"));
        Map<String, List<String>> extraJvm = new LinkedHashMap<>();
        for (String name : JFR) {
            extraJvm.put(name, List.of("-XX:StartFlightRecording=filename=" + state.resolve(name + ".jfr")
                    + ",settings=profile,dumponexit=true"));
        }
        settings.add("services: " + String.join(" ", SuiteParts.LOCAL_SERVICE_JVM) + " (as ./aof up)"
                + (JFR.isEmpty() ? "" : "; JFR on " + String.join(",", JFR) + " (" + state + "/<service>.jfr)"));
        settings.add("PostgreSQL 17 (zonky binaries) with zonky's settings as in ./aof up: synchronous_commit=off, "
                + "max_connections=300, shared_buffers=128MB; one KRaft broker (6 partitions a topic); PostgreSQL's RSS is "
                + "the postmaster's plus its backends' private memory (RssAnon)");
        settings.add("simulator: reads-per-minute=0 (unlimited; Workato's is 60), job-duration=1s");
        args.forEach((module, list) -> settings.add(module + ": " + String.join(" ", list)));
        List<String> postgres = new ArrayList<>(List.of("synchronous_commit=off", "timezone=UTC"));
        if (STATEMENTS) {
            postgres.add("shared_preload_libraries=pg_stat_statements");
            settings.add("BENCH_PG_STATEMENTS=1: pg_stat_statements loaded; each phase's top statements by "
                    + "execution time are printed after the tables");
        }
        return new ProofSuite.Tuning(SuiteParts.LOCAL_SERVICE_JVM, args, extraJvm, postgres);
    }

    /** {@code BENCH_JFR=collation,orchestrator}: the services that run with a flight recording. */
    static final List<String> JFR = java.util.Arrays.stream(System.getenv().getOrDefault("BENCH_JFR", "")
            .split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();

    /** {@code BENCH_PG_STATEMENTS=1}: PostgreSQL's statements profiled per phase (pg_stat_statements). */
    static final boolean STATEMENTS = "1".equals(System.getenv("BENCH_PG_STATEMENTS"));

    /** PostgreSQL's statement statistics from now on (a phase's start). */
    private void resetStatements() throws SQLException {
        if (!STATEMENTS) {
            return;
        }
        try (Connection c = suite.db(); var st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            st.execute("SELECT pg_stat_statements_reset()");
        }
    }

    /** The statements that took most of PostgreSQL's execution time since the phase started, as table rows. */
    private List<String> topStatements() throws SQLException {
        if (!STATEMENTS) {
            return List.of();
        }
        List<String> rows = new ArrayList<>();
        try (Connection c = suite.db(); var st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT calls, total_exec_time, 100 * total_exec_time / sum(total_exec_time) OVER (), rows,
                       left(regexp_replace(query, '\\s+', ' ', 'g'), 150),
                       sum(total_exec_time) OVER (), sum(calls) OVER (), shared_blks_hit + shared_blks_read
                  FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15""")) {
            while (rs.next()) {
                if (rows.isEmpty()) {
                    rows.add(String.format("| all | %,d | %,.0f ms | 100%% | | | |", rs.getLong(7),
                            rs.getDouble(6)));
                }
                rows.add(String.format("| %s | %,d | %,.0f ms | %.1f%% | %,d | %.3f ms | %.1f |", rs.getString(5)
                                .replace("|", "\\|"), rs.getLong(1), rs.getDouble(2), rs.getDouble(3),
                        rs.getLong(4), rs.getDouble(2) / Math.max(1, rs.getLong(1)),
                        rs.getLong(8) / (double) Math.max(1, rs.getLong(1))));
            }
        }
        return rows;
    }

    void measure() throws Exception {
        say("N = " + n + "; state " + suite.state + ", ports " + PORT_BASE + "..");
        suite.startInfrastructure();
        say("Starting the five services ...");
        suite.startServices(List.of(SERVICES));
        say("Suite up; a 15 s pause for the services to settle after start");
        Thread.sleep(15_000);
        measuredFrom = Instant.now();
        results.add(webhookPhase(1));
        results.add(webhookPhase(BATCH));
        results.add(pollingPhase());
        measuredTo = Instant.now();
        rawKafka();
        print();
    }

    // --- (a) the webhook

    /** Failures a request in the batch phase (the webhook's largest batch). */
    static final int BATCH = 500;

    /** The webhook, one failure a request ({@code batch} 1) or batches of {@code batch} failures a request. */
    private PhaseResult webhookPhase(int batch) throws Exception {
        String name = batch == 1 ? "webhook (8 clients, keep-alive)"
                : "webhook batches of " + batch + " (8 clients, keep-alive)";
        List<Long> recipes = createRecipes(batch == 1 ? "Webhook only bench #" : "Webhook only batch bench #", 50);
        List<String[]> jobs = triggerAll(recipes);
        say("(a) " + name + ": " + jobs.size() + " failed jobs made in the simulator; waiting until they have "
                + "failed");
        awaitFailed(jobs.get(jobs.size() - 1)[1]);
        Map<String, Long> readsBefore = jobReads();
        Sampler sampler = new Sampler();
        sampler.start();
        AtomicInteger next = new AtomicInteger();
        AtomicLong refused = new AtomicLong();
        AtomicLong lastAnswer = new AtomicLong();
        long t0 = System.currentTimeMillis();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Thread t = new Thread(() -> postAll(jobs, batch, next, refused, lastAnswer), "bench-webhook-" + c);
            clients.add(t);
            t.start();
        }
        for (Thread t : clients) {
            t.join();
        }
        long intakeMillis = lastAnswer.get() - t0;
        say("(a) " + jobs.size() + " posted in " + secs(intakeMillis) + " s (" + refused.get()
                + " answers not 2xx, sent again); waiting for the incidents and their events");
        PhaseResult r = settle(name, recipes, t0, intakeMillis, sampler,
                "\"collation\".webhook_pending w ON w.job_id = i.original_job_id", "w.received_at");
        // what verifying them cost in Workato reads (the webhook recipes are left out of the poll: only the verifier
        // lists or reads their jobs)
        Map<String, Long> readsAfter = jobReads();
        long details = readsAfter.get("get_job") - readsBefore.get("get_job");
        long listings = readsAfter.get("list_jobs") - readsBefore.get("list_jobs");
        say(String.format(java.util.Locale.ROOT, "(a) Workato job reads while verifying: get_job %d, list_jobs %d: "
                + "%.3f reads per webhook failure", details, listings, (details + listings) / (double) jobs.size()));
        return r;
    }

    /** The simulator's answered {@code get_job} and {@code list_jobs} calls so far, whatever their status. */
    private Map<String, Long> jobReads() throws IOException, InterruptedException {
        JsonNode calls = ProofRun.JSON.readTree(sim.get("/sim/calls")).path("api").path("calls");
        Map<String, Long> n = new LinkedHashMap<>();
        for (String endpoint : List.of("get_job", "list_jobs")) {
            long sum = 0;
            for (JsonNode byStatus : calls.path(endpoint)) {
                sum += byStatus.asLong();
            }
            n.put(endpoint, sum);
        }
        return n;
    }

    private void postAll(List<String[]> jobs, int batch, AtomicInteger next, AtomicLong refused,
                         AtomicLong lastAnswer) {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3)).build();
        URI uri = URI.create(suite.url("collation") + "/api/webhooks/job-failures");
        int i;
        while ((i = next.getAndAdd(batch)) < jobs.size()) {
            List<String> items = new ArrayList<>();
            for (String[] job : jobs.subList(i, Math.min(jobs.size(), i + batch))) {
                items.add("{\"recipe_id\":" + job[0] + ",\"recipe_name\":\"Webhook only bench\",\"job_id\":\""
                        + job[1] + "\",\"error\":\"" + ERROR + "\",\"http_status\":500}");
            }
            String body = batch == 1 ? items.get(0) : "[" + String.join(",", items) + "]";
            while (true) {
                try {
                    HttpResponse<Void> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + suite.webhookToken)
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() / 100 == 2) {
                        break;
                    }
                    refused.incrementAndGet();
                } catch (IOException e) {
                    refused.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                ProofRun.sleep(100);
            }
            lastAnswer.accumulateAndGet(System.currentTimeMillis(), Math::max);
        }
    }

    // --- (b) polling

    private PhaseResult pollingPhase() throws Exception {
        List<Long> recipes = createRecipes("Polled bench #", 100);
        Sampler sampler = new Sampler();
        sampler.start();
        long triggered = System.currentTimeMillis();
        List<String[]> jobs = triggerAll(recipes);
        // the first job fails one job-duration after it was made: that is when the first failure is "in" Workato
        long t0 = triggered + JOB_DURATION.toMillis();
        say("(b) polling: " + jobs.size() + " jobs made in the simulator in " + secs(System.currentTimeMillis()
                - triggered) + " s; each fails after " + JOB_DURATION.toSeconds() + " s; collation polls them");
        PhaseResult r = settle("polling (1 s sweeps)", recipes, t0, -1, sampler,
                "\"collation\".collected_job w ON w.job_id = i.original_job_id", "w.collected_at");
        return r;
    }

    // --- the simulator

    private List<Long> createRecipes(String prefix, int count) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, Object> body = Map.of("name", prefix + i, "folderId", 90, "behaviour", Map.of("kind",
                    "ALWAYS_FAIL", "error", ERROR, "errorTypeId", "err.http.response.server_error", "httpCode", 500));
            JsonNode created = ProofRun.JSON.readTree(sim.post("/sim/recipes", ProofRun.JSON.writeValueAsString(body)));
            ids.add(created.get("id").asLong());
        }
        return ids;
    }

    /** N jobs spread over the recipes, at most 1,000 a call (the simulator's bound); {recipe id, job id} each. */
    private List<String[]> triggerAll(List<Long> recipes) throws Exception {
        List<String[]> jobs = new ArrayList<>(n);
        int per = n / recipes.size();
        int extra = n % recipes.size();
        for (int r = 0; r < recipes.size(); r++) {
            int want = per + (r < extra ? 1 : 0);
            while (want > 0) {
                int count = Math.min(1000, want);
                Map<String, List<String>> answer = ProofRun.JSON.readValue(sim.post("/sim/recipes/" + recipes.get(r)
                        + "/trigger?count=" + count, ""), new TypeReference<>() {
                        });
                for (String id : answer.get("job_ids")) {
                    jobs.add(new String[]{Long.toString(recipes.get(r)), id});
                }
                want -= count;
            }
        }
        return jobs;
    }

    private void awaitFailed(String lastJobId) throws Exception {
        long end = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < end) {
            JsonNode job = ProofRun.JSON.readTree(sim.get("/sim/jobs/" + lastJobId));
            if ("failed".equals(job.path("status").asText())) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the simulator's jobs did not fail within 120 s");
    }

    // --- settling and the figures of a phase

    record PhaseResult(String name, int failures, double intakePerSecond, double endToEndSeconds, double p50,
                       double p95, double eventsPerFailure, long lastOpenedMillis, Sampler sampler,
                       Map<String, double[]> cpu, boolean settled, List<String> statements) {
    }

    private PhaseResult settle(String name, List<Long> recipes, long t0, long intakeMillis, Sampler sampler,
                               String receivedJoin, String receivedColumn) throws Exception {
        Map<String, Long> cpuStart = sampler.cpuStart;
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(45).toMillis();
        long lastEvents = -1;
        int stable = 0;
        boolean settled = false;
        long lastSay = 0;
        try (Connection c = suite.db(); PreparedStatement incidents = c.prepareStatement(
                "SELECT count(*) FROM orchestrator.incident WHERE recipe_id = ANY(?)");
             PreparedStatement events = c.prepareStatement(
                     "SELECT count(*) FROM logger.event_log WHERE recipe_id = ANY(?)")) {
            Array ids = c.createArrayOf("bigint", recipes.toArray());
            incidents.setArray(1, ids);
            events.setArray(1, ids);
            while (System.currentTimeMillis() < deadline) {
                long opened = single(incidents);
                // the event count scans the event log by recipe: read only when it can end the wait or is printed,
                // so the benchmark's own queries do not weigh on the database it measures
                boolean print = System.currentTimeMillis() - lastSay > 10_000;
                long logged = opened >= n || print ? single(events) : -1;
                boolean quiet = sampler.lastLag == 0 && sampler.lastOutbox == 0;
                if (opened >= n && quiet && logged == lastEvents) {
                    if (++stable >= 3) {
                        settled = true;
                        break;
                    }
                } else {
                    stable = 0;
                }
                lastEvents = logged;
                if (print) {
                    lastSay = System.currentTimeMillis();
                    say("   " + secs(lastSay - t0) + " s: " + opened + " incidents opened, " + logged
                            + " events logged, consumer lag " + sampler.lastLag + ", outbox rows "
                            + sampler.lastOutbox + ", webhook failures pending verification " + sampler.lastPending);
                }
                Thread.sleep(1000);
            }
        }
        sampler.stop();
        Map<String, double[]> cpu = sampler.cpuSince(cpuStart);
        List<String> statements = topStatements();
        String filter = "i.recipe_id = ANY(?)";
        double lastOpened;
        double lastLogged;
        double p50;
        double p95;
        double eventsPerFailure;
        double firstIn;
        try (Connection c = suite.db()) {
            Array ids = c.createArrayOf("bigint", recipes.toArray());
            double[] opened = doubles(c, "SELECT extract(epoch FROM max(opened_at)) * 1000, count(*) FROM "
                    + "orchestrator.incident i WHERE " + filter, ids);
            lastOpened = opened[0];
            double[] logged = doubles(c, "SELECT extract(epoch FROM max(ingested_at)) * 1000, count(*) FROM "
                    + "logger.event_log WHERE recipe_id = ANY(?)", ids);
            lastLogged = logged[0];
            eventsPerFailure = logged[1] / Math.max(1, opened[1]);
            double[] latency = doubles(c, "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), "
                    + "percentile_cont(0.95) WITHIN GROUP (ORDER BY d), extract(epoch FROM min(r)) * 1000, "
                    + "extract(epoch FROM max(r)) * 1000 FROM (SELECT extract(epoch FROM (i.opened_at - "
                    + receivedColumn + ")) AS d, " + receivedColumn + " AS r FROM orchestrator.incident i JOIN "
                    + receivedJoin + " WHERE " + filter + ") x", ids);
            p50 = latency[0];
            p95 = latency[1];
            firstIn = latency[2];
            if (intakeMillis < 0) {
                // polling: the failures are "taken in" when collation has collected the last of them
                intakeMillis = (long) (latency[3] - t0);
            }
        }
        double endToEnd = (Math.max(lastOpened, lastLogged) - t0) / 1000.0;
        say("   settled: " + settled + "; end to end " + String.format("%.1f", endToEnd) + " s; first failure "
                + "received by collation " + secs((long) (firstIn - t0)) + " s after t0");
        return new PhaseResult(name, n, n / (intakeMillis / 1000.0), endToEnd, p50, p95, eventsPerFailure,
                (long) lastOpened, sampler, cpu, settled, statements);
    }

    private static long single(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double[] doubles(Connection c, String sql, Array ids) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 1; i <= ps.getParameterMetaData().getParameterCount(); i++) {
                ps.setArray(i, ids);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                double[] out = new double[rs.getMetaData().getColumnCount()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = rs.getDouble(i + 1);
                }
                return out;
            }
        }
    }

    // --- sampling: consumer lag, outbox backlog, heap, RSS, CPU

    /** Samples every second while a phase runs; keeps the peaks and the last values. */
    final class Sampler {
        final Map<String, Long> lagPeak = new LinkedHashMap<>();
        final Map<String, Long> outboxPeak = new LinkedHashMap<>();
        final Map<String, Long> heapPeak = new LinkedHashMap<>();
        final Map<String, Long> heapLast = new LinkedHashMap<>();
        final Map<String, Long> rssPeak = new LinkedHashMap<>();
        final Map<String, Long> rssLast = new LinkedHashMap<>();
        final Map<String, Long> cpuStart;
        volatile long lastLag = -1;
        volatile long lastOutbox = -1;
        volatile long lastPending = -1;
        long pendingPeak;
        private volatile boolean stopped;
        private Thread thread;

        Sampler() {
            cpuStart = cpuTicks();
        }

        void start() throws SQLException {
            resetStatements();
            thread = new Thread(this::loop, "bench-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join(30_000);
            sampleMemory();   // steady state: after the phase settled
        }

        private void loop() {
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, suite.bootstrap());
            try (Admin admin = Admin.create(p); Connection c = suite.db()) {
                int tick = 0;
                while (!stopped) {
                    long began = System.currentTimeMillis();
                    try {
                        sampleLag(admin);
                        sampleOutbox(c);
                        if (tick++ % 2 == 0) {
                            sampleMemory();
                        }
                    } catch (Exception e) {
                        say("   (sample failed: " + e + ")");
                    }
                    long wait = 1000 - (System.currentTimeMillis() - began);
                    if (wait > 0) {
                        Thread.sleep(wait);
                    }
                }
            } catch (Exception e) {
                say("sampler stopped: " + e);
            }
        }

        private void sampleLag(Admin admin) throws Exception {
            long total = 0;
            Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new LinkedHashMap<>();
            for (String service : SERVICES) {
                committed.put(service, admin.listConsumerGroupOffsets("aof-" + service)
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS));
            }
            java.util.Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith("aof.")).collect(Collectors.toSet());
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).forEach((t, d) ->
                    d.partitions().forEach(pi -> ask.put(new TopicPartition(t, pi.partition()), OffsetSpec.latest())));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(ask).all()
                    .get(10, TimeUnit.SECONDS);
            for (String service : SERVICES) {
                Map<TopicPartition, OffsetAndMetadata> offsets = committed.get(service);
                java.util.Set<String> subscribed = offsets.keySet().stream().map(TopicPartition::topic)
                        .collect(Collectors.toSet());
                long lag = 0;
                for (var e : ends.entrySet()) {
                    if (!subscribed.contains(e.getKey().topic())) {
                        continue;
                    }
                    OffsetAndMetadata at = offsets.get(e.getKey());
                    lag += Math.max(0, e.getValue().offset() - (at == null ? 0 : at.offset()));
                }
                lagPeak.merge(service, lag, Math::max);
                total += lag;
            }
            lastLag = total;
        }

        private void sampleOutbox(Connection c) throws SQLException {
            long total = 0;
            for (String service : SERVICES) {
                String schema = service.equals("collation") ? "\"collation\"" : service;
                try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + schema + ".outbox")) {
                    rs.next();
                    long rows = rs.getLong(1);
                    outboxPeak.merge(service, rows, Math::max);
                    total += rows;
                }
            }
            try (ResultSet rs = c.createStatement().executeQuery(
                    "SELECT count(*) FROM \"collation\".webhook_pending WHERE state = 'PENDING'")) {
                rs.next();
                lastPending = rs.getLong(1);
                pendingPeak = Math.max(pendingPeak, lastPending);
            }
            lastOutbox = total;
        }

        private void sampleMemory() {
            for (String service : SERVICES) {
                long heap = heapUsed(service);
                if (heap >= 0) {
                    heapPeak.merge(service, heap, Math::max);
                    heapLast.put(service, heap);
                }
            }
            for (String name : processes()) {
                long rss = rss(suite.pid(name), "VmRSS:");
                if (name.equals("postgres") && rss >= 0) {
                    // the postmaster's resident set and its backends' private memory (shared buffers once)
                    rss += ProcessHandle.of(suite.pid(name)).map(h -> h.descendants().mapToLong(d ->
                            Math.max(0, rss(d.pid(), "RssAnon:"))).sum()).orElse(0L);
                }
                if (rss >= 0) {
                    rssPeak.merge(name, rss, Math::max);
                    rssLast.put(name, rss);
                }
            }
        }

        /** CPU seconds and share of one core over the phase, by process. */
        Map<String, double[]> cpuSince(Map<String, Long> start) {
            Map<String, Long> now = cpuTicks();
            Map<String, double[]> out = new LinkedHashMap<>();
            double wall = (System.nanoTime() - startNanos) / 1e9;
            now.forEach((name, ticks) -> {
                double seconds = (ticks - start.getOrDefault(name, 0L)) / 100.0;
                out.put(name, new double[]{seconds, 100 * seconds / wall});
            });
            return out;
        }

        private final long startNanos = System.nanoTime();
    }

    static List<String> processes() {
        List<String> names = new ArrayList<>(List.of(SERVICES));
        names.addAll(List.of("simulator", "kafka", "postgres"));
        return names;
    }

    private Map<String, Long> cpuTicks() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : processes()) {
            long pid = suite.pid(name);
            if (pid < 0) {
                continue;
            }
            long ticks = procTicks(pid, true);
            if (name.equals("postgres")) {
                // the postmaster's own time and its exited children's (cutime) plus the backends alive now
                ticks += ProcessHandle.of(pid).map(h -> h.descendants().mapToLong(d -> procTicks(d.pid(), false))
                        .sum()).orElse(0L);
            }
            out.put(name, ticks);
        }
        out.put("benchmark (this JVM)", procTicks(ProcessHandle.current().pid(), false));
        return out;
    }

    /** utime + stime (and cutime + cstime of waited-for children) of a process in clock ticks (1/100 s). */
    static long procTicks(long pid, boolean withChildren) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields after the command: state(3) ... utime(14) stime(15) cutime(16) cstime(17), 1-based
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withChildren) {
                t += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A line of /proc/pid/status ({@code VmRSS:}, {@code RssAnon:}) in bytes (-1: not readable). */
    static long rss(long pid, String field) {
        if (pid < 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Heap used of a service from Actuator, as the suite's admin ({@code ops}); -1 when it does not answer. */
    private long heapUsed(String service) {
        try {
            HttpResponse<String> r = suite.getAsOps(service, "/actuator/metrics/jvm.memory.used?tag=area:heap");
            if (r.statusCode() != 200) {
                return -1;
            }
            return ProofRun.JSON.readTree(r.body()).path("measurements").path(0).path("value").asLong(-1);
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // --- raw Kafka on the same broker

    /** Raw Kafka moves at least this many records, so that its rate is not a second's warm-up. */
    static final int RAW_MIN_RECORDS = 200_000;

    private void rawKafka() throws Exception {
        int n = Math.max(this.n, RAW_MIN_RECORDS);
        Properties common = new Properties();
        common.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, suite.bootstrap());
        // a JobFailed record as collation's outbox relay sent it: the same value and headers, so the same size
        ConsumerRecord<byte[], byte[]> sample = sampleRecord();
        int partitions;
        try (Admin admin = Admin.create(common)) {
            partitions = admin.describeTopics(List.of("aof.job-failures")).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get("aof.job-failures").partitions().size();
            admin.createTopics(List.of(new NewTopic("bench.raw", partitions, (short) 1))).all()
                    .get(30, TimeUnit.SECONDS);
        }
        int headerBytes = 0;
        for (Header h : sample.headers()) {
            headerBytes += h.key().length() + h.value().length;
        }
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, suite.bootstrap());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] value = sample.value();
        String keyBase = new String(sample.key(), StandardCharsets.UTF_8);
        say("raw Kafka: " + n + " records of " + value.length + " bytes (+ " + sample.key().length + " key, "
                + headerBytes + " header bytes) to bench.raw (" + partitions + " partitions), acks=all");
        long t0 = System.nanoTime();
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong refusedSends = new AtomicLong();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
            for (int i = 0; i < n; i++) {
                ProducerRecord<byte[], byte[]> r = new ProducerRecord<>("bench.raw", null,
                        (keyBase + i).getBytes(StandardCharsets.UTF_8), value);
                sample.headers().forEach(h -> r.headers().add(h.key(), h.value()));
                producer.send(r, (metadata, e) -> (e == null ? acknowledged : refusedSends).incrementAndGet());
            }
            producer.flush();
        }
        double produceSeconds = (System.nanoTime() - t0) / 1e9;
        if (refusedSends.get() > 0) {
            say("raw Kafka: " + refusedSends.get() + " sends failed (see kafka.log); the consumer reads the "
                    + acknowledged.get() + " acknowledged");
        }
        long expected = acknowledged.get();
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, suite.bootstrap());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-raw");
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long read = 0;
        long t1 = System.nanoTime();
        long firstRecord = -1;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.subscribe(List.of("bench.raw"));
            long end = System.currentTimeMillis() + 600_000;
            while (read < expected && System.currentTimeMillis() < end) {
                int got = consumer.poll(Duration.ofMillis(500)).count();
                if (got > 0 && firstRecord < 0) {
                    firstRecord = System.nanoTime();
                }
                read += got;
            }
            consumer.commitSync();
        }
        long consumeEnd = System.nanoTime();
        double consumeSeconds = (consumeEnd - (firstRecord > 0 ? firstRecord : t1)) / 1e9;
        rawProduce = acknowledged.get() / produceSeconds;
        rawConsume = read / consumeSeconds;
        rawKafka = String.format("| raw Kafka, same broker | %,d records of %,d B value + %,d B key + %,d B headers "
                        + "(a JobFailed as relayed), %d partitions | produce (acks=all, one producer): **%,.0f/s** "
                        + "(%.1f s) | consume (one consumer, from its first record): **%,.0f/s** (%.1f s; group join "
                        + "%.1f s before)" + (refusedSends.get() > 0 ? "; " + refusedSends.get() + " sends refused, "
                        + "not counted" : "") + " |", acknowledged.get(), value.length, sample.key().length, headerBytes, partitions,
                rawProduce, produceSeconds, rawConsume, consumeSeconds,
                firstRecord > 0 ? (firstRecord - t1) / 1e9 : 0.0);
    }

    private double rawProduce;
    private double rawConsume;

    private ConsumerRecord<byte[], byte[]> sampleRecord() {
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, suite.bootstrap());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-sample");
        cp.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            consumer.subscribe(List.of("aof.job-failures"));
            long end = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() != null && r.value() != null) {
                        return r;
                    }
                }
            }
        }
        throw new IllegalStateException("no record on aof.job-failures to copy");
    }

    // --- the table

    private void print() throws IOException, InterruptedException {
        StringBuilder out = new StringBuilder();
        long memKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        out.append("\n=== AOF pipeline throughput, ").append(DateTimeFormatter.ISO_LOCAL_DATE.format(
                        Instant.now().atOffset(ZoneOffset.UTC))).append(", N = ").append(String.format("%,d", n))
                .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores (nproc), ")
                .append(String.format("%.1f", memKb / 1024.0 / 1024.0)).append(" GB RAM, Java ")
                .append(System.getProperty("java.version")).append(" ===\n");
        for (String s : settings) {
            out.append("  ").append(s).append('\n');
        }
        out.append("\n| path | failures | intake | end to end (first in -> last incident opened and its events "
                + "logged) | end-to-end rate | of raw Kafka produce | p50 / p95 failure -> incident | events "
                + "logged per failure |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (PhaseResult r : results) {
            double rate = r.failures() / r.endToEndSeconds();
            out.append(String.format("| %s | %,d%s | %,.0f/s | %.1f s | **%,.0f/s** | %.1f%% | %.2f s / %.2f s | "
                            + "%.1f |%n", r.name(), r.failures(), r.settled() ? "" : " (NOT settled)",
                    r.intakePerSecond(), r.endToEndSeconds(), rate, 100 * rate / rawProduce, r.p50(), r.p95(),
                    r.eventsPerFailure()));
        }
        out.append("\n| raw Kafka | what | produce | consume |\n| --- | --- | --- | --- |\n").append(rawKafka)
                .append('\n');
        out.append("\n| path | process | consumer lag peak | outbox rows peak | CPU s (% of one core) | heap used "
                + "at steady state (peak) | RSS at steady state (peak) |\n| --- | --- | --- | --- | --- | --- | --- |\n");
        for (PhaseResult r : results) {
            Sampler s = r.sampler();
            for (var e : r.cpu().entrySet()) {
                String name = e.getKey();
                boolean service = List.of(SERVICES).contains(name);
                out.append(String.format("| %s | %s | %s | %s | %.1f (%.0f%%) | %s | %s |%n", r.name(), name,
                        service ? String.format("%,d", s.lagPeak.getOrDefault(name, 0L)) : "",
                        service ? String.format("%,d", s.outboxPeak.getOrDefault(name, 0L))
                                + (name.equals("collation") && s.pendingPeak > 0 ? String.format(
                                " (webhook pending: %,d)", s.pendingPeak) : "") : "",
                        e.getValue()[0], e.getValue()[1],
                        service ? mb(s.heapLast.get(name)) + " (" + mb(s.heapPeak.get(name)) + ")" : "",
                        s.rssLast.containsKey(name) ? mb(s.rssLast.get(name)) + " (" + mb(s.rssPeak.get(name)) + ")"
                                : ""));
            }
        }
        for (PhaseResult r : results) {
            if (!r.statements().isEmpty()) {
                out.append("\nPostgreSQL's statements, ").append(r.name()).append(" (pg_stat_statements, execution "
                        + "time only: no parse, plan or commit; the benchmark's own counting queries are among them)\n\n"
                        + "| statement | calls | time | share | rows | per call | buffers per call |\n"
                        + "| --- | --- | --- | --- | --- | --- | --- |\n");
                r.statements().forEach(row -> out.append(row).append('\n'));
            }
        }
        System.out.println(out);
        Files.writeString(suite.state.resolve("result.md"), out.toString());
        say("Table also in " + suite.state.resolve("result.md"));
    }

    private static String mb(Long bytes) {
        return bytes == null ? "n/a" : String.format("%,d MB", bytes / (1024 * 1024));
    }

    private static String secs(long millis) {
        return String.format("%.1f", millis / 1000.0);
    }

    static void say(String message) {
        System.out.println("[bench] " + DateTimeFormatter.ISO_LOCAL_TIME.format(Instant.now().atOffset(ZoneOffset.UTC))
                .substring(0, 8) + " " + message);
        System.out.flush();
    }
}
