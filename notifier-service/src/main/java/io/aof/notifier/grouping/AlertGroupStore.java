package io.aof.notifier.grouping;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Storm-control groups ({@code alert_group}), one per destination, recipe and category: until when the group's
 * window is open, when its next digest is due, and when it last told anything. Times are on the database's clock.
 */
@Component
public class AlertGroupStore {

    private static final RowMapper<Group> GROUP = (rs, i) -> {
        Timestamp lastSent = rs.getTimestamp(6);
        return new Group(rs.getString(1), rs.getString(2), rs.getObject(3, Long.class), rs.getString(4),
                rs.getString(5), lastSent == null ? null : lastSent.toInstant(), rs.getTimestamp(7).toInstant());
    };

    private final JdbcTemplate jdbc;

    public AlertGroupStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A group taken for a digest or a reminder; {@code now} is the database's. */
    record Group(String groupKey, String destination, Long recipeId, String recipeName, String category,
                 Instant lastSentAt, Instant now) {
    }

    /** A group's window: open until {@code windowUntil} ({@code null}: never opened), as of {@code now}. */
    record Window(Instant windowUntil, Instant now) {

        /** Nothing was told in the group lately: its window is over, or was never opened. */
        boolean quiet() {
            return windowUntil == null || !windowUntil.isAfter(now);
        }
    }

    /** The group's window, locked for the caller's transaction; the group is created at its first alert. */
    Window lockWindow(String groupKey, String destination, Long recipeId, String recipeName, String category) {
        jdbc.update("INSERT INTO alert_group (group_key, destination, recipe_id, recipe_name, category) "
                        + "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", groupKey, destination, recipeId, recipeName,
                category);
        return jdbc.queryForObject("SELECT window_until, now() AS now FROM alert_group WHERE group_key = ? FOR UPDATE",
                (rs, i) -> {
                    Timestamp until = rs.getTimestamp(1);
                    return new Window(until == null ? null : until.toInstant(), rs.getTimestamp(2).toInstant());
                }, groupKey);
    }

    /** An alert went alone at {@code now}: the window is open until {@code windowUntil}. */
    void toldAlone(String groupKey, Instant windowUntil, Instant now, String recipeName) {
        jdbc.update("UPDATE alert_group SET window_until = ?, last_sent_at = ?, recipe_name = ? WHERE group_key = ?",
                Timestamp.from(windowUntil), Timestamp.from(now), recipeName, groupKey);
    }

    /**
     * An alert waits for the group's digest: due at {@code due} unless one is due already, the window open at
     * least until then.
     */
    void digestDue(String groupKey, Instant due) {
        jdbc.update("UPDATE alert_group SET digest_due_at = COALESCE(digest_due_at, ?), window_until = "
                        + "GREATEST(COALESCE(window_until, ?), ?) WHERE group_key = ?", Timestamp.from(due),
                Timestamp.from(due), Timestamp.from(due), groupKey);
    }

    /**
     * A later alert of an incident kept in the group's digests: in the group's next digest, at the end of its
     * window, or after {@code groupWait} when the group is quiet (its last digest may be long gone).
     */
    void laterAlertDue(String groupKey, Duration groupWait) {
        jdbc.update("UPDATE alert_group SET digest_due_at = COALESCE(digest_due_at, GREATEST(window_until, "
                + "now() + (? * interval '1 millisecond'))), window_until = GREATEST(window_until, now() + "
                + "(? * interval '1 millisecond')) WHERE group_key = ?", groupWait.toMillis(), groupWait.toMillis(),
                groupKey);
    }

    /** Groups whose digest is due, locked (others skip them), the longest due first, at most 50. */
    List<Group> digestsDue() {
        return jdbc.query("SELECT group_key, destination, recipe_id, recipe_name, category, last_sent_at, "
                + "now() AS now FROM alert_group WHERE digest_due_at <= now() "
                + "ORDER BY digest_due_at LIMIT 50 FOR UPDATE SKIP LOCKED", GROUP);
    }

    /** The digest was told at {@code now}: none due, the window open until {@code windowUntil}. */
    void digestTold(String groupKey, Instant windowUntil, Instant now) {
        jdbc.update("UPDATE alert_group SET digest_due_at = NULL, window_until = ?, last_sent_at = ? "
                + "WHERE group_key = ?", Timestamp.from(windowUntil), Timestamp.from(now), groupKey);
    }

    /** Groups quiet for {@code repeatInterval} with incidents still open, locked (others skip them), at most 50. */
    List<Group> quietWithOpenIncidents(Duration repeatInterval) {
        return jdbc.query("SELECT g.group_key, g.destination, g.recipe_id, "
                + "g.recipe_name, g.category, g.last_sent_at, now() AS now FROM alert_group g "
                + "WHERE g.digest_due_at IS NULL AND g.last_sent_at <= now() - (? * interval '1 second') "
                + "AND EXISTS (SELECT 1 FROM incident_thread t WHERE t.group_key = g.group_key "
                + "AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY')) "
                + "LIMIT 50 FOR UPDATE SKIP LOCKED", GROUP, repeatInterval.toSeconds());
    }

    /** A reminder was told at {@code now}. */
    void reminded(String groupKey, Instant now) {
        jdbc.update("UPDATE alert_group SET last_sent_at = ? WHERE group_key = ?", Timestamp.from(now), groupKey);
    }
}
