package io.aof.logger.eventlog;

import io.aof.common.events.EventCodec;
import io.aof.common.events.Topic;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Failures;
import io.aof.common.messaging.Headers;
import io.aof.common.text.ExternalText;
import io.aof.logger.eventlog.EventLogStore.NewEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Stores every record of every AOF topic and dead-letter topic, in batches, in the
 * {@link EventLogStore}. The event id is the unique key, so a redelivered batch
 * stores nothing twice.
 * <p>
 * The logger stores anything it gets, since dead-letter payloads may come from
 * anywhere: a record that is not JSON is kept as text ({@code raw_payload}, and
 * {@code payload} {"raw": ...}); characters PostgreSQL refuses (U+0000 in
 * {@code text}, {@code \u0000} in {@code jsonb}, lone surrogates) and other
 * control characters are taken out of the stored copy; a row the database still
 * refuses is stored as an {@code Unstorable} row with its text and the
 * database's error. So only the infrastructure can make a record fail (the
 * database down, read-only, full): then it fails alone
 * ({@link BatchListenerFailedException} with its index: the records before it are
 * committed) and the error handler retries it until the database is back; a
 * record is never dead-lettered for the logger's sake, and {@code <topic>.dlt.dlt}
 * is never anyone's fate. Dead letters (and records without an event id) get an
 * id derived from topic, partition and offset, stable across redeliveries.
 * <p>
 * With {@code aof.logger.redaction.enabled}, the {@link Redactor} takes customer data (e-mail addresses, card
 * numbers, IBANs, operators' own patterns) out of the stored payload's string values, the text of a record that is
 * not JSON and the dead-letter error, before the row is built; the indexed columns come from the id fields, which
 * it never changes. It never throws, so it cannot make a record fail.
 */
@Component
public class EventLogIngester {

    private static final Logger log = LoggerFactory.getLogger(EventLogIngester.class);

    /** Spring Kafka's header with the dead-letter publisher's exception message. */
    public static final String DLT_EXCEPTION_MESSAGE = "kafka_dlt-exception-message";

    private final EventLogStore eventLog;
    private final Counter stored;
    private final Counter unstorable;
    private final Redactor redactor;

    public EventLogIngester(EventLogStore eventLog, MeterRegistry meters, Redactor redactor) {
        this.eventLog = eventLog;
        this.redactor = redactor;
        this.stored = meters.counter("aof.logger.events.stored");
        this.unstorable = Counter.builder("aof.logger.events.unstorable")
                .description("records the database refused as they were, stored as text with the error instead")
                .register(meters);
    }

    @KafkaListener(topics = "#{T(io.aof.common.events.Topics).allNamesWithDeadLetters()}", batch = "true")
    public void ingest(List<ConsumerRecord<String, String>> records) {
        List<NewEvent> rows = new ArrayList<>(records.size());
        for (ConsumerRecord<String, String> r : records) {
            rows.add(safeRow(r));
        }
        try {
            stored.increment(eventLog.storeAll(rows));
        } catch (DataAccessException e) {
            if (Failures.isInfrastructure(e)) {
                throw new BatchListenerFailedException("the event log is unavailable: " + Failures.rootMessage(e),
                        e, 0);
            }
            // a row the database refuses: store one by one, so it fails (or is kept as text) alone
            for (int i = 0; i < rows.size(); i++) {
                storeAlone(records.get(i), rows.get(i), i);
            }
        }
    }

    private void storeAlone(ConsumerRecord<String, String> r, NewEvent row, int index) {
        try {
            stored.increment(eventLog.store(row));
            return;
        } catch (DataAccessException e) {
            if (Failures.isInfrastructure(e)) {
                throw new BatchListenerFailedException("the event log is unavailable: " + Failures.rootMessage(e),
                        e, index);
            }
            log.warn("The event log refused record {}-{}@{} as it is; storing it as text: {}", r.topic(),
                    r.partition(), r.offset(), Failures.rootMessage(e));
            try {
                stored.increment(eventLog.store(unstorableRow(r, Failures.rootMessage(e))));
                unstorable.increment();
            } catch (DataAccessException again) {
                // nothing about the record is left to refuse: the database is in trouble; retried alone
                throw new BatchListenerFailedException("could not store record " + r.topic() + "-" + r.partition()
                        + "@" + r.offset() + ": " + Failures.rootMessage(again), again, index);
            }
        }
    }

    private NewEvent safeRow(ConsumerRecord<String, String> r) {
        try {
            return toRow(r);
        } catch (RuntimeException e) {
            log.warn("Could not read record {}-{}@{}; storing it as text: {}", r.topic(), r.partition(), r.offset(),
                    e.toString());
            unstorable.increment();
            return unstorableRow(r, e.toString());
        }
    }

    private NewEvent toRow(ConsumerRecord<String, String> r) {
        boolean deadLetter = r.topic().endsWith(Topics.DLT_SUFFIX);
        String headerType = clean(header(r, Headers.EVENT_TYPE));
        // the dead-letter publisher's message may quote the record (a parser's excerpt): redacted like it
        String error = deadLetter ? redactor.text(ExternalText.error(header(r, DLT_EXCEPTION_MESSAGE))) : null;
        JsonNode json;
        String raw = null;
        try {
            json = EventCodec.readTree(r.value());
            if (!json.isObject()) {
                throw new IllegalArgumentException("not an object");
            }
            if (r.value().contains("\\u") || !ExternalText.isClean(r.value())) {
                json = cleanTree(json);   // only then can a string hold what PostgreSQL refuses
            }
        } catch (RuntimeException notJson) {
            raw = redactRaw(clean(r.value()));
            ObjectNode wrapped = EventCodec.mapper().createObjectNode();
            wrapped.put("raw", raw);
            wrapped.put("error", redactor.text(clean(header(r, DLT_EXCEPTION_MESSAGE))));
            json = wrapped;
        }
        UUID eventId = uuid(text(json, "eventId"));
        if (eventId == null || deadLetter) {
            eventId = derivedId(r);
        }
        String type = text(json, "type") != null ? text(json, "type")
                : headerType != null ? headerType : "Unknown";
        Instant occurredAt = parseInstant(text(json, "occurredAt"), r.timestamp());
        Long recipeId = json.hasNonNull("recipeId") && json.get("recipeId").canConvertToLong()
                ? json.get("recipeId").asLong() : null;
        Integer attempt = json.hasNonNull("attempt") && json.get("attempt").canConvertToInt()
                ? json.get("attempt").asInt() : null;
        return new NewEvent(eventId, r.topic(), deadLetter ? type + " (dead letter)" : type, occurredAt,
                text(json, "workspace"), text(json, "incidentId"), recipeId, text(json, "jobId"), attempt, deadLetter,
                text(json, "category"), service(r), redactor.tree(json).toString(), clean(r.key()), raw, error);
    }

    /**
     * What is left to store of a record the database refused as it was: its text and why (both redacted: the
     * database's error may quote the value it refused).
     */
    private NewEvent unstorableRow(ConsumerRecord<String, String> r, String why) {
        boolean deadLetter = r.topic().endsWith(Topics.DLT_SUFFIX);
        String raw = redactRaw(clean(r.value()));
        ObjectNode wrapped = EventCodec.mapper().createObjectNode();
        wrapped.put("raw", raw);
        wrapped.put("unstorable", redactor.text(ExternalText.error(why)));
        return new NewEvent(derivedId(r), r.topic(), deadLetter ? "Unstorable (dead letter)" : "Unstorable",
                Instant.ofEpochMilli(Math.max(0, r.timestamp())), null, null, null, null, null, deadLetter, null,
                service(r), wrapped.toString(), clean(r.key()), raw,
                deadLetter ? redactor.text(ExternalText.error(header(r, DLT_EXCEPTION_MESSAGE))) : null);
    }

    /**
     * A record's text, redacted: when it is JSON (a row the database refused), as a payload is, so its id fields
     * stay; otherwise as a text. As it came when redaction is off.
     */
    private String redactRaw(String raw) {
        if (!redactor.enabled() || raw == null) {
            return raw;
        }
        JsonNode json;
        try {
            json = EventCodec.readTree(raw);
        } catch (RuntimeException notJson) {
            return redactor.text(raw);
        }
        return redactor.tree(json).toString();
    }

    private static UUID derivedId(ConsumerRecord<?, ?> r) {
        return UUID.nameUUIDFromBytes((r.topic() + "/" + r.partition() + "/" + r.offset())
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The publishing service as the record's header says ("logger-service" is "logger"), else by topic. */
    static String service(ConsumerRecord<?, ?> r) {
        String named = ExternalText.field(header(r, Headers.SERVICE));
        if (named != null && !named.isBlank()) {
            named = Topics.serviceOf(named);
            return named.length() > 40 ? named.substring(0, 40) : named;
        }
        // a record without the header (from before it, or from outside AOF): the topic's only publisher, if it has
        // one; "unknown" where several publish (the trouble and the report requests), rather than a guess
        return Topics.byName(r.topic()).flatMap(Topic::solePublisher).orElse("unknown");
    }

    /** Text PostgreSQL accepts: no U+0000 (nor other control characters), no lone surrogates; never cut. */
    static String clean(String s) {
        return s == null ? null : ExternalText.clean(s, Integer.MAX_VALUE);
    }

    /** The same JSON with every name and string {@link #clean}ed (jsonb refuses {@code \u0000}); as is when clean. */
    static JsonNode cleanTree(JsonNode node) {
        if (node.isString()) {
            String s = node.stringValue();
            return ExternalText.isClean(s) ? node : StringNode.valueOf(clean(s));
        }
        if (node.isObject()) {
            ObjectNode out = EventCodec.mapper().createObjectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.set(clean(e.getKey()), cleanTree(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = EventCodec.mapper().createArrayNode();
            for (JsonNode e : node.values()) {
                out.add(cleanTree(e));
            }
            return out;
        }
        return node;
    }

    private static String text(JsonNode json, String field) {
        JsonNode n = json.get(field);
        return n == null || n.isNull() ? null : n.asString();
    }

    private static UUID uuid(String s) {
        try {
            return s == null ? null : UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Instant parseInstant(String s, long fallbackMillis) {
        try {
            return s == null ? Instant.ofEpochMilli(fallbackMillis) : Instant.parse(s);
        } catch (RuntimeException e) {
            return Instant.ofEpochMilli(fallbackMillis);
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
