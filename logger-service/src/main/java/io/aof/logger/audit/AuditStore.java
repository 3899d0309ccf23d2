package io.aof.logger.audit;

import io.aof.common.events.OperatorActed.Action;
import io.aof.common.events.Topics;
import io.aof.common.ops.PageCursor;
import io.aof.logger.eventlog.EventLogQuery;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The audit trail as the central log keeps it: the {@code OperatorActed} events of every service
 * ({@link Topics#OPERATOR_ACTIONS}), newest first, keyset-paged on {@code (occurred_at, id)} over a partial
 * index of that topic alone, so the audit of a busy log is read without scanning its events.
 */
@Repository
class AuditStore {

    private static final String COLUMNS = "id, occurred_at, payload->>'actor', payload->>'action', incident_id, "
            + "recipe_id, payload->>'target', payload->>'reason', service, event_id";

    private static final RowMapper<Entry> MAPPER = (rs, i) -> new Entry(rs.getLong(1),
            rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4), rs.getString(5),
            (Long) rs.getObject(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getObject(10, UUID.class));

    private final JdbcTemplate jdbc;

    AuditStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** One operator action: who, what, on what, why, through which service, when. */
    record Entry(long seq, Instant at, String actor, String action, String incidentId, Long recipeId, String target,
                 String reason, String service, UUID eventId) {
    }

    /** Any of the fields may be null (no filter); {@code [from, to)}. */
    record Filter(String actor, Action action, String incidentId, Long recipeId, Instant from, Instant to) {
    }

    /** The filtered page after {@code after} (null: the first), newest first, at most {@code limit} entries. */
    List<Entry> page(Filter f, PageCursor after, int limit) {
        // the topic written into the statement (a constant, never input): a bound value would hide it from the
        // planner of a prepared statement's generic plan, which then could not use the partial index
        EventLogQuery.Sql page = new EventLogQuery("SELECT " + COLUMNS + " FROM event_log WHERE topic = '"
                + Topics.OPERATOR_ACTIONS.name() + "' AND NOT dead_letter", "")
                .eq("payload->>'actor'", f.actor())
                .eq("payload->>'action'", f.action() == null ? null : f.action().name())
                .eq("incident_id", f.incidentId()).eq("recipe_id", f.recipeId())
                .between(f.from(), f.to())
                .page(after, limit);
        return jdbc.query(page.sql(), MAPPER, page.args());
    }
}
