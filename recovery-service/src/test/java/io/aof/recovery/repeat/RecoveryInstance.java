package io.aof.recovery.repeat;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryEvent.RepeatCancelled;
import io.aof.common.events.RecoveryEvent;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import io.aof.common.messaging.Outbox;
import io.aof.common.workato.WorkatoAccountHold;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoProperties;
import io.aof.recovery.RecoveryProperties;
import io.aof.testsupport.AofTestInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * One recovery instance as the service wires it (store, events, worker, watcher,
 * listener, transactions), as plain objects without Spring or Kafka, on a real
 * PostgreSQL schema that several instances may share, against a Workato reached
 * over real HTTP. Workato's Retry-After is held per account as in the services:
 * in a schema next to recovery's ({@link #holdSchema}), shared by the instances on
 * one recovery schema. Nothing is scheduled: the test drives {@code work()},
 * {@code watch()} and the listener itself.
 */
public final class RecoveryInstance implements AutoCloseable {

    /** Workato's client resilience in these tests: reads retried once, quickly; the breaker practically never opens. */
    public static final WorkatoProperties.Resilience RESILIENCE = new WorkatoProperties.Resilience(6000,
            Duration.ofSeconds(1), 1, Duration.ofMillis(10), Duration.ofSeconds(10), 50, 1000, 1000,
            Duration.ofSeconds(1));

    final DataSource ds;
    final JdbcTemplate jdbc;
    final TransactionTemplate tx;
    /** The schema of the account's Retry-After hold ({@code aof.workato.account-hold.schema}). */
    final String holdSchema;
    final WorkatoProperties workatoProps;
    final WorkatoAccountHold hold;
    final WorkatoClient workatoClient;
    final MeterRegistry meters = new SimpleMeterRegistry();
    final RepeatStore store;
    final RepeatEvents events;
    final RepeatWorker worker;
    final RepeatWatcher watcher;
    final RecoveryListener listener;

    /** A fresh schema with recovery's migrations. */
    public static DataSource newSchema() {
        PGSimpleDataSource ds = AofTestInfrastructure.get().migratedSchema("recovery", "recovery");
        return ds;
    }

    public static RecoveryProperties props(Duration callLease) {
        return new RecoveryProperties(Duration.ofMillis(100), Duration.ofSeconds(5), callLease, Duration.ofMillis(50),
                Duration.ofMillis(50), Duration.ofMinutes(30), Duration.ofMinutes(2), 25, Duration.ofMillis(20));
    }

    RecoveryInstance(DataSource ds, String workatoUrl, RecoveryProperties props) {
        this(ds, workatoUrl, props, Clock.systemUTC(), RESILIENCE);
    }

    RecoveryInstance(DataSource ds, String workatoUrl, RecoveryProperties props, Clock clock,
                     WorkatoProperties.Resilience resilience) {
        this.ds = ds;
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        workatoProps = new WorkatoProperties(workatoUrl, "t", Duration.ofSeconds(2), Duration.ofSeconds(5),
                resilience);
        holdSchema = jdbc.queryForObject("SELECT current_schema()", String.class) + "_hold";
        WorkatoAccountHold.migrate(ds, holdSchema);
        hold = WorkatoAccountHold.shared(jdbc, holdSchema, workatoProps, "recovery-service");
        workatoClient = new WorkatoClient(workatoProps, null, hold);
        store = new RepeatStore(jdbc);
        events = new RepeatEvents(new Outbox(jdbc, "recovery-service"), meters, clock);
        // no Workato settings bound the longest call here (as when none are configured): the call lease does
        worker = new RepeatWorker(store, events, tx, workatoClient, props, meters, hold, (WorkatoProperties) null,
                clock);
        watcher = new RepeatWatcher(store, events, tx, workatoClient, props);
        listener = new RecoveryListener(new Inbox(jdbc, tx), store, events, meters);
    }

    RepeatWorker worker() {
        return worker;
    }

    RepeatWatcher watcher() {
        return watcher;
    }

    MeterRegistry meters() {
        return meters;
    }

    /** A command delivered as the Kafka listener receives it. */
    void deliver(AofEvent command) {
        listener.onRecoveryRequested(new ConsumerRecord<>(Topics.Names.RECOVERY_REQUESTS, 0, 0L,
                command.incidentId(), EventCodec.encode(command)));
    }

    String state(String incidentId, int attempt) {
        return jdbc.query("SELECT state FROM repeat_request WHERE incident_id = ? AND attempt = ?",
                rs -> rs.next() ? rs.getString(1) : null, incidentId, attempt);
    }

    /** The events in the outbox, in the order they were written. */
    List<RecoveryEvent> events() {
        return jdbc.queryForList("SELECT payload FROM outbox WHERE topic = ? ORDER BY id", String.class,
                Topics.RECOVERY_EVENTS.name()).stream()
                .map(p -> EventCodec.decode(Topics.RECOVERY_EVENTS, p)).toList();
    }

    /**
     * The outbox as one line per event, in order: its type, incident and attempt, and what the orchestrator
     * decides by (an outcome's status and repeat job, a cancellation's reason); times, ids and the texts Workato's
     * client writes left out. Compared as a whole list, it shows every event a transition wrote and no other.
     */
    List<String> eventLines() {
        return events().stream().map(RecoveryInstance::line).toList();
    }

    static String line(RecoveryEvent e) {
        String head = e.type() + " " + e.incidentId() + "#" + e.attempt();
        if (e instanceof RecoveryOutcome o) {
            return head + " " + o.status() + (o.repeatJobId() == null ? "" : " " + o.repeatJobId());
        } else if (e instanceof RepeatCancelled c) {
            return head + ": " + c.reason();
        }
        return head;   // JobRepeated, RepeatDeferred
    }

    @Override
    public void close() {
        // plain objects: nothing is scheduled and the HTTP client holds no thread of its own
    }
}
