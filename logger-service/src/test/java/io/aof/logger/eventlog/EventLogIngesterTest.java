package io.aof.logger.eventlog;

import io.aof.common.events.Topics;
import io.aof.common.messaging.Failures;
import io.aof.logger.LoggerSchema;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.listener.BatchListenerFailedException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The logger's batch listener on a real PostgreSQL: it stores anything it gets, so a poll with a record PostgreSQL
 * would refuse fails nothing (and nothing can end on a {@code .dlt.dlt}); only the database being unavailable fails
 * a record, alone, by its index.
 */
public class EventLogIngesterTest {

    PGSimpleDataSource ds;
    JdbcTemplate jdbc;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    EventLogIngester ingester;
    long offset;

    @BeforeEach
    void schema() {
        ds = LoggerSchema.fresh("ingest");
        jdbc = new JdbcTemplate(ds);
        ingester = new EventLogIngester(new EventLogStore(jdbc), meters, redactor(meters));
    }

    /** The redactor as {@code aof.logger.redaction.*} configures it from these properties (none: the defaults). */
    public static Redactor redactor(io.micrometer.core.instrument.MeterRegistry meters, String... properties) {
        java.util.Map<String, String> map = new java.util.HashMap<>();
        for (String p : properties) {
            map.put("aof.logger.redaction." + p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
        }
        RedactionProperties bound = new org.springframework.boot.context.properties.bind.Binder(
                new org.springframework.boot.context.properties.source.MapConfigurationPropertySource(map))
                .bindOrCreate("aof.logger.redaction", RedactionProperties.class);
        return new Redactor(bound, meters);
    }

    ConsumerRecord<String, String> record(String topic, String key, String value) {
        return new ConsumerRecord<>(topic, 0, offset++, key, value);
    }

    static String event(UUID id, String error) {
        return "{\"type\":\"JobFailed\",\"eventId\":\"" + id + "\",\"occurredAt\":\"2026-11-27T10:00:00Z\","
                + "\"schemaVersion\":1,\"workspace\":\"w\",\"recipeId\":7,\"jobId\":\"j-" + id + "\","
                + "\"incidentId\":\"w:7:j\",\"error\":\"" + error + "\"}";
    }

    @Test
    void aPollWithANulCharacterAndARecordThatIsNotJsonStoresEveryRecord() {
        UUID good1 = UUID.randomUUID();
        UUID withNul = UUID.randomUUID();
        UUID good2 = UUID.randomUUID();
        ConsumerRecord<String, String> notJson = record(Topics.JOB_FAILURES.deadLetterName(), "k",
                "<html>502 Bad Gateway\u0000</html>");
        notJson.headers().add(new RecordHeader(EventLogIngester.DLT_EXCEPTION_MESSAGE,
                "not JSON\u0000".getBytes(StandardCharsets.UTF_8)));
        List<ConsumerRecord<String, String>> poll = List.of(
                record(Topics.JOB_FAILURES.name(), "w:7:j", event(good1, "fine")),
                record(Topics.JOB_FAILURES.name(), "w:7:j", event(withNul, "x\\u0000y")),   // JSON escape
                notJson,
                record(Topics.INCIDENT_EVENTS.name(), "w:7:j", "raw NUL \u0000 and lone \ud800 surrogate"),
                record(Topics.JOB_FAILURES.name(), "w:7:j", event(good2, "fine")));

        ingester.ingest(poll);   // before the fix: the whole poll failed on PostgreSQL's refusal

        assertThat(jdbc.queryForObject("SELECT count(*) FROM event_log", Integer.class)).isEqualTo(5);
        assertThat(jdbc.queryForList("SELECT event_id FROM event_log WHERE event_id IN (?, ?, ?)", UUID.class,
                good1, withNul, good2)).containsExactlyInAnyOrder(good1, withNul, good2);
        assertThat(jdbc.queryForObject("SELECT payload->>'error' FROM event_log WHERE event_id = ?", String.class,
                withNul)).isEqualTo("xy");
        assertThat(jdbc.queryForObject("SELECT raw_payload || ' | ' || error || ' | ' || message_key "
                        + "FROM event_log WHERE dead_letter", String.class))
                .isEqualTo("<html>502 Bad Gateway</html> | not JSON | k");
        assertThat(jdbc.queryForObject("SELECT payload->>'raw' FROM event_log WHERE topic = ?", String.class,
                Topics.INCIDENT_EVENTS.name())).isEqualTo("raw NUL  and lone \uFFFD surrogate");
        assertThat(meters.get("aof.logger.events.stored").counter().count()).isEqualTo(5);
    }

    @Test
    void aRowTheDatabaseStillRefusesIsStoredAsTextAndTheOthersAsThemselves() {
        UUID good1 = UUID.randomUUID();
        UUID good2 = UUID.randomUUID();
        // a valid Instant that PostgreSQL's timestamptz cannot hold: refused by the database, not by the parser
        String farFuture = event(UUID.randomUUID(), "x").replace("2026-11-27T10:00:00Z", "+300000-01-01T00:00:00Z");
        ingester.ingest(List.of(
                record(Topics.JOB_FAILURES.name(), "k", event(good1, "a")),
                record(Topics.JOB_FAILURES.name(), "k", farFuture),
                record(Topics.JOB_FAILURES.name(), "k", event(good2, "b"))));

        assertThat(jdbc.queryForList("SELECT event_type FROM event_log ORDER BY id", String.class))
                .containsExactly("JobFailed", "Unstorable", "JobFailed");
        assertThat(jdbc.queryForObject("SELECT raw_payload FROM event_log WHERE event_type = 'Unstorable'",
                String.class)).isEqualTo(farFuture);
        assertThat(jdbc.queryForObject("SELECT payload->>'unstorable' FROM event_log WHERE event_type = 'Unstorable'",
                String.class)).containsIgnoringCase("timestamp");
        assertThat(meters.get("aof.logger.events.unstorable").counter().count()).isEqualTo(1);
    }

    @Test
    void theServiceOfARecordIsItsHeaderElseTheTopicsOnlyPublisherInTheCatalogue() {
        ConsumerRecord<String, String> report = record(Topics.NOTIFICATION_REQUESTS.name(), "k", "{}");
        report.headers().add(new RecordHeader(io.aof.common.messaging.Headers.SERVICE,
                "logger-service".getBytes(StandardCharsets.UTF_8)));
        assertThat(EventLogIngester.service(report)).isEqualTo("logger");
        // without the header: the one publisher of the topic, of its dead-letter topic too
        assertThat(EventLogIngester.service(record(Topics.RECOVERY_EVENTS.name(), "k", "{}"))).isEqualTo("recovery");
        assertThat(EventLogIngester.service(record(Topics.JOB_FAILURES.deadLetterName(), "k", "{}")))
                .isEqualTo("collation");
        // several services publish alert requests: not guessed (it was "orchestrator", also for the logger's report)
        assertThat(EventLogIngester.service(record(Topics.NOTIFICATION_REQUESTS.name(), "k", "{}")))
                .isEqualTo("unknown");
        assertThat(EventLogIngester.service(record("someone.elses.topic", "k", "{}"))).isEqualTo("unknown");
    }

    /** A failure whose job id looks like a card number, with a customer's card and e-mail in its error text. */
    static String customerFailure(UUID id) {
        return "{\"type\":\"JobFailed\",\"eventId\":\"" + id + "\",\"occurredAt\":\"2026-11-27T10:00:00Z\","
                + "\"schemaVersion\":1,\"workspace\":\"w\",\"recipeId\":7,\"jobId\":\"4111111111111111\","
                + "\"incidentId\":\"w:7:4111111111111111\",\"recipeName\":\"Orders of ann@example.com\","
                + "\"httpStatus\":402,\"error\":\"402: card 4111 1111 1111 1111 of ann@example.com declined\"}";
    }

    @Test
    void withRedactionOnAStoredEventKeepsItsIdsButNotTheCustomersCardOrEmailNorDoDeadLettersAndUnstorableRows() {
        SimpleMeterRegistry m = new SimpleMeterRegistry();
        EventLogIngester redacting = new EventLogIngester(new EventLogStore(jdbc), m, redactor(m, "enabled=true"));
        UUID id = UUID.randomUUID();
        ConsumerRecord<String, String> notJson = record(Topics.JOB_FAILURES.deadLetterName(), "w:7:4111111111111111",
                "<html>bob@example.com paid with 5500-0000-0000-0004</html>");
        notJson.headers().add(new RecordHeader(EventLogIngester.DLT_EXCEPTION_MESSAGE,
                "not JSON: <html>bob@example.com".getBytes(StandardCharsets.UTF_8)));
        String farFuture = customerFailure(UUID.randomUUID()).replace("2026-11-27T10:00:00Z",
                "+300000-01-01T00:00:00Z");

        redacting.ingest(List.of(record(Topics.JOB_FAILURES.name(), "w:7:4111111111111111", customerFailure(id)),
                notJson, record(Topics.JOB_FAILURES.name(), "k", farFuture)));

        assertThat(jdbc.queryForObject("SELECT payload->>'error' FROM event_log WHERE event_id = ?", String.class,
                id)).isEqualTo("402: card [redacted:card] of [redacted:email] declined");
        assertThat(jdbc.queryForObject("SELECT payload->>'recipeName' FROM event_log WHERE event_id = ?",
                String.class, id)).isEqualTo("Orders of [redacted:email]");
        // the ids stay, in the payload and in the indexed columns, so the event is still found by its job
        assertThat(jdbc.queryForObject("SELECT job_id || ' ' || incident_id || ' ' || (payload->>'jobId') || ' ' "
                        + "|| (payload->>'httpStatus') || ' ' || recipe_id FROM event_log WHERE event_id = ?",
                String.class, id)).isEqualTo("4111111111111111 w:7:4111111111111111 4111111111111111 402 7");
        assertThat(jdbc.queryForObject("SELECT raw_payload || ' | ' || error || ' | ' || (payload->>'raw') || ' | '"
                        + " || message_key FROM event_log WHERE dead_letter", String.class))
                .isEqualTo("<html>[redacted:email] paid with [redacted:card]</html> | not JSON: <html>[redacted:email]"
                        + " | <html>[redacted:email] paid with [redacted:card]</html> | w:7:4111111111111111");
        assertThat(jdbc.queryForObject("SELECT raw_payload FROM event_log WHERE event_type = 'Unstorable'",
                String.class)).contains("[redacted:card]", "[redacted:email]", "\"jobId\":\"4111111111111111\"");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM event_log WHERE payload::text ~ '@example|4111 1111|5500-' "
                + "OR raw_payload ~ '@example|4111 1111|5500-' OR error ~ '@example'", Integer.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM event_log", Integer.class)).isEqualTo(3);
        assertThat(m.get("aof.logger.redactions").tag("pattern", "card").counter().count()).isGreaterThanOrEqualTo(3);
        assertThat(m.get("aof.logger.redactions").tag("pattern", "email").counter().count())
                .isGreaterThanOrEqualTo(5);
    }

    @Test
    void redactionIsOffByDefaultAndTheErrorIsStoredAsItCame() {
        UUID id = UUID.randomUUID();
        ingester.ingest(List.of(record(Topics.JOB_FAILURES.name(), "k", customerFailure(id))));

        assertThat(jdbc.queryForObject("SELECT payload->>'error' FROM event_log WHERE event_id = ?", String.class,
                id)).isEqualTo("402: card 4111 1111 1111 1111 of ann@example.com declined");
        assertThat(meters.get("aof.logger.redactions").tag("pattern", "email").counter().count()).isZero();
    }

    @Test
    void aRedeliveredPollStoresNothingTwice() {
        List<ConsumerRecord<String, String>> poll = List.of(
                record(Topics.JOB_FAILURES.name(), "k", event(UUID.randomUUID(), "a")),
                record(Topics.JOB_FAILURES.deadLetterName(), "k", "garbage"));
        ingester.ingest(poll);
        ingester.ingest(poll);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM event_log", Integer.class)).isEqualTo(2);
    }

    @Test
    void anUnavailableDatabaseFailsTheRecordAloneAsAnInfrastructureFailure() {
        PGSimpleDataSource down = new PGSimpleDataSource();
        down.setUrl("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=2");
        EventLogIngester cut = new EventLogIngester(new EventLogStore(new JdbcTemplate(down)), meters,
                redactor(meters));

        assertThatThrownBy(() -> cut.ingest(List.of(record(Topics.JOB_FAILURES.name(), "k",
                event(UUID.randomUUID(), "a")))))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> {
                    assertThat(e.getIndex()).isZero();
                    assertThat(Failures.isInfrastructure(e)).isTrue();
                });
    }

    @Test
    void aDatabaseLostInTheMiddleOfAPollFailsTheRecordItReachedAndKeepsTheOnesBefore() {
        UUID first = UUID.randomUUID();
        String farFuture = event(UUID.randomUUID(), "x").replace("2026-11-27T10:00:00Z", "+300000-01-01T00:00:00Z");
        // the real database, lost after four connections: the batch insert (refused for the second row), the
        // first row alone, the second alone (refused again) and its text: the third row finds no database
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        javax.sql.DataSource losing = new org.springframework.jdbc.datasource.DelegatingDataSource(ds) {
            @Override
            public java.sql.Connection getConnection() throws java.sql.SQLException {
                if (connections.incrementAndGet() > 4) {
                    throw new java.sql.SQLException("connection lost", "08006");
                }
                return super.getConnection();
            }
        };
        EventLogIngester cut = new EventLogIngester(new EventLogStore(new JdbcTemplate(losing)), meters,
                redactor(meters));

        assertThatThrownBy(() -> cut.ingest(List.of(
                record(Topics.JOB_FAILURES.name(), "k", event(first, "a")),
                record(Topics.JOB_FAILURES.name(), "k", farFuture),
                record(Topics.JOB_FAILURES.name(), "k", event(UUID.randomUUID(), "b")))))
                .isInstanceOfSatisfying(BatchListenerFailedException.class, e -> {
                    assertThat(e.getIndex()).isEqualTo(2);   // the container retries from there, not the poll
                    assertThat(Failures.isInfrastructure(e)).isTrue();
                });
        assertThat(jdbc.queryForList("SELECT event_type FROM event_log ORDER BY id", String.class))
                .containsExactly("JobFailed", "Unstorable");
    }
}
