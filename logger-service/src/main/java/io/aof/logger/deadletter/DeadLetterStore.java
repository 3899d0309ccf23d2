package io.aof.logger.deadletter;

import io.aof.common.events.EventCodec;
import io.aof.common.events.Topics;
import io.aof.common.ops.PageCursor;
import io.aof.logger.eventlog.EventLogQuery;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Dead letters as the event log holds them (rows of {@code event_log} from a {@code <topic>.dlt}, with their key,
 * text and error) and their re-drives ({@code dead_letter_redrive}: who re-drove which, when, why; a dead letter
 * has at most one re-drive that was not forced). The lists are keyset-paged like the rest of the log
 * ({@link EventLogQuery}); the rows chosen for a re-drive are locked ({@code FOR UPDATE}) in the caller's
 * transaction, so two operators re-driving the same range do not both send it.
 */
@Repository
class DeadLetterStore {

    private static final String SUFFIX = " (dead letter)";

    private static final String COLUMNS = "e.id, e.event_id, e.topic, e.message_key, e.event_type, e.occurred_at, "
            + "e.ingested_at, e.error, e.payload::text, e.raw_payload";

    private static final RowMapper<Row> ROWS = (rs, i) -> new Row(rs.getLong(1), rs.getObject(2, UUID.class),
            rs.getString(3), rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant(),
            rs.getTimestamp(7).toInstant(), rs.getString(8), rs.getString(9), rs.getString(10));

    private final JdbcTemplate jdbc;

    DeadLetterStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A dead letter as stored.
     *
     * @param id         what a re-drive names
     * @param topic      its dead-letter topic
     * @param type       its event type with {@value #SUFFIX}
     * @param ingestedAt when the logger stored it (it was dead-lettered just before)
     * @param payload    its JSON as stored ({"raw": ...} for a record that was not JSON)
     * @param raw        its text when it was not JSON, else null
     */
    record Row(long id, UUID eventId, String topic, String key, String type, Instant occurredAt,
               Instant ingestedAt, String error, String payload, String raw) {

        String originalTopic() {
            return topic.substring(0, topic.length() - Topics.DLT_SUFFIX.length());
        }

        String originalType() {
            return type.endsWith(SUFFIX) ? type.substring(0, type.length() - SUFFIX.length()) : type;
        }

        /** The record as it was: its text when it was not stored as its own JSON. */
        String original() {
            return raw != null ? raw : payload;
        }

        /** The event id the payload carries (the one consumers are idempotent on), or null. */
        UUID originalEventId() {
            if (raw != null) {
                return null;
            }
            try {
                JsonNode id = EventCodec.readTree(payload).get("eventId");
                return id == null || id.isNull() ? null : UUID.fromString(id.asString());
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    /** One re-drive of a dead letter: when, by whom, whether forced, why. */
    record Redrive(Instant at, String by, boolean forced, String reason) {
    }

    /** How many dead letters of one dead-letter topic. */
    record TopicCount(String topic, long count) {
    }

    /**
     * The page after {@code after} (null: the first), newest first, at most {@code limit}.
     *
     * @param deadLetterTopic only this dead-letter topic, or null for all
     */
    List<Row> page(String deadLetterTopic, Instant from, Instant to, PageCursor after, int limit) {
        EventLogQuery.Sql page = new EventLogQuery("SELECT " + COLUMNS + " FROM event_log e WHERE e.dead_letter", "e.")
                .eq("topic", deadLetterTopic).between(from, to)
                .page(after, limit);
        return jdbc.query(page.sql(), ROWS, page.args());
    }

    /** The re-drives of a page of dead letters, in one query, each dead letter's in the order they happened. */
    Map<Long, List<Redrive>> redrives(List<Long> deadLetterIds) {
        Map<Long, List<Redrive>> byId = new HashMap<>();
        if (deadLetterIds.isEmpty()) {
            return byId;
        }
        jdbc.query("SELECT dead_letter_id, redriven_at, redriven_by, forced, reason FROM dead_letter_redrive "
                        + "WHERE dead_letter_id = ANY(?) ORDER BY redriven_at, id",
                rs -> {
                    byId.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new Redrive(
                            rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getBoolean(4), rs.getString(5)));
                }, (Object) deadLetterIds.toArray(Long[]::new));
        return byId;
    }

    /** The dead letters among these ids, locked until the transaction ends, in the order they occurred. */
    List<Row> lockByIds(Collection<Long> ids) {
        return jdbc.query("SELECT " + COLUMNS + " FROM event_log e WHERE e.dead_letter AND e.id = ANY(?) "
                + "ORDER BY e.occurred_at, e.id FOR UPDATE", ROWS, (Object) ids.toArray(Long[]::new));
    }

    /**
     * The dead letters of a dead-letter topic that occurred in {@code [from, to)}, locked until the transaction
     * ends, in the order they occurred, at most {@code limit}.
     *
     * @param withRedriven also those re-driven before
     */
    List<Row> lockRange(String deadLetterTopic, Instant from, Instant to, boolean withRedriven, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM event_log e WHERE e.dead_letter AND e.topic = ? "
                        + "AND e.occurred_at >= ? AND e.occurred_at < ? " + (withRedriven ? ""
                        : "AND NOT EXISTS (SELECT 1 FROM dead_letter_redrive d WHERE d.dead_letter_id = e.id) ")
                        + "ORDER BY e.occurred_at, e.id LIMIT ? FOR UPDATE", ROWS, deadLetterTopic,
                Timestamp.from(from), Timestamp.from(to), limit);
    }

    /** The database's clock: the ages of dead letters are measured on it, as their {@code ingested_at} was set. */
    Instant now() {
        return jdbc.queryForObject("SELECT now()", Timestamp.class).toInstant();
    }

    /**
     * Records a re-drive of a dead letter, unless it was re-driven before and this one is not forced.
     *
     * @param eventId the event id its payload carries, or null
     * @return whether it was recorded (then the caller republishes it in the same transaction)
     */
    boolean recordRedrive(Row r, UUID eventId, boolean force, String who, String reason) {
        int first = jdbc.update("INSERT INTO dead_letter_redrive (dead_letter_id, topic, event_id, forced, redriven_by, "
                        + "reason) VALUES (?, ?, ?, false, ?, ?) ON CONFLICT (dead_letter_id) WHERE NOT forced "
                        + "DO NOTHING", r.id(), r.originalTopic(), eventId, who, reason);
        if (first == 0) {
            if (!force) {
                return false;
            }
            jdbc.update("INSERT INTO dead_letter_redrive (dead_letter_id, topic, event_id, forced, redriven_by, reason) "
                    + "VALUES (?, ?, ?, true, ?, ?)", r.id(), r.originalTopic(), eventId, who, reason);
        }
        return true;
    }

    /** How many dead letters the logger stored after {@code since}. */
    int countStoredSince(Instant since) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM event_log WHERE dead_letter AND ingested_at > ?",
                Integer.class, Timestamp.from(since));
        return n == null ? 0 : n;
    }

    /** The dead letters stored in the last hour (on the database's clock) per dead-letter topic, most first. */
    List<TopicCount> countsOfTheLastHour() {
        return jdbc.query("SELECT topic, count(*) AS n FROM event_log "
                + "WHERE dead_letter AND ingested_at > now() - interval '1 hour' GROUP BY topic ORDER BY n DESC",
                (rs, i) -> new TopicCount(rs.getString(1), rs.getLong(2)));
    }
}
