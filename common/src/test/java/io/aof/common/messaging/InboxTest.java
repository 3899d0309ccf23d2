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

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    /** A data source whose database does not answer (nothing listens on its port). */
    static PGSimpleDataSource unreachable() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl("jdbc:postgresql://127.0.0.1:9/none");
        ds.setConnectTimeout(1);
        return ds;
    }
}
