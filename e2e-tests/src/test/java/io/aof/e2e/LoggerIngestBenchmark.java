package io.aof.e2e;

import io.aof.common.events.AofEvent;
import io.aof.common.events.Category;
import io.aof.common.events.EventCodec;
import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.logger.LoggerApplication;
import io.aof.testsupport.AofTestInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.awaitility.Awaitility.await;

/**
 * Benchmark, not a test (run {@code benchmarks/logger-ingest.sh}): 500,000 events
 * (62,500 incidents of 8 events across 100 recipes) are put on the real topics,
 * then the logger service ingests them from Kafka into {@code event_log}. In the
 * same run, the same rows are inserted into the same table with a bare JDBC
 * batch insert: the database's own limit. Then the p50/p95 latency of the query
 * API over those 500,000 rows: incident timelines and filtered event pages.
 */
class LoggerIngestBenchmark {

    private static final int INCIDENTS = Integer.getInteger("bench.incidents", 62_500);
    private static final int EVENTS_PER_INCIDENT = 8;
    private static final int RECIPES = 100;
    private static final String[] CATEGORIES = {"UPSTREAM_5XX", "TIMEOUT", "CONNECTION", "RATE_LIMITED", "AUTH",
            "DATA_VALIDATION", "NOT_FOUND", "UNKNOWN"};
    private static final String SCHEMA = "logger_bench";
    private static final String WS = "bench";
    private static final Instant START = Instant.now().minus(Duration.ofDays(7));

    private final AofTestInfrastructure infra = AofTestInfrastructure.get();
    private final JdbcTemplate db = new JdbcTemplate(infra.dataSource());

    @Test
    @org.junit.jupiter.api.Timeout(value = 30, unit = TimeUnit.MINUTES)
    void ingestAndQuery() throws Exception {
        int total = INCIDENTS * EVENTS_PER_INCIDENT;
        // the logger's schema and table, by its own migrations
        Map<String, Object> p = infra.isolatedServiceProperties(SCHEMA, "aof-logger-bench-" + UUID.randomUUID());
        p.put("spring.kafka.listener.auto-startup", "false");
        p.put("aof.logger.report.enabled", "false");
        p.put("aof.workspace", WS);
        p.put("aof.ops.password", AofSuite.OPS_PASSWORD);   // the queries below ask as the ops admin (Http adds it)
        ConfigurableApplicationContext logger = LoggerApplication.builder().run(AofSuite.args(p));
        String url = "http://localhost:" + ((WebServerApplicationContext) logger).getWebServer().getPort();
        try {
            db.execute("TRUNCATE " + SCHEMA + ".event_log");

            // 1. the database's own limit: a bare JDBC batch insert of the same rows, same table
            long bareNanos = bareInsert(total);
            db.execute("TRUNCATE " + SCHEMA + ".event_log");
            db.execute("VACUUM ANALYZE " + SCHEMA + ".event_log");

            // 2. the logger: every event on its topic first, then the logger consumes and stores them
            long produceStart = System.nanoTime();
            produce(total);
            double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
            logger.getBean(org.springframework.kafka.config.KafkaListenerEndpointRegistry.class).start();
            await().atMost(Duration.ofMinutes(20)).pollInterval(Duration.ofMillis(500)).until(() -> db.queryForObject(
                    "SELECT count(*) FROM " + SCHEMA + ".event_log", Long.class) >= total);
            double loggerSeconds = db.queryForObject("SELECT EXTRACT(EPOCH FROM max(ingested_at) - min(ingested_at)) "
                    + "FROM " + SCHEMA + ".event_log", Double.class);
            db.execute("ANALYZE " + SCHEMA + ".event_log");

            // 3. query latency over the stored rows, through the HTTP API
            Random random = new Random(7);
            Map<String, double[]> latencies = new LinkedHashMap<>();
            latencies.put("timeline of one incident", measure(400, i -> url + "/api/incidents/" + incidentId(
                    random.nextInt(INCIDENTS)) + "/timeline"));
            latencies.put("page of 100 by recipe", measure(400, i -> url + "/api/events?limit=100&recipeId="
                    + (1000 + random.nextInt(RECIPES))));
            latencies.put("page of 100 by category+type", measure(400, i -> url + "/api/events?limit=100&category="
                    + CATEGORIES[random.nextInt(CATEGORIES.length)] + "&type=RetryStarted"));
            latencies.put("page of 100 by recipe, 1 day", measure(400, i -> {
                Instant from = START.plus(Duration.ofHours(random.nextInt(6 * 24)));
                return url + "/api/events?limit=100&recipeId=" + (1000 + random.nextInt(RECIPES)) + "&from=" + from
                        + "&to=" + from.plus(Duration.ofDays(1));
            }));
            latencies.put("job history", measure(400, i -> url + "/api/jobs/j-" + random.nextInt(INCIDENTS)
                    + "/history"));

            double bareRate = total / (bareNanos / 1e9);
            double loggerRate = total / loggerSeconds;
            System.out.println();
            System.out.printf("=== logger ingest: %,d events (%,d incidents x %d) on 2 cores ===%n", total, INCIDENTS,
                    EVENTS_PER_INCIDENT);
            System.out.printf("%-34s %12s %12s%n", "ingest", "seconds", "events/s");
            System.out.printf("%-34s %12.1f %12.0f%n", "bare_jdbc_batch_insert", bareNanos / 1e9, bareRate);
            System.out.printf("%-34s %12.1f %12.0f%n", "logger_from_kafka", loggerSeconds, loggerRate);
            System.out.printf("logger_vs_bare: %.1f%% (producing the events to Kafka took %.1f s, not counted)%n",
                    loggerRate / bareRate * 100, produceSeconds);
            System.out.printf("%-34s %10s %10s %10s%n", "query (HTTP, 400 each)", "p50 ms", "p95 ms", "max ms");
            latencies.forEach((name, ms) -> System.out.printf("%-34s %10.1f %10.1f %10.1f%n", name,
                    percentile(ms, 50), percentile(ms, 95), ms[ms.length - 1]));
        } finally {
            logger.close();
            db.execute("DROP SCHEMA " + SCHEMA + " CASCADE");
        }
    }

    /** The rows the logger would store, inserted by plain JDBC batches of 500, committed per batch. */
    private long bareInsert(int total) throws Exception {
        try (Connection c = infra.dataSource().getConnection()) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + SCHEMA + ".event_log (event_id, topic, "
                    + "event_type, occurred_at, workspace, incident_id, recipe_id, job_id, attempt, dead_letter, "
                    + "category, service, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)")) {
                int n = 0;
                for (int i = 0; i < INCIDENTS; i++) {
                    for (AofEvent e : incident(i)) {
                        String topic = e instanceof JobFailed ? Topics.Names.JOB_FAILURES : Topics.Names.INCIDENT_EVENTS;
                        ps.setObject(1, e.eventId());
                        ps.setString(2, topic);
                        ps.setString(3, e.getClass().getSimpleName());
                        ps.setTimestamp(4, Timestamp.from(e.occurredAt()));
                        ps.setString(5, e.workspace());
                        ps.setString(6, e.incidentId());
                        ps.setObject(7, e.recipeId());
                        ps.setString(8, e.jobId());
                        ps.setObject(9, e.attempt());
                        ps.setBoolean(10, false);
                        ps.setString(11, e instanceof IncidentEvent ie && ie.category() != null
                                ? ie.category().name() : null);
                        ps.setString(12, e instanceof JobFailed ? "collation" : "orchestrator");
                        ps.setString(13, EventCodec.encode(e));
                        ps.addBatch();
                        if (++n % 500 == 0) {
                            ps.executeBatch();
                            c.commit();
                        }
                    }
                }
                ps.executeBatch();
                c.commit();
            }
            return System.nanoTime() - start;
        }
    }

    private void produce(int total) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers()))) {
            List<NewTopic> missing = new ArrayList<>();
            var existing = admin.listTopics().names().get();
            for (String t : List.of(Topics.Names.JOB_FAILURES, Topics.Names.INCIDENT_EVENTS)) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, 3, (short) 1));
                }
            }
            admin.createTopics(missing).all().get();
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < INCIDENTS; i++) {
                for (AofEvent e : incident(i)) {
                    String topic = e instanceof JobFailed ? Topics.Names.JOB_FAILURES : Topics.Names.INCIDENT_EVENTS;
                    producer.send(new ProducerRecord<>(topic, e.incidentId(), EventCodec.encode(e)));
                }
            }
            producer.flush();
        }
    }

    /** Incident i's eight events: a failure, two attempts (the first fails), recovery. Deterministic ids. */
    private static List<AofEvent> incident(int i) {
        long recipe = 1000 + i % RECIPES;
        String job = "j-" + i;
        String id = incidentId(i);
        Category category = Category.valueOf(CATEGORIES[i % CATEGORIES.length]);
        Instant t = START.plusMillis(i * 9_000L);   // spread over about a week
        int v = AofEvent.SCHEMA_VERSION;
        return List.of(
                new JobFailed(uuid(i, 0), t, v, WS, recipe, "Recipe " + recipe, 7L, job, null, id,
                        "503 Service Unavailable: upstream said no (" + i + ")", "Http503", 503, t.minusSeconds(3), t,
                        JobFailed.CollectionSource.POLL, null, null, null),
                new IncidentEvent.IncidentOpened(uuid(i, 1), t.plusMillis(50), v, WS, recipe, job, id, null,
                        IncidentState.OPEN, category, "Recipe " + recipe, "503 Service Unavailable", 5, null),
                new IncidentEvent.RetryScheduled(uuid(i, 2), t.plusMillis(60), v, WS, recipe, job, id, 1,
                        IncidentState.RETRY_SCHEDULED, category, t.plusSeconds(300), 5),
                new IncidentEvent.RetryStarted(uuid(i, 3), t.plusSeconds(300), v, WS, recipe, job, id, 1,
                        IncidentState.RETRYING, category),
                new IncidentEvent.RepeatFailureObserved(uuid(i, 4), t.plusSeconds(320), v, WS, recipe, job, id, 1,
                        IncidentState.RETRYING, category, "r1-" + job, "503 again"),
                new IncidentEvent.RetryScheduled(uuid(i, 5), t.plusSeconds(321), v, WS, recipe, job, id, 2,
                        IncidentState.RETRY_SCHEDULED, category, t.plusSeconds(900), 5),
                new IncidentEvent.RetryStarted(uuid(i, 6), t.plusSeconds(900), v, WS, recipe, job, id, 2,
                        IncidentState.RETRYING, category),
                new IncidentEvent.IncidentRecovered(uuid(i, 7), t.plusSeconds(930), v, WS, recipe, job, id, 2,
                        IncidentState.RECOVERED, category, "r2-" + job));
    }

    private static String incidentId(int i) {
        return WS + ":" + (1000 + i % RECIPES) + ":j-" + i;
    }

    private static UUID uuid(int incident, int n) {
        return new UUID(0xA0F0000000000000L | incident, n);
    }

    private static double[] measure(int n, IntFunction<String> urls) {
        for (int i = 0; i < 50; i++) {
            Http.get(urls.apply(i));   // warm-up
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            String u = urls.apply(i);
            long t0 = System.nanoTime();
            Http.Response r = Http.get(u);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            if (r.status() != 200) {
                throw new AssertionError(u + " answered " + r.status() + ": " + r.body());
            }
        }
        Arrays.sort(ms);
        return ms;
    }

    private static double percentile(double[] sorted, int p) {
        return sorted[(int) Math.ceil(p / 100.0 * sorted.length) - 1];
    }
}
