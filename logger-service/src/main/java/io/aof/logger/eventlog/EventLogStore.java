package io.aof.logger.eventlog;

import io.aof.common.events.EventCodec;
import io.aof.common.ops.PageCursor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The event log ({@code event_log}): every record of every AOF topic and dead-letter topic, written in JDBC batches
 * by the {@link EventLogIngester} (the event id is unique, so a redelivered batch stores nothing twice), read by
 * people as filtered keyset pages ({@link EventLogQuery}), incident timelines and job histories.
 */
@Repository
public class EventLogStore {

    private static final String INSERT = "INSERT INTO event_log (event_id, topic, event_type, occurred_at, workspace, "
            + "incident_id, recipe_id, job_id, attempt, dead_letter, category, service, payload, message_key, "
            + "raw_payload, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?) "
            + "ON CONFLICT (event_id) DO NOTHING";

    private static final String COLUMNS = "id, event_id, topic, event_type, occurred_at, incident_id, attempt, job_id, "
            + "recipe_id, category, service, payload::text";

    private static final RowMapper<LoggedEvent> MAPPER = (rs, i) -> new LoggedEvent(rs.getLong(1),
            rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant(),
            rs.getString(6), (Integer) rs.getObject(7), rs.getString(8), (Long) rs.getObject(9), rs.getString(10),
            rs.getString(11), EventCodec.readTree(rs.getString(12)));

    private final JdbcTemplate jdbc;

    public EventLogStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A record as it is stored: the columns people filter on, the payload (JSON text) and, for what was not JSON or
     * was dead-lettered, its text and error.
     */
    record NewEvent(UUID eventId, String topic, String type, Instant occurredAt, String workspace, String incidentId,
                    Long recipeId, String jobId, Integer attempt, boolean deadLetter, String category,
                    String service, String payload, String messageKey, String rawPayload, String error) {

        /** The values of {@code INSERT}'s parameters, in order. */
        Object[] values() {
            return new Object[]{eventId, topic, type, Timestamp.from(occurredAt), workspace, incidentId, recipeId,
                    jobId, attempt, deadLetter, category, service, payload, messageKey, rawPayload, error};
        }
    }

    /** Any of the fields may be null (no filter); {@code [from, to)}. */
    record Filter(String incidentId, Long recipeId, String jobId, String category, String type, String service,
                  Instant from, Instant to) {
    }

    /**
     * Stores a polled batch in one JDBC batch; events already stored are skipped.
     *
     * @return how many rows were new
     */
    long storeAll(List<NewEvent> events) {
        int[][] done = jdbc.batchUpdate(INSERT, events, events.size(), (ps, event) -> {
            Object[] row = event.values();
            for (int i = 0; i < row.length; i++) {
                ps.setObject(i + 1, row[i]);
            }
        });
        long n = 0;
        for (int[] batch : done) {
            for (int k : batch) {
                n += Math.max(k, 0);
            }
        }
        return n;
    }

    /** Stores one event on its own (unless already stored); returns how many rows were new (0 or 1). */
    int store(NewEvent event) {
        return jdbc.update(INSERT, event.values());
    }

    /** An incident's events, oldest first, at most {@code limit}. */
    List<LoggedEvent> timeline(String incidentId, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM event_log WHERE incident_id = ? "
                + "ORDER BY occurred_at, id LIMIT ?", MAPPER, incidentId, limit);
    }

    /**
     * Everything about one Workato job, oldest first, at most {@code limit}: as the failed job, as the job repeated
     * (its incident's events), or as a repeat job.
     */
    List<LoggedEvent> jobHistory(String jobId, int limit) {
        // a UNION of two indexed lookups (job id; repeat job id -> its incident); an OR would scan the table
        return jdbc.query("SELECT " + COLUMNS + " FROM event_log WHERE id IN ("
                + "SELECT id FROM event_log WHERE job_id = ? UNION SELECT id FROM event_log WHERE incident_id IN "
                + "(SELECT incident_id FROM event_log WHERE payload->>'repeatJobId' = ? AND incident_id IS NOT NULL)) "
                + "ORDER BY occurred_at, id LIMIT ?", MAPPER, jobId, jobId, limit);
    }

    /** The filtered page after {@code after} (null: the first), newest first, at most {@code limit} events. */
    List<LoggedEvent> page(Filter f, PageCursor after, int limit) {
        EventLogQuery.Sql page = new EventLogQuery("SELECT " + COLUMNS + " FROM event_log WHERE true", "")
                .eq("incident_id", f.incidentId()).eq("recipe_id", f.recipeId()).eq("job_id", f.jobId())
                .eq("category", f.category()).eq("event_type", f.type()).eq("service", f.service())
                .between(f.from(), f.to())
                .page(after, limit);
        return jdbc.query(page.sql(), MAPPER, page.args());
    }
}
