package io.aof.recovery;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import io.aof.common.messaging.Outbox;
import io.aof.common.workato.WorkatoAccountHold;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoProperties;
import io.aof.testsupport.AofTestInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.time.Duration;

/**
 * One recovery instance as the service wires it (store, worker, watcher,
 * listener, transactions), on a real PostgreSQL schema that several instances
 * may share, against a Workato reached over real HTTP. Workato's Retry-After is
 * held per account as in the services: in a schema next to recovery's
 * ({@link #holdSchema}), shared by the instances on one recovery schema. Nothing is scheduled:
 * the test drives {@code work()}, {@code watch()} and the listener itself.
 */
final class RecoveryInstance implements AutoCloseable {

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Tx {
    }

    final AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
    final JdbcTemplate jdbc;
    /** The schema of the account's Retry-After hold ({@code aof.workato.account-hold.schema}). */
    final String holdSchema;
    final WorkatoProperties workatoProps;

    /** A fresh schema with recovery's migrations. */
    static DataSource newSchema() {
        PGSimpleDataSource ds = AofTestInfrastructure.get().migratedSchema("recovery", "recovery");
        return ds;
    }

    static RecoveryProperties props(Duration callLease) {
        return new RecoveryProperties(Duration.ofMillis(100), Duration.ofSeconds(5), callLease, Duration.ofMillis(50),
                Duration.ofMillis(50), Duration.ofMinutes(30), Duration.ofMinutes(2), 25, Duration.ofMillis(20));
    }

    RecoveryInstance(DataSource ds, String workatoUrl, RecoveryProperties props) {
        jdbc = new JdbcTemplate(ds);
        DataSourceTransactionManager txm = new DataSourceTransactionManager(ds);
        WorkatoProperties.Resilience resilience = new WorkatoProperties.Resilience(6000, Duration.ofSeconds(1), 1,
                Duration.ofMillis(10), Duration.ofSeconds(10), 50, 1000, 1000, Duration.ofSeconds(1));
        context.register(Tx.class);
        context.registerBean(JdbcTemplate.class, () -> jdbc);
        context.registerBean(DataSourceTransactionManager.class, () -> txm);
        context.registerBean(TransactionTemplate.class, () -> new TransactionTemplate(txm));
        context.registerBean(MeterRegistry.class, SimpleMeterRegistry::new);
        context.registerBean(Outbox.class, () -> new Outbox(jdbc));
        context.registerBean(Inbox.class, () -> new Inbox(jdbc, new TransactionTemplate(txm)));
        context.registerBean(RecoveryProperties.class, () -> props);
        workatoProps = new WorkatoProperties(workatoUrl, "t", Duration.ofSeconds(2), Duration.ofSeconds(5), resilience);
        holdSchema = jdbc.queryForObject("SELECT current_schema()", String.class) + "_hold";
        WorkatoAccountHold.migrate(ds, holdSchema);
        WorkatoAccountHold hold = WorkatoAccountHold.shared(jdbc, holdSchema, workatoProps, "recovery-service");
        context.registerBean(WorkatoAccountHold.class, () -> hold);
        context.registerBean(WorkatoClient.class, () -> new WorkatoClient(workatoProps, null, hold));
        context.registerBean(RepeatStore.class);
        context.registerBean(RepeatWorker.class);
        context.registerBean(RepeatWatcher.class);
        context.registerBean(RecoveryListener.class);
        context.refresh();
    }

    RepeatWorker worker() {
        return context.getBean(RepeatWorker.class);
    }

    RepeatWatcher watcher() {
        return context.getBean(RepeatWatcher.class);
    }

    MeterRegistry meters() {
        return context.getBean(MeterRegistry.class);
    }

    /** A command delivered as the Kafka listener receives it. */
    void deliver(AofEvent command) {
        context.getBean(RecoveryListener.class).onRecoveryRequested(new ConsumerRecord<>(
                Topics.Names.RECOVERY_REQUESTS, 0, 0L, command.incidentId(), EventCodec.encode(command)));
    }

    String state(String incidentId, int attempt) {
        return jdbc.query("SELECT state FROM repeat_request WHERE incident_id = ? AND attempt = ?",
                rs -> rs.next() ? rs.getString(1) : null, incidentId, attempt);
    }

    @Override
    public void close() {
        context.close();
    }
}
