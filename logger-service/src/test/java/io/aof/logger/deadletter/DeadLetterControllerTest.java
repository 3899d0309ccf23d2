package io.aof.logger.deadletter;

import io.aof.common.events.EventCodec;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.aof.logger.LoggerSchema;
import io.aof.logger.deadletter.DeadLetterController.Page;
import io.aof.logger.deadletter.DeadLetterController.RedriveRequest;
import io.aof.logger.deadletter.DeadLetterController.RedriveResult;
import io.aof.logger.eventlog.EventLogIngester;
import io.aof.logger.eventlog.EventLogIngesterTest;
import io.aof.logger.eventlog.EventLogStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.ErrorResponseException;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Dead letters and their re-drive on a real PostgreSQL: stored by the ingester as they come from the dead-letter
 * topics, listed with keyset paging, republished through the outbox to their original topic with their original
 * key and payload, at most once unless forced, recorded and counted; bad input answers problem details.
 */
class DeadLetterControllerTest {

    JdbcTemplate jdbc;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DeadLetterController api;
    EventLogIngester ingester;
    Principal alice = () -> "alice";
    UUID jobFailedId = UUID.randomUUID();
    String jobFailed = "{\"type\":\"JobFailed\",\"eventId\":\"" + jobFailedId + "\","
            + "\"occurredAt\":\"2026-11-27T10:00:00Z\",\"schemaVersion\":1,\"workspace\":\"w\",\"recipeId\":7,"
            + "\"jobId\":\"j-1\",\"incidentId\":\"w:7:j-1\",\"error\":\"database read-only\"}";

    @BeforeEach
    void schema() {
        PGSimpleDataSource ds = LoggerSchema.fresh("dlt");
        jdbc = new JdbcTemplate(ds);
        api = new DeadLetterController(new DeadLetterStore(jdbc),
                new TransactionTemplate(new DataSourceTransactionManager(ds)),
                new Outbox(jdbc), meters, java.time.Duration.ofDays(13), "w");
        ingester = new EventLogIngester(new EventLogStore(jdbc), meters, EventLogIngesterTest.redactor(meters));
        ingester.ingest(List.of(
                deadLetter(Topics.JOB_FAILURES.deadLetterName(), 0, "w:7:j-1", jobFailed, 1_000),
                deadLetter(Topics.JOB_FAILURES.deadLetterName(), 1, "k-garbage", "not an event", 2_000),
                deadLetter(Topics.INCIDENT_EVENTS.deadLetterName(), 0, "w:7:j-2", "{\"type\":\"Future\","
                        + "\"eventId\":\"" + UUID.randomUUID() + "\",\"occurredAt\":\"2026-11-27T11:00:00Z\"}", 3_000)));
    }

    static ConsumerRecord<String, String> deadLetter(String topic, long offset, String key, String value, long ts) {
        ConsumerRecord<String, String> r = new ConsumerRecord<>(topic, 0, offset, ts,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, 0, key, value,
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
        r.headers().add(new RecordHeader(EventLogIngester.DLT_EXCEPTION_MESSAGE,
                "boom".getBytes(StandardCharsets.UTF_8)));
        return r;
    }

    long idOf(String key) {
        return jdbc.queryForObject("SELECT id FROM event_log WHERE message_key = ?", Long.class, key);
    }

    /** The re-driven records waiting in the outbox (the audit records apart: {@link #audit()}). */
    List<String> outbox() {
        return jdbc.queryForList("SELECT topic || ' ' || message_key || ' ' || event_type FROM outbox "
                + "WHERE topic <> 'aof.operator-actions' ORDER BY id", String.class);
    }

    /** The audit records waiting in the outbox: actor, action, target, reason. */
    List<String> audit() {
        return jdbc.queryForList("SELECT payload FROM outbox WHERE topic = 'aof.operator-actions' ORDER BY id",
                String.class).stream().map(p -> EventCodec.decode(Topics.OPERATOR_ACTIONS, p)).map(a -> a.actor()
                + " " + a.action() + " " + a.target() + " " + a.reason()).toList();
    }

    @Test
    void listsDeadLettersByTopicNewestFirstWithKeysetPaging() {
        Page first = api.list("aof.job-failures", null, null, null, 1);
        assertThat(first.items()).extracting(DeadLetterController.DeadLetter::key).containsExactly("w:7:j-1");
        assertThat(first.items().get(0).originalTopic()).isEqualTo("aof.job-failures");
        assertThat(first.items().get(0).type()).isEqualTo("JobFailed");
        assertThat(first.items().get(0).error()).isEqualTo("boom");
        // the record that is not JSON occurred at its record's timestamp (here early in 1970)
        Page second = api.list("aof.job-failures.dlt", null, null, first.next(), 1);
        assertThat(second.items()).extracting(DeadLetterController.DeadLetter::key).containsExactly("k-garbage");
        assertThat(second.items().get(0).payload().asString()).isEqualTo("not an event");
        assertThat(api.list("aof.job-failures", null, null, second.next(), 1).items()).isEmpty();
        assertThat(api.list(null, Instant.parse("2026-11-27T10:30:00Z"), null, null, 100).items())
                .extracting(DeadLetterController.DeadLetter::topic).containsExactly("aof.incident-events.dlt");
    }

    @Test
    void redrivesToTheOriginalTopicWithTheOriginalKeyAndPayloadOnceUnlessForced() {
        long event = idOf("w:7:j-1");
        long garbage = idOf("k-garbage");

        RedriveResult result = api.redrive(new RedriveRequest(List.of(event, garbage, 999_999L), null, null, null,
                false, "database writable again"), alice);

        // in the order they occurred
        assertThat(result.redriven()).containsExactly(garbage, event);
        assertThat(result.notFound()).containsExactly(999_999L);
        assertThat(outbox()).containsExactly("aof.job-failures k-garbage Unknown",
                "aof.job-failures w:7:j-1 JobFailed");
        Map<String, Object> row = jdbc.queryForMap("SELECT event_id, payload FROM outbox WHERE message_key = 'w:7:j-1'");
        assertThat(row.get("event_id")).isEqualTo(jobFailedId);
        assertThat(EventCodec.readTree((String) row.get("payload"))).isEqualTo(EventCodec.readTree(jobFailed));
        assertThat(jdbc.queryForObject("SELECT payload FROM outbox WHERE message_key = 'k-garbage'", String.class))
                .isEqualTo("not an event");
        assertThat(api.list("aof.job-failures", null, null, null, 10).items().get(0).redrives())
                .singleElement().satisfies(r -> {
                    assertThat(r.by()).isEqualTo("alice");
                    assertThat(r.reason()).isEqualTo("database writable again");
                    assertThat(r.forced()).isFalse();
                });

        // again: nothing, unless forced
        RedriveResult again = api.redrive(new RedriveRequest(List.of(event, garbage), null, null, null, false, null),
                alice);
        assertThat(again.redriven()).isEmpty();
        assertThat(again.alreadyRedriven()).containsExactly(garbage, event);
        assertThat(outbox()).hasSize(2);
        RedriveResult forced = api.redrive(new RedriveRequest(List.of(garbage), null, null, null, true, "once more"),
                alice);
        assertThat(forced.redriven()).containsExactly(garbage);
        assertThat(outbox()).hasSize(3);
        // audited under the caller's name, one record per call that re-drove something
        assertThat(audit()).containsExactly(
                "alice DEAD_LETTER_REDRIVE 2 dead letter(s) by id: " + garbage + ", " + event
                        + " database writable again",
                "alice DEAD_LETTER_REDRIVE 1 dead letter(s) by id: " + garbage + " (forced) once more");
        assertThat(jdbc.queryForList("SELECT forced FROM dead_letter_redrive WHERE dead_letter_id = ? ORDER BY id",
                Boolean.class, garbage)).containsExactly(false, true);
        assertThat(meters.get("aof.dlt.redriven").tag("topic", "aof.job-failures").counter().count()).isEqualTo(3);
        assertThat(meters.get("aof.dlt.redriven").tag("topic", "aof.recovery-events").counter().count()).isZero();
    }

    @Test
    void aDeadLetterOlderThanTheConsumersMemoryIsRedrivenOnlyWhenForced() {
        long event = idOf("w:7:j-1");
        // dead-lettered 20 days ago: the inbox (14 days) and recovery's requests (30 days) may have forgotten it
        jdbc.update("UPDATE event_log SET ingested_at = now() - interval '20 days' WHERE id = ?", event);

        RedriveResult refused = api.redrive(new RedriveRequest(List.of(event), null, null, null, false, null), alice);
        assertThat(refused.tooOld()).containsExactly(event);
        assertThat(refused.redriven()).isEmpty();
        assertThat(outbox()).isEmpty();
        RedriveResult byRange = api.redrive(new RedriveRequest(null, "aof.job-failures", Instant.EPOCH,
                Instant.parse("2026-11-28T00:00:00Z"), false, null), alice);
        assertThat(byRange.tooOld()).containsExactly(event);
        assertThat(outbox()).containsExactly("aof.job-failures k-garbage Unknown");

        RedriveResult forced = api.redrive(new RedriveRequest(List.of(event), null, null, null, true, "checked"), alice);
        assertThat(forced.redriven()).containsExactly(event);
        assertThat(outbox()).contains("aof.job-failures w:7:j-1 JobFailed");
    }

    @Test
    void redrivesATopicAndTimeRangeSkippingThoseRedrivenBefore() {
        api.redrive(new RedriveRequest(List.of(idOf("w:7:j-1")), null, null, null, false, null), alice);

        RedriveResult range = api.redrive(new RedriveRequest(null, "aof.job-failures",
                Instant.parse("2026-11-27T00:00:00Z"), Instant.parse("2026-11-28T00:00:00Z"), false, null), alice);
        // the non-JSON one occurred at its record's timestamp (1970): outside the range
        assertThat(range.redriven()).isEmpty();
        RedriveResult all = api.redrive(new RedriveRequest(null, "aof.job-failures", Instant.EPOCH,
                Instant.parse("2026-11-28T00:00:00Z"), false, null), alice);
        assertThat(all.redriven()).containsExactly(idOf("k-garbage"));
        RedriveResult incidents = api.redrive(new RedriveRequest(null, "aof.incident-events.dlt", Instant.EPOCH,
                Instant.parse("2026-11-28T00:00:00Z"), false, null), alice);
        assertThat(incidents.redriven()).containsExactly(idOf("w:7:j-2"));
        assertThat(outbox()).containsExactly("aof.job-failures w:7:j-1 JobFailed",
                "aof.job-failures k-garbage Unknown", "aof.incident-events w:7:j-2 Future");
    }

    @Test
    void badInputAnswersProblemDetails() {
        Instant t = Instant.parse("2026-11-27T00:00:00Z");
        for (RedriveRequest bad : List.of(
                new RedriveRequest(null, null, null, null, false, null),
                new RedriveRequest(List.of(), null, null, null, false, null),
                new RedriveRequest(List.of(1L), "aof.job-failures", t, t.plusSeconds(1), false, null),
                new RedriveRequest(null, "aof.job-failures", t, null, false, null),
                new RedriveRequest(null, "aof.job-failures", t, t, false, null),
                new RedriveRequest(null, "no.such.topic", t, t.plusSeconds(1), false, null),
                new RedriveRequest(List.of(1L), null, null, null, false, "x".repeat(1001)))) {
            assertThatThrownBy(() -> api.redrive(bad, alice)).as(bad.toString())
                    .isInstanceOfSatisfying(ErrorResponseException.class,
                            e -> assertThat(e.getStatusCode().value()).isEqualTo(400));
        }
        assertThatThrownBy(() -> api.list(null, null, null, null, 0)).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> api.list(null, null, null, "nonsense", 10)).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> api.list("no.such.topic", null, null, null, 10))
                .isInstanceOf(ErrorResponseException.class);
        assertThat(outbox()).isEmpty();
    }
}
