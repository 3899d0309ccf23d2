package io.aof.orchestrator.incident;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.RecoveryEvent;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.messaging.Outbox;
import io.aof.orchestrator.policy.Categorizer;
import io.aof.orchestrator.policy.OrchestratorProperties;
import io.aof.orchestrator.policy.OrchestratorProperties.AfterSuppression;
import io.aof.orchestrator.policy.OrchestratorProperties.CategoryRule;
import io.aof.orchestrator.policy.OrchestratorProperties.NotifyWhen;
import io.aof.orchestrator.policy.OrchestratorProperties.PolicySpec;
import io.aof.orchestrator.policy.PolicyBook;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.testsupport.AofTestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The orchestrator's state machine on a real PostgreSQL (its own migrations in a
 * fresh schema), without Spring or Kafka: events are read back from the outbox
 * table, where the service writes them in its transaction.
 */
final class OrchestratorDb {

    static final String WORKSPACE = "w";
    static final long RECIPE = 7L;

    final JdbcTemplate jdbc;
    final TransactionTemplate tx;
    final IncidentRepository incidents;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final OrchestratorProperties props;
    final IncidentService service;
    final PGSimpleDataSource ds;

    OrchestratorDb() {
        this(Clock.systemUTC(), AfterSuppression.SCHEDULE);
    }

    OrchestratorDb(Clock clock, AfterSuppression afterSuppression) {
        this(AofTestInfrastructure.get().migratedSchema("orch", "orchestrator"), clock, afterSuppression);
    }

    /** The state machine on a schema already migrated (an upgraded installation, say). */
    OrchestratorDb(PGSimpleDataSource migrated) {
        this(migrated, Clock.systemUTC(), AfterSuppression.SCHEDULE);
    }

    private OrchestratorDb(PGSimpleDataSource migrated, Clock clock, AfterSuppression afterSuppression) {
        ds = migrated;
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        incidents = new IncidentRepository(jdbc);
        PolicySpec defaults = new PolicySpec(true, 3, Duration.ofMinutes(5), 2.0, Duration.ofMinutes(10), 0.2,
                Severity.WARNING, NotifyWhen.FIRST_AND_FINAL, true, afterSuppression);
        PolicySpec auth = new PolicySpec(false, null, null, null, null, null, Severity.CRITICAL, null, null, null);
        props = new OrchestratorProperties(Duration.ofSeconds(1),
                List.of(new CategoryRule("AUTH", null, List.of(401), null),
                        new CategoryRule("TIMEOUT", null, List.of(504), null)),
                new OrchestratorProperties.Policies(defaults, Map.of("AUTH", auth), List.of()),
                new OrchestratorProperties.OutcomeSweep(Duration.ofMinutes(1), Duration.ofMinutes(45),
                        Duration.ofMinutes(10), 3),
                Duration.ofSeconds(30));
        service = new IncidentService(incidents, new Categorizer(props.categories()),
                new PolicyBook(props.policies()), new Outbox(jdbc), meters, clock, new Random(42), props, WORKSPACE);
    }

    /** A fresh connection's view of the same schema, for a second "orchestrator" or a concurrent transaction. */
    TransactionTemplate otherTx() {
        return new TransactionTemplate(new DataSourceTransactionManager(ds));
    }

    static JobFailed timeout(String job) {
        return failure(job, "504 Gateway Timeout", 504);
    }

    static JobFailed failure(String job, String error, Integer status) {
        Instant t = Instant.parse("2026-11-27T10:00:00Z");
        return JobFailed.of(WORKSPACE, RECIPE, "Orders", null, job, null, error, null, status, t, t,
                JobFailed.CollectionSource.POLL);
    }

    static String incidentOf(String job) {
        return WORKSPACE + ":" + RECIPE + ":" + job;
    }

    void given(JobFailed failure) {
        tx.executeWithoutResult(s -> service.onJobFailed(failure));
    }

    /** Makes the incident's scheduled attempt due (on the database clock) and runs one scheduler batch. */
    void startDueNow(String incident) {
        jdbc.update("UPDATE scheduled_retry SET due_at = now() - interval '1 second' WHERE incident_id = ?",
                incident);
        new RetryScheduler(incidents, service, tx).startBatch();
    }

    void outcome(String incident, int attempt, RecoveryOutcome.Status status) {
        RecoveryOutcome o = new RecoveryOutcome(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, WORKSPACE,
                RECIPE, "j", incident, attempt, status, null, status == RecoveryOutcome.Status.SUCCEEDED ? null
                : "still failing", Duration.ofSeconds(3));
        tx.executeWithoutResult(s -> service.onRecoveryOutcome(o));
    }

    void cancelled(String incident, int attempt) {
        var c = new RecoveryEvent.RepeatCancelled(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION,
                WORKSPACE, RECIPE, "j", incident, attempt, "cancelled before it was sent");
        tx.executeWithoutResult(s -> service.onRepeatCancelled(c));
    }

    Incident incident(String id) {
        return incidents.find(id).orElseThrow();
    }

    /** Event types in the outbox of one topic, in the order they were written. */
    List<String> outbox(String topic) {
        return jdbc.queryForList("SELECT event_type FROM outbox WHERE topic = ? ORDER BY id", String.class, topic);
    }

    /** The outbox rows of one event type, decoded on their topic. */
    <E extends AofEvent, T extends E> List<T> events(io.aof.common.events.Topic<E> topic, Class<T> type) {
        return jdbc.queryForList("SELECT payload FROM outbox WHERE topic = ? AND event_type = ? ORDER BY id",
                String.class, topic.name(), type.getSimpleName()).stream()
                .map(p -> type.cast(EventCodec.decode(topic, p))).toList();
    }

    List<String> keysOf(String topic, String type) {
        return jdbc.queryForList("SELECT message_key FROM outbox WHERE topic = ? AND event_type = ? ORDER BY id",
                String.class, topic, type);
    }

    int scheduled(String incident) {
        return jdbc.queryForObject("SELECT count(*) FROM scheduled_retry WHERE incident_id = ?", Integer.class,
                incident);
    }

    double counter(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? -1 : c.count();
    }
}
