package io.aof.recovery;

import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.messaging.Inbox;
import io.aof.common.messaging.Outbox;
import io.aof.common.workato.WorkatoAccountHold;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoProperties;
import io.aof.recovery.repeat.RecoveryInstance;
import io.aof.recovery.repeat.RecoveryListener;
import io.aof.recovery.repeat.RepeatEvents;
import io.aof.recovery.repeat.RepeatStore;
import io.aof.recovery.repeat.RepeatWatcher;
import io.aof.recovery.repeat.RepeatWorker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one test that lets Spring build recovery's components (their autowired constructors, the service's
 * {@code Clock} bean), from the beans the service has: the other tests build them by hand as plain objects.
 * A request and its cancellation go through the listener Spring made, and the cancellation reaches the outbox.
 */
class RecoveryWiringTest {

    @Test
    void springBuildsTheComponentsFromTheServicesBeans() {
        DataSource ds = RecoveryInstance.newSchema();
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        TransactionTemplate tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        WorkatoProperties workato = new WorkatoProperties("http://127.0.0.1:9/api", "t", Duration.ofSeconds(2),
                Duration.ofSeconds(5), RecoveryInstance.RESILIENCE);
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.registerBean(JdbcTemplate.class, () -> jdbc);
            context.registerBean(TransactionTemplate.class, () -> tx);
            context.registerBean(MeterRegistry.class, SimpleMeterRegistry::new);
            context.registerBean(Outbox.class, () -> new Outbox(jdbc));
            context.registerBean(Inbox.class, () -> new Inbox(jdbc, tx));
            context.registerBean(RecoveryProperties.class, () -> RecoveryInstance.props(Duration.ofMinutes(2)));
            context.registerBean(WorkatoProperties.class, () -> workato);
            context.registerBean(WorkatoAccountHold.class, WorkatoAccountHold::local);
            context.registerBean(WorkatoClient.class, () -> new WorkatoClient(workato, null));
            context.registerBean(Clock.class, () -> new RecoveryApplication().clock());
            context.registerBean(RepeatStore.class);
            context.registerBean(RepeatEvents.class);
            context.registerBean(RepeatWorker.class);
            context.registerBean(RepeatWatcher.class);
            context.registerBean(RecoveryListener.class);
            context.refresh();

            RecoveryListener listener = context.getBean(RecoveryListener.class);
            deliver(listener, RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
            deliver(listener, RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "resolved manually"));

            assertThat(jdbc.queryForList("SELECT event_type FROM outbox ORDER BY id", String.class))
                    .containsExactly("RepeatCancelled");
            // the worker and the watcher are built from the same beans (getBean throws when one cannot be)
            context.getBean(RepeatWorker.class);
            context.getBean(RepeatWatcher.class);
        }
    }

    private static void deliver(RecoveryListener listener, io.aof.common.events.AofEvent command) {
        listener.onRecoveryRequested(new org.apache.kafka.clients.consumer.ConsumerRecord<>(
                io.aof.common.events.Topics.Names.RECOVERY_REQUESTS, 0, 0L, command.incidentId(),
                io.aof.common.events.EventCodec.encode(command)));
    }
}
