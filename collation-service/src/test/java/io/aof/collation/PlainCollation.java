package io.aof.collation;

import io.aof.collation.poll.FailedJobPoller;
import io.aof.collation.poll.RecipeCursorRepository;
import io.aof.collation.triage.CollectedJobStore;
import io.aof.collation.triage.FailureCollector;
import io.aof.collation.triage.FailureTriage;
import io.aof.collation.webhook.WebhookController;
import io.aof.collation.webhook.WebhookPendingStore;
import io.aof.collation.webhook.WebhookVerifier;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoProperties;
import io.aof.testsupport.AofTestInfrastructure;
import io.aof.testsupport.TestClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Collation built as plain objects for fast state-machine tests: an empty schema
 * of the module's one PostgreSQL (its migrations), the real Workato client
 * against a {@link FakeWorkato}, and a {@link TestClock}; no Spring context, no
 * Kafka (what collation publishes stays in its outbox, where the tests read it).
 */
public final class PlainCollation {

    public static final Instant START = Instant.parse("2026-11-27T12:00:00Z");

    final FakeWorkato workato;
    public final TestClock clock = new TestClock(START);
    public final JdbcTemplate jdbc;
    public final TransactionTemplate tx;
    public final MeterRegistry meters = new SimpleMeterRegistry();
    final WorkatoClient client;

    public PlainCollation(FakeWorkato workato) {
        this.workato = workato;
        DataSource ds = emptySchema();
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        client = new WorkatoClient(new Binder(new MapConfigurationPropertySource(Map.of(
                "aof.workato.base-url", workato.baseUrl(), "aof.workato.api-token", "fake-token",
                "aof.workato.resilience.reads-per-minute", "60000", "aof.workato.resilience.read-attempts", "1")))
                .bindOrCreate("aof.workato", WorkatoProperties.class), meters);
    }

    /** The schema with collation's migrations and no rows ({@link AofTestInfrastructure#emptiedSchema}). */
    static DataSource emptySchema() {
        return AofTestInfrastructure.get().emptiedSchema("collation", 4);
    }

    /**
     * Settings of {@code aof.*} (workspace "t", webhook verification without delay, one read at a time, so the
     * order of Workato calls is fixed; a test of concurrent reads sets {@code read-concurrency}) with
     * {@code settings}.
     */
    public static Binder settings(Map<String, String> settings) {
        Map<String, String> p = new HashMap<>(Map.of("aof.workspace", "t",
                "aof.collation.webhook.token", "webhook-token", "aof.collation.webhook.verify-delay", "0s",
                "aof.collation.read-concurrency", "1"));
        p.putAll(settings);
        return new Binder(new MapConfigurationPropertySource(p));
    }

    /** Settings watching {@code recipes} by id. */
    public static Map<String, String> watching(long... recipes) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < recipes.length; i++) {
            p.put("aof.collation.watch.recipe-ids[" + i + "]", String.valueOf(recipes[i]));
        }
        return p;
    }

    FailureTriage triage(CollationProperties props, AofProperties aof) {
        Outbox outbox = new Outbox(jdbc, "collation-service");
        return new FailureTriage(client, new FailureCollector(new CollectedJobStore(jdbc), outbox, meters),
                new RecipeCursorRepository(jdbc), aof, props, clock);
    }

    /** A poller (one instance: it holds the sweep) with these settings; a new one is a restarted collation. */
    public FailedJobPoller poller(Map<String, String> settings) {
        Binder binder = settings(settings);
        CollationProperties props = binder.bindOrCreate("aof.collation", CollationProperties.class);
        AofProperties aof = binder.bindOrCreate("aof", AofProperties.class);
        return new FailedJobPoller(client, triage(props, aof), new Outbox(jdbc, "collation-service"), new RecipeCursorRepository(jdbc),
                new CollectedJobStore(jdbc), tx, props, aof, meters, clock);
    }

    /** A webhook verifier (one collation instance's) whose runs measure their claim on {@code nanoTime}. */
    public WebhookVerifier verifier(Map<String, String> settings, LongSupplier nanoTime) {
        Binder binder = settings(settings);
        CollationProperties props = binder.bindOrCreate("aof.collation", CollationProperties.class);
        AofProperties aof = binder.bindOrCreate("aof", AofProperties.class);
        return new WebhookVerifier(client, triage(props, aof), new WebhookPendingStore(jdbc), tx, props, meters,
                new Outbox(jdbc, "collation-service"), aof, clock, nanoTime);
    }

    /** The webhook intake (one collation instance's) with these settings; its token is {@code webhook-token}. */
    public WebhookController webhook(Map<String, String> settings) {
        Binder binder = settings(settings);
        CollationProperties props = binder.bindOrCreate("aof.collation", CollationProperties.class);
        AofProperties aof = binder.bindOrCreate("aof", AofProperties.class);
        return new WebhookController(new FailureCollector(new CollectedJobStore(jdbc),
                new Outbox(jdbc, "collation-service"), meters), tx, new WebhookPendingStore(jdbc),
                jakarta.validation.Validation.buildDefaultValidatorFactory().getValidator(), props, aof, meters, clock);
    }

    /** A failure as the webhook accepted it: pending verification, due at once. */
    public void pending(long recipe, String jobId, String masterJobId) {
        JobFailed failure = JobFailed.of("t", recipe, "Recipe " + recipe, null, jobId, masterJobId, "500 boom",
                null, 500, clock.instant().minusSeconds(2), clock.instant().minusSeconds(1),
                JobFailed.CollectionSource.WEBHOOK, "default");
        new WebhookPendingStore(jdbc).accept(jobId, recipe, masterJobId, EventCodec.encode(failure), Duration.ZERO);
    }

    /** The JobFailed events in the outbox, in order. */
    public List<JobFailed> published() {
        return jdbc.queryForList("SELECT payload FROM outbox WHERE topic = ? ORDER BY id", String.class,
                Topics.JOB_FAILURES.name()).stream().map(p -> EventCodec.decode(Topics.JOB_FAILURES, p)).toList();
    }

    /** The job ids of the JobFailed events in the outbox, in order (a job published twice is there twice). */
    public List<String> publishedJobIds() {
        return published().stream().map(JobFailed::jobId).toList();
    }

    /** The events of {@code topic} in the outbox, in order, each as "type key". */
    public List<String> outbox(io.aof.common.events.Topic<?> topic) {
        return jdbc.queryForList("SELECT event_type || ' ' || coalesce(message_key, '-') FROM outbox "
                + "WHERE topic = ? ORDER BY id", String.class, topic.name());
    }

    /** The cursor of {@code recipe}: its closed job, failed count and open gap, as the database holds them. */
    public List<Object> cursor(long recipe) {
        return jdbc.query("SELECT newest_failed_job_id, last_failed_count, resume_job_id FROM recipe_cursor "
                        + "WHERE recipe_id = ?", (rs, i) -> java.util.Arrays.asList(rs.getString(1),
                        (Object) rs.getLong(2), rs.getString(3)), recipe).stream().findFirst().orElse(null);
    }

    /** Each webhook_pending row as "job state reason", by job id. */
    public List<String> pendingRows() {
        return jdbc.queryForList("SELECT job_id || ' ' || state || ' ' || coalesce(reason, '-') FROM webhook_pending "
                + "ORDER BY job_id", String.class);
    }

    public double counter(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }
}
