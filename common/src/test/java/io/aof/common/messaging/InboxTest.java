package io.aof.common.messaging;

import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import io.aof.testsupport.AofTestInfrastructure;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The inbox on a real PostgreSQL (the common migrations): a polled batch is
 * applied once per event in one transaction; redelivered, nothing runs again; an
 * event that fails fails alone, with the events before it committed and its
 * index reported to the container.
 */
class InboxTest {

    PGSimpleDataSource ds;
    JdbcTemplate jdbc;
    Inbox inbox;
    /** What the effects wrote, committed with their inbox rows (the table stands for an effect's own rows). */
    List<String> applied = new ArrayList<>();

    @BeforeEach
    void schema() {
        ds = AofTestInfrastructure.get().migratedSchema("inbox");
        jdbc = new JdbcTemplate(ds);
        jdbc.execute("CREATE TABLE effect (job_id TEXT NOT NULL)");
        inbox = new Inbox(jdbc, new TransactionTemplate(new DataSourceTransactionManager(ds)));
    }

    static JobFailed failure(String jobId) {
        return JobFailed.of("t", 7, "Recipe 7", null, jobId, null, "500 boom", null, 500, null,
                Instant.parse("2026-11-28T12:00:00Z"), JobFailed.CollectionSource.POLL, null);
    }

    Consumer<JobFailed> effect() {
        return f -> {
            jdbc.update("INSERT INTO effect (job_id) VALUES (?)", f.jobId());
            applied.add(f.jobId());
        };
    }

    List<String> effects() {
        return jdbc.queryForList("SELECT job_id FROM effect ORDER BY job_id", String.class);
    }

    @Test
    void aBatchIsAppliedOnceEachInOrderAndARedeliveryAppliesNothing() {
        JobFailed a = failure("a");
        JobFailed b = failure("b");
        inbox.once("orchestrator", a, effect());   // applied before, one by one

        int first = inbox.onceEach("orchestrator", List.of(a, b, failure("c"), b), effect());
        int again = inbox.onceEach("orchestrator", List.of(a, b), effect());

        assertThat(List.of(first, again)).containsExactly(2, 0);
        assertThat(applied).containsExactly("a", "b", "c");
        assertThat(effects()).containsExactly("a", "b", "c");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM processed_event WHERE consumer = 'orchestrator'",
                Integer.class)).isEqualTo(3);
        // another consumer's inbox is its own
        assertThat(inbox.onceEach("notifier", List.of(a), f -> { })).isEqualTo(1);
    }

    @Test
    void anEventThatFailsFailsAloneTheOnesBeforeItCommittedAndItsIndexReported() {
        List<JobFailed> batch = List.of(failure("a"), failure("b"), failure("poison"), failure("d"));
        Consumer<JobFailed> effect = effect().andThen(f -> {
            if (f.jobId().equals("poison")) {
                throw new IllegalArgumentException("cannot apply " + f.jobId());
            }
        });

        assertThatThrownBy(() -> inbox.onceEach("orchestrator", batch, effect))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> {
                    assertThat(e.getIndex()).isEqualTo(2);
                    assertThat(e.getCause()).isInstanceOf(IllegalArgumentException.class);
                });

        // the batch's transaction was rolled back; then a and b were applied alone, poison rolled back alone
        assertThat(effects()).containsExactly("a", "b");
        assertThat(jdbc.queryForList("SELECT event_id FROM processed_event", String.class))
                .containsExactlyInAnyOrder(batch.get(0).eventId().toString(), batch.get(1).eventId().toString());
        // the container delivers the rest again (poison dead-lettered): d is applied then, a and b are not again
        assertThat(inbox.onceEach("orchestrator", List.of(batch.get(0), batch.get(1), batch.get(3)), effect()))
                .isEqualTo(1);
        assertThat(effects()).containsExactly("a", "b", "d");
    }

    @Test
    void aPollOfRecordsIsDecodedAndAppliedWithEachRecordsTextAndARecordThatCannotBeReadFailsAloneAfterTheOnesBefore() {
        JobFailed a = failure("a");
        JobFailed c = failure("c");
        List<ConsumerRecord<String, String>> poll = List.of(record(0, EventCodec.encode(a)), record(1, "not an event"),
                record(2, EventCodec.encode(c)));
        List<String> texts = new ArrayList<>();

        assertThatThrownBy(() -> inbox.onceEachRecord("orchestrator", Topics.JOB_FAILURES, poll,
                (f, text) -> {
                    effect().accept(f);
                    texts.add(text);
                }))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> {
                    assertThat(e.getIndex()).isEqualTo(1);
                    assertThat(e.getMessage()).contains("aof.job-failures-0@1 cannot be read");
                });

        assertThat(effects()).containsExactly("a");   // the one before it; c comes with the redelivery
        assertThat(texts).containsExactly(EventCodec.encode(a));
    }

    static ConsumerRecord<String, String> record(long offset, String value) {
        return new ConsumerRecord<>("aof.job-failures", 0, offset, "k", value);
    }

    @Test
    void withTheDatabaseGoneTheWholeBatchIsReportedFromItsFirstEventAndNothingIsApplied() {
        Inbox broken = new Inbox(new JdbcTemplate(AofTestInfrastructure.get().migratedSchema("inbox")),
                new TransactionTemplate(new DataSourceTransactionManager(unreachable())));
        List<JobFailed> batch = List.of(failure("a"), failure("b"));

        assertThatThrownBy(() -> broken.onceEach("orchestrator", batch, effect()))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> {
                    assertThat(e.getIndex()).isZero();
                    assertThat(Failures.isInfrastructure(e)).isTrue();
                });
        assertThat(applied).isEmpty();
    }

    @Test
    void aPollThatLosesADeadlockIsAppliedAgainOneEventAtATimeNothingLostNorDoubled() throws Exception {
        jdbc.execute("CREATE TABLE lockme (id TEXT PRIMARY KEY, n INT NOT NULL)");
        jdbc.update("INSERT INTO lockme VALUES ('x', 0), ('y', 0)");
        // which transaction PostgreSQL fails is the one whose deadlock_timeout runs out first while the cycle exists:
        // the poll's (3 s, long enough for the other to start waiting even on a loaded machine), never the other's
        PGSimpleDataSource pollDs = new PGSimpleDataSource();
        pollDs.setUrl(ds.getUrl());
        pollDs.setUser(ds.getUser());
        pollDs.setPassword(ds.getPassword());
        pollDs.setOptions("-c deadlock_timeout=3s");
        JdbcTemplate pollJdbc = new JdbcTemplate(pollDs);
        Inbox pollInbox = new Inbox(pollJdbc, new TransactionTemplate(new DataSourceTransactionManager(pollDs)));
        Consumer<JobFailed> effect = f -> {
            pollJdbc.update("UPDATE lockme SET n = n + 1 WHERE id = ?", f.jobId());
            applied.add(f.jobId());
        };
        // another transaction (another orchestrator's poll, say) holds y; once the poll below holds x and waits for
        // y, it asks for x: a deadlock, which PostgreSQL breaks by failing the transaction that waited first, the poll
        AtomicReference<Throwable> otherFailed = new AtomicReference<>();
        Thread other;
        try (Connection c = ds.getConnection()) {
            c.createStatement().execute("SET deadlock_timeout = '60s'");
            c.setAutoCommit(false);
            c.createStatement().executeUpdate("UPDATE lockme SET n = n + 100 WHERE id = 'y'");
            other = new Thread(() -> {
                try {
                    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                    while (jdbc.queryForObject("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                            + "'Lock' AND datname = current_database()", Integer.class) == 0) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("the poll never waited for y");
                        }
                        Thread.sleep(20);
                    }
                    c.createStatement().executeUpdate("UPDATE lockme SET n = n + 100 WHERE id = 'x'");
                    c.commit();
                } catch (Throwable e) {
                    otherFailed.set(e);
                }
            });
            other.start();

            int ran = pollInbox.onceEach("orchestrator", List.of(failure("x"), failure("y")), effect);

            other.join();
            assertThat(otherFailed.get()).isNull();
            assertThat(ran).isEqualTo(2);
        }
        // the poll applied x, lost the deadlock on y and was rolled back whole (its x with it); then x and y were
        // applied once each, alone
        assertThat(applied).containsExactly("x", "x", "y");
        assertThat(jdbc.queryForList("SELECT n FROM lockme ORDER BY id", Integer.class)).containsExactly(101, 101);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM processed_event WHERE consumer = 'orchestrator'",
                Integer.class)).isEqualTo(2);
    }

    /** A data source whose database does not answer (nothing listens on its port). */
    static PGSimpleDataSource unreachable() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl("jdbc:postgresql://127.0.0.1:9/none");
        ds.setConnectTimeout(1);
        return ds;
    }
}
