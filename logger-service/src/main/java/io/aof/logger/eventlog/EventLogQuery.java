package io.aof.logger.eventlog;

import io.aof.common.ops.PageCursor;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A read of {@code event_log}, newest first, keyset-paged on {@code (occurred_at, id)}: the one place the lists of
 * the log (events, the audit, dead letters) build their filters, time range and page. Every value a client sends
 * is bound as a parameter, never pasted into the SQL. It only writes the statement; the store that holds the rows
 * runs it ({@link EventLogStore}, {@code AuditStore}, {@code DeadLetterStore}).
 */
public final class EventLogQuery {

    private final StringBuilder sql;
    private final String alias;
    private final List<Object> args = new ArrayList<>();

    /**
     * @param select the statement up to and including its first condition, e.g. {@code SELECT ... FROM event_log
     *               e WHERE e.dead_letter}
     * @param alias  the table's alias with its dot ({@code "e."}), or {@code ""}
     */
    public EventLogQuery(String select, String alias) {
        this.sql = new StringBuilder(select);
        this.alias = alias;
    }

    /** {@code column = value} when the value is given. */
    public EventLogQuery eq(String column, Object value) {
        if (value != null) {
            sql.append(" AND ").append(alias).append(column).append(" = ?");
            args.add(value);
        }
        return this;
    }

    /** {@code [from, to)} on the occurrence time; either may be null. */
    public EventLogQuery between(Instant from, Instant to) {
        if (from != null) {
            sql.append(" AND ").append(alias).append("occurred_at >= ?");
            args.add(Timestamp.from(from));
        }
        if (to != null) {
            sql.append(" AND ").append(alias).append("occurred_at < ?");
            args.add(Timestamp.from(to));
        }
        return this;
    }

    /**
     * A statement and the values of its parameters, in order.
     *
     * @param sql  the statement, with a {@code ?} for every value
     * @param args the values
     */
    public record Sql(String sql, Object[] args) {
    }

    /** The statement of the page after {@code after} (null: the first), at most {@code limit} rows. */
    public Sql page(PageCursor after, int limit) {
        StringBuilder page = new StringBuilder(sql);
        List<Object> values = new ArrayList<>(args);
        if (after != null) {
            page.append(" AND (").append(alias).append("occurred_at, ").append(alias).append("id) < (?, ?)");
            values.add(Timestamp.from(after.at()));
            values.add(after.longKey());
        }
        page.append(" ORDER BY ").append(alias).append("occurred_at DESC, ").append(alias).append("id DESC LIMIT ?");
        values.add(limit);
        return new Sql(page.toString(), values.toArray());
    }
}
