package io.aof.logger;

import io.aof.common.events.EventCodec;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Headers;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Stores every record of every AOF topic and dead-letter topic, in batches. The
 * event id is the unique key, so a redelivered batch stores nothing twice. A
 * dead-lettered record that is not even JSON is kept too, as text, under an id
 * derived from its topic, partition and offset (stable across redeliveries).
 */
@Component
class EventLogIngester {

    /** Which service publishes on which topic. */
    static final java.util.Map<String, String> SERVICES = java.util.Map.of(
            Topics.Names.JOB_FAILURES, "collation",
            Topics.Names.RECIPE_EVENTS, "collation",
            Topics.Names.INCIDENT_EVENTS, "orchestrator",
            Topics.Names.RECOVERY_REQUESTS, "orchestrator",
            Topics.Names.NOTIFICATION_REQUESTS, "orchestrator",
            Topics.Names.RECOVERY_EVENTS, "recovery",
            Topics.Names.NOTIFICATION_EVENTS, "notifier");

    private final JdbcTemplate jdbc;
    private final MeterRegistry meters;

    EventLogIngester(JdbcTemplate jdbc, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.meters = meters;
    }

    @KafkaListener(topics = "#{T(io.aof.common.events.Topics).allNamesWithDeadLetters()}", batch = "true")
    void ingest(List<ConsumerRecord<String, String>> records) {
        List<Object[]> rows = new ArrayList<>(records.size());
        for (ConsumerRecord<String, String> r : records) {
            rows.add(toRow(r));
        }
        int[][] done = jdbc.batchUpdate("INSERT INTO event_log (event_id, topic, event_type, occurred_at, workspace, "
                        + "incident_id, recipe_id, job_id, attempt, dead_letter, category, service, payload) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) ON CONFLICT (event_id) DO NOTHING",
                rows, rows.size(), (ps, row) -> {
                    for (int i = 0; i < row.length; i++) {
                        ps.setObject(i + 1, row[i]);
                    }
                });
        long stored = 0;
        for (int[] batch : done) {
            for (int n : batch) {
                stored += Math.max(n, 0);
            }
        }
        meters.counter("aof.logger.events.stored").increment(stored);
    }

    private Object[] toRow(ConsumerRecord<String, String> r) {
        boolean deadLetter = r.topic().endsWith(Topics.DLT_SUFFIX);
        String headerType = header(r, Headers.EVENT_TYPE);
        JsonNode json;
        try {
            json = EventCodec.readTree(r.value());
            if (!json.isObject()) {
                throw new IllegalArgumentException("not an object");
            }
        } catch (RuntimeException notJson) {
            ObjectNode raw = EventCodec.mapper().createObjectNode();
            raw.put("raw", r.value());
            raw.put("error", header(r, "kafka_dlt-exception-message"));
            json = raw;
        }
        UUID eventId = uuid(text(json, "eventId"));
        if (eventId == null || deadLetter) {
            eventId = UUID.nameUUIDFromBytes((r.topic() + "/" + r.partition() + "/" + r.offset())
                    .getBytes(StandardCharsets.UTF_8));
        }
        String type = text(json, "type") != null ? text(json, "type")
                : headerType != null ? headerType : "Unknown";
        Instant occurredAt = parseInstant(text(json, "occurredAt"), r.timestamp());
        Long recipeId = json.hasNonNull("recipeId") && json.get("recipeId").canConvertToLong()
                ? json.get("recipeId").asLong() : null;
        Integer attempt = json.hasNonNull("attempt") && json.get("attempt").canConvertToInt()
                ? json.get("attempt").asInt() : null;
        return new Object[]{eventId, r.topic(), deadLetter ? type + " (dead letter)" : type,
                Timestamp.from(occurredAt), text(json, "workspace"), text(json, "incidentId"), recipeId,
                text(json, "jobId"), attempt, deadLetter, text(json, "category"), SERVICES.getOrDefault(
                        deadLetter ? r.topic().substring(0, r.topic().length() - Topics.DLT_SUFFIX.length())
                                : r.topic(), "unknown"), json.toString()};
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
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
