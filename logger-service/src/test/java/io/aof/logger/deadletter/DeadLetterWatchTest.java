package io.aof.logger.deadletter;

import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.logger.LoggerProperties;
import io.aof.logger.LoggerSchema;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The super admin hears of new dead letters once, also when a look at them fails (the database down meanwhile). */
class DeadLetterWatchTest {

    final DataSource ds = LoggerSchema.fresh("dlwatch");
    final JdbcTemplate jdbc = new JdbcTemplate(ds);
    final AtomicBoolean databaseDown = new AtomicBoolean();
    final DeadLetterStore store = new DeadLetterStore(jdbc) {
        @Override
        int countStoredSince(Instant since) {
            if (databaseDown.get()) {
                throw new DataAccessResourceFailureException("the database is down");
            }
            return super.countStoredSince(since);
        }
    };
    final Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("aof.workspace", "w")));
    final DeadLetterWatch watch = new DeadLetterWatch(store, new TransactionTemplate(
            new DataSourceTransactionManager(ds)), new Outbox(jdbc, "logger-service"),
            binder.bindOrCreate("aof", AofProperties.class), binder.bindOrCreate("aof.logger", LoggerProperties.class));

    void deadLetter() {
        jdbc.update("INSERT INTO event_log (event_id, topic, event_type, occurred_at, dead_letter, payload) "
                + "VALUES (?, 'aof.job-failures.DLT', 'JobFailed', now(), true, '{}'::jsonb)", UUID.randomUUID());
    }

    int alerts() {
        return jdbc.queryForObject("SELECT count(*) FROM outbox WHERE event_type = 'NotificationRequested'",
                Integer.class);
    }

    @Test
    void newDeadLettersAreToldOnceAndALookThatFailedIsMadeAgainFromWhereTheLastGoodOneEnded() {
        assertThat(watch.look(Instant.now())).isFalse();

        deadLetter();
        databaseDown.set(true);
        watch.scheduled();   // fails: logged, looked at again later
        assertThat(alerts()).isZero();

        databaseDown.set(false);
        watch.scheduled();
        assertThat(alerts()).isOne();
        assertThat(jdbc.queryForObject("SELECT payload FROM outbox WHERE event_type = 'NotificationRequested'",
                String.class)).contains("1 new record(s) were refused", "aof.job-failures.DLT: 1");

        watch.scheduled();   // nothing new since
        assertThat(alerts()).isOne();
    }
}
