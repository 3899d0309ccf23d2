package io.aof.notifier.escalation;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The super-admin escalations ({@code escalation}), one per incident: opened by an escalating alert, repeated
 * until acknowledged or resolved. Due times are on the database's clock, the one the repeats are compared with.
 */
@Component
public class EscalationStore {

    private final JdbcTemplate jdbc;

    public EscalationStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** An open escalation, as {@code GET /api/escalations} lists it. */
    public record Escalation(String incidentId, Instant openedAt, Instant nextRepeatAt, int repeats, Instant ackedAt,
                      String ackedBy) {
    }

    /** An escalation whose repeat is due: the request it repeats, how often it was repeated, since when it is open. */
    record Due(String incidentId, String request, int repeats, Instant openedAt, Instant now) {
    }

    /** Opens (or opens again, from the start) the incident's escalation, repeated after {@code repeatInterval}. */
    public void open(String incidentId, String request, Duration repeatInterval) {
        jdbc.update("INSERT INTO escalation (incident_id, request, next_repeat_at) VALUES (?, ?, now() + "
                        + "(? * interval '1 millisecond')) ON CONFLICT (incident_id) DO UPDATE SET request = "
                        + "EXCLUDED.request, next_repeat_at = EXCLUDED.next_repeat_at, repeats = 0, "
                        + "acked_at = NULL, acked_by = NULL, closed_at = NULL",
                incidentId, request, repeatInterval.toMillis());
    }

    /** The request an open escalation of the incident repeats; empty when none is open. */
    Optional<String> openRequest(String incidentId) {
        return jdbc.queryForList("SELECT request FROM escalation WHERE incident_id = ? AND closed_at IS NULL",
                String.class, incidentId).stream().findFirst();
    }

    /** The open escalation of the incident repeats {@code request} from now on (an outage's latest figures). */
    void request(String incidentId, String request) {
        jdbc.update("UPDATE escalation SET request = ? WHERE incident_id = ? AND closed_at IS NULL", request,
                incidentId);
    }

    /** The incident is resolved: its escalation is closed (no more repeats). */
    void close(String incidentId) {
        jdbc.update("UPDATE escalation SET closed_at = now() WHERE incident_id = ? AND closed_at IS NULL", incidentId);
    }

    /** Open, unacknowledged escalations whose repeat is due, locked (others skip them), at most 50. */
    List<Due> due(int maxRepeats) {
        return jdbc.query("SELECT incident_id, request, repeats, opened_at, now() AS now FROM escalation "
                        + "WHERE next_repeat_at <= now() AND acked_at IS NULL AND closed_at IS NULL "
                        + "AND repeats < ? LIMIT 50 FOR UPDATE SKIP LOCKED",
                (rs, i) -> new Due(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant()), maxRepeats);
    }

    /** Repeated {@code repeats} times so far; the next one after {@code repeatInterval}. */
    void repeated(String incidentId, int repeats, Duration repeatInterval) {
        jdbc.update("UPDATE escalation SET repeats = ?, next_repeat_at = now() + (? * interval '1 second') "
                + "WHERE incident_id = ?", repeats, repeatInterval.toSeconds(), incidentId);
    }

    /** Acknowledged by {@code actor}; false when there is no open, unacknowledged escalation of the incident. */
    public boolean acknowledge(String incidentId, String actor) {
        return jdbc.update("UPDATE escalation SET acked_at = now(), acked_by = ? WHERE incident_id = ? "
                + "AND closed_at IS NULL AND acked_at IS NULL", actor, incidentId) > 0;
    }

    /**
     * Acknowledged by {@code actor}: the escalation of {@code incidentId} and every other open, unacknowledged one
     * of its group (same workspace, recipe and category: the group its alerts were told in). Kinds that are never
     * grouped (AOF's own trouble, which has no recipe, and a recipe stopped by Workato) are acknowledged alone and
     * never swept in with a group. The incidents acknowledged now, oldest first; empty when the incident has no
     * open, unacknowledged escalation.
     */
    public List<String> acknowledgeGroup(String incidentId, String actor) {
        return jdbc.query("""
                WITH target AS (
                    SELECT incident_id, request::jsonb ->> 'workspace' AS workspace,
                           request::jsonb ->> 'recipeId' AS recipe, request::jsonb ->> 'category' AS category,
                           request::jsonb ->> 'recipeId' IS NOT NULL
                               AND request::jsonb ->> 'kind' NOT IN ('AOF_TROUBLE', 'RECIPE_STOPPED') AS groupable
                      FROM escalation WHERE incident_id = ? AND closed_at IS NULL AND acked_at IS NULL)
                UPDATE escalation e SET acked_at = now(), acked_by = ?
                  FROM target t
                 WHERE e.closed_at IS NULL AND e.acked_at IS NULL
                   AND (e.incident_id = t.incident_id
                        OR (t.groupable
                            AND e.request::jsonb ->> 'kind' NOT IN ('AOF_TROUBLE', 'RECIPE_STOPPED')
                            AND e.request::jsonb ->> 'workspace' = t.workspace
                            AND e.request::jsonb ->> 'recipeId' = t.recipe
                            AND e.request::jsonb ->> 'category' = t.category))
                RETURNING e.incident_id, e.opened_at
                """, (rs, i) -> java.util.Map.entry(rs.getTimestamp(2).toInstant(), rs.getString(1)), incidentId, actor)
                .stream().sorted(java.util.Map.Entry.comparingByKey()).map(java.util.Map.Entry::getValue).toList();
    }

    /**
     * Which open, unacknowledged escalations a bulk acknowledgement takes: every given field must match the alert
     * it repeats ({@code recipeId}, {@code category}, {@code kind}) or its opening time ({@code from} inclusive,
     * {@code to} exclusive).
     */
    public record Filter(Long recipeId, String category, String kind, Instant from, Instant to) {

        public boolean isEmpty() {
            return recipeId == null && category == null && kind == null && from == null && to == null;
        }

        String where(List<Object> args) {
            StringBuilder sql = new StringBuilder(" WHERE closed_at IS NULL AND acked_at IS NULL");
            if (recipeId != null) {
                sql.append(" AND request::jsonb ->> 'recipeId' = ?");
                args.add(String.valueOf(recipeId));
            }
            if (category != null) {
                sql.append(" AND request::jsonb ->> 'category' = ?");
                args.add(category);
            }
            if (kind != null) {
                sql.append(" AND request::jsonb ->> 'kind' = ?");
                args.add(kind);
            }
            if (from != null) {
                sql.append(" AND opened_at >= ?");
                args.add(Timestamp.from(from));
            }
            if (to != null) {
                sql.append(" AND opened_at < ?");
                args.add(Timestamp.from(to));
            }
            return sql.toString();
        }
    }

    /** How many open, unacknowledged escalations match, and the oldest {@code sample} of them. */
    public Matching matching(Filter f, int sample) {
        List<Object> args = new java.util.ArrayList<>();
        String where = f.where(args);
        Integer count = jdbc.queryForObject("SELECT count(*) FROM escalation" + where, Integer.class, args.toArray());
        args.add(sample);
        List<String> ids = jdbc.queryForList("SELECT incident_id FROM escalation" + where
                + " ORDER BY opened_at, incident_id LIMIT ?", String.class, args.toArray());
        return new Matching(count == null ? 0 : count, ids);
    }

    public record Matching(int count, List<String> sample) {
    }

    /** Acknowledges every open, unacknowledged escalation that matches; the incidents acknowledged, oldest first. */
    public List<String> acknowledgeMatching(Filter f, String actor) {
        List<Object> args = new java.util.ArrayList<>();
        args.add(actor);
        String where = f.where(args);
        return jdbc.query("WITH acked AS (UPDATE escalation SET acked_at = now(), acked_by = ?" + where
                        + " RETURNING incident_id, opened_at) SELECT incident_id FROM acked ORDER BY opened_at, "
                        + "incident_id", (rs, i) -> rs.getString(1), args.toArray());
    }

    /** Whether the incident was ever escalated (open, acknowledged or closed). */
    public boolean exists(String incidentId) {
        return !jdbc.queryForList("SELECT 1 FROM escalation WHERE incident_id = ?", Integer.class, incidentId)
                .isEmpty();
    }

    /** The open escalations, newest first, at most 500. */
    public List<Escalation> open() {
        return jdbc.query("SELECT incident_id, opened_at, next_repeat_at, repeats, acked_at, acked_by FROM escalation "
                        + "WHERE closed_at IS NULL ORDER BY opened_at DESC LIMIT 500",
                (rs, i) -> new Escalation(rs.getString(1), rs.getTimestamp(2).toInstant(),
                        rs.getTimestamp(3).toInstant(), rs.getInt(4), instant(rs, 5), rs.getString(6)));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
