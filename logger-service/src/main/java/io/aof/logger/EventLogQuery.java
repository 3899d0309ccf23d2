package io.aof.logger;

import io.aof.common.ops.PageCursor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A read of {@code event_log}, newest first, keyset-paged on {@code (occurred_at, id)}: the one place the lists of
 * the log (events, the audit, dead letters) build their filters, time range and page. Every value a client sends
 * is bound as a parameter, never pasted into the SQL.
 */
final class EventLogQuery {

    private final StringBuilder sql;
    private final String alias;
    private final List<Object> args = new ArrayList<>();

    /**
     * @param select the statement up to and including its first condition, e.g. {@code SELECT ... FROM event_log
     *               e WHERE e.dead_letter}
     * @param alias  the table's alias with its dot ({@code "e."}), or {@code ""}
     */
    EventLogQuery(String select, String alias) {
        this.sql = new StringBuilder(select);
        this.alias = alias;
    }

    /** {@code column = value} when the value is given. */
    EventLogQuery eq(String column, Object value) {
        if (value != null) {
            sql.append(" AND ").append(alias).append(column).append(" = ?");
            args.add(value);
        }
        return this;
    }

    /** {@code [from, to)} on the occurrence time; either may be null. */
    EventLogQuery between(Instant from, Instant to) {
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

    /** The page after {@code after} (null: the first), at most {@code limit} rows. */
    <T> List<T> page(JdbcTemplate jdbc, RowMapper<T> mapper, PageCursor after, int limit) {
        StringBuilder page = new StringBuilder(sql);
        List<Object> values = new ArrayList<>(args);
        if (after != null) {
            page.append(" AND (").append(alias).append("occurred_at, ").append(alias).append("id) < (?, ?)");
            values.add(Timestamp.from(after.at()));
            values.add(after.longKey());
        }
        page.append(" ORDER BY ").append(alias).append("occurred_at DESC, ").append(alias).append("id DESC LIMIT ?");
        values.add(limit);
        return jdbc.query(page.toString(), mapper, values.toArray());
    }
}
