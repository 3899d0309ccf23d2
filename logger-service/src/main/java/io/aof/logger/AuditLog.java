package io.aof.logger;

import io.aof.common.events.OperatorActed.Action;
import io.aof.common.events.Topics;
import io.aof.common.ops.PageCursor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The audit trail as the central log keeps it: the {@code OperatorActed} events of every service
 * ({@link Topics#OPERATOR_ACTIONS}), newest first, keyset-paged on {@code (occurred_at, id)} over a partial
 * index of that topic alone, so the audit of a busy log is read without scanning its events.
 */
@Repository
class AuditLog {

    private static final String COLUMNS = "id, occurred_at, payload->>'actor', payload->>'action', incident_id, "
            + "recipe_id, payload->>'target', payload->>'reason', service, event_id";

    private static final RowMapper<Entry> MAPPER = (rs, i) -> new Entry(rs.getLong(1),
            rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getString(4), rs.getString(5),
            (Long) rs.getObject(6), rs.getString(7), rs.getString(8), rs.getString(9), rs.getObject(10, UUID.class));

    private final JdbcTemplate jdbc;

    AuditLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** One operator action: who, what, on what, why, through which service, when. */
    record Entry(long seq, Instant at, String actor, String action, String incidentId, Long recipeId, String target,
                 String reason, String service, UUID eventId) {
    }

    /** Any of the fields may be null (no filter); {@code [from, to)}. */
    record Filter(String actor, Action action, String incidentId, Long recipeId, Instant from, Instant to) {
    }

    List<Entry> page(Filter f, PageCursor after, int limit) {
        // the topic written into the statement (a constant, never input): a bound value would hide it from the
        // planner of a prepared statement's generic plan, which then could not use the partial index
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM event_log WHERE topic = '"
                + Topics.OPERATOR_ACTIONS.name() + "' AND NOT dead_letter");
        List<Object> args = new ArrayList<>();
        if (f.actor() != null) {
            sql.append(" AND payload->>'actor' = ?");
            args.add(f.actor());
        }
        if (f.action() != null) {
            sql.append(" AND payload->>'action' = ?");
            args.add(f.action().name());
        }
        if (f.incidentId() != null) {
            sql.append(" AND incident_id = ?");
            args.add(f.incidentId());
        }
        if (f.recipeId() != null) {
            sql.append(" AND recipe_id = ?");
            args.add(f.recipeId());
        }
        if (f.from() != null) {
            sql.append(" AND occurred_at >= ?");
            args.add(Timestamp.from(f.from()));
        }
        if (f.to() != null) {
            sql.append(" AND occurred_at < ?");
            args.add(Timestamp.from(f.to()));
        }
        if (after != null) {
            sql.append(" AND (occurred_at, id) < (?, ?)");
            args.add(Timestamp.from(after.at()));
            args.add(after.longKey());
        }
        sql.append(" ORDER BY occurred_at DESC, id DESC LIMIT ?");
        args.add(limit);
        return jdbc.query(sql.toString(), MAPPER, args.toArray());
    }
}
