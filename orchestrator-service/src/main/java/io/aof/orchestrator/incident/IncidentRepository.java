package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@Repository
class IncidentRepository {

    private static final String COLUMNS = "id, workspace, recipe_id, recipe_name, folder_id, original_job_id, "
            + "category, state, attempt, max_attempts, next_retry_at, last_error, opened_at, updated_at, closed_at, "
            + "kind, replays";

    private static final RowMapper<Incident> MAPPER = (rs, i) -> new Incident(rs.getString(1), rs.getString(2),
            rs.getLong(3), rs.getString(4), (Long) rs.getObject(5), rs.getString(6), rs.getString(7),
            IncidentState.valueOf(rs.getString(8)), rs.getInt(9), rs.getInt(10), instant(rs.getTimestamp(11)),
            rs.getString(12), instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)),
            instant(rs.getTimestamp(15)), rs.getString(16), rs.getInt(17));

    private final JdbcTemplate jdbc;

    IncidentRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts the incident unless it exists; returns false when it already existed. */
    boolean insert(Incident i) {
        return jdbc.update("INSERT INTO incident (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                        + "ON CONFLICT (id) DO NOTHING",
                i.id(), i.workspace(), i.recipeId(), i.recipeName(), i.folderId(), i.originalJobId(), i.category(),
                i.state().name(), i.attempt(), i.maxAttempts(), ts(i.nextRetryAt()), i.lastError(), ts(i.openedAt()),
                ts(i.updatedAt()), ts(i.closedAt()), i.kind(), i.replays()) == 1;
    }

    /** Reads and row-locks the incident for a state change. */
    Optional<Incident> lock(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM incident WHERE id = ? FOR UPDATE", MAPPER, id).stream()
                .findFirst();
    }

    Optional<Incident> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM incident WHERE id = ?", MAPPER, id).stream().findFirst();
    }

    void replayed(String id, int maxAttempts) {
        jdbc.update("UPDATE incident SET replays = replays + 1, max_attempts = ? WHERE id = ?", maxAttempts, id);
    }

    // suppressions and audit

    java.util.Optional<Map<String, Object>> activeSuppression(long recipeId) {
        return jdbc.queryForList("SELECT recipe_id, until, reason, requested_by FROM recipe_suppression "
                + "WHERE recipe_id = ? AND until > now()", recipeId).stream().findFirst();
    }

    void suppress(long recipeId, Instant until, String reason, String by) {
        jdbc.update("INSERT INTO recipe_suppression (recipe_id, until, reason, requested_by) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (recipe_id) DO UPDATE SET until = excluded.until, reason = excluded.reason, "
                + "requested_by = excluded.requested_by, created_at = now()", recipeId, ts(until), reason, by);
    }

    boolean unsuppress(long recipeId) {
        return jdbc.update("DELETE FROM recipe_suppression WHERE recipe_id = ?", recipeId) == 1;
    }

    List<Map<String, Object>> suppressions() {
        return jdbc.queryForList("SELECT recipe_id, until, reason, requested_by, created_at FROM recipe_suppression "
                + "WHERE until > now() ORDER BY until");
    }

    void audit(String by, String action, String target, String reason) {
        jdbc.update("INSERT INTO operator_action (requested_by, action, target, reason) VALUES (?, ?, ?, ?)",
                by, action, target, reason);
    }

    void update(String id, IncidentState state, int attempt, Instant nextRetryAt, String lastError) {
        jdbc.update("UPDATE incident SET state = ?, attempt = ?, next_retry_at = ?, last_error = COALESCE(?, "
                        + "last_error), updated_at = now(), closed_at = CASE WHEN ? THEN now() ELSE NULL END "
                        + "WHERE id = ?",
                state.name(), attempt, ts(nextRetryAt), lastError, state.isTerminal(), id);
    }

    /**
     * Incidents newest first (by opening time), filtered; keyset paging: pass the
     * last row's {@code openedAt} and {@code id} to get the next page.
     */
    List<Incident> list(IncidentFilter f, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM incident WHERE 1=1");
        List<Object> args = new ArrayList<>();
        if (f.state() != null) {
            sql.append(" AND state = ?");
            args.add(f.state().name());
        }
        if (f.recipeId() != null) {
            sql.append(" AND recipe_id = ?");
            args.add(f.recipeId());
        }
        if (f.category() != null) {
            sql.append(" AND category = ?");
            args.add(f.category());
        }
        if (f.openedFrom() != null) {
            sql.append(" AND opened_at >= ?");
            args.add(ts(f.openedFrom()));
        }
        if (f.openedTo() != null) {
            sql.append(" AND opened_at < ?");
            args.add(ts(f.openedTo()));
        }
        if (f.afterOpenedAt() != null && f.afterId() != null) {
            sql.append(" AND (opened_at, id) < (?, ?)");
            args.add(ts(f.afterOpenedAt()));
            args.add(f.afterId());
        }
        sql.append(" ORDER BY opened_at DESC, id DESC LIMIT ?");
        args.add(limit);
        return jdbc.query(sql.toString(), MAPPER, args.toArray());
    }

    record IncidentFilter(IncidentState state, Long recipeId, String category, Instant openedFrom, Instant openedTo,
                          Instant afterOpenedAt, String afterId) {
    }

    record Count(String state, String category, long count) {
    }

    List<Count> countByStateAndCategory() {
        return jdbc.query("SELECT state, category, count(*) FROM incident GROUP BY state, category",
                (rs, i) -> new Count(rs.getString(1), rs.getString(2), rs.getLong(3)));
    }

    Map<String, Long> countByState() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        jdbc.query("SELECT state, count(*) FROM incident GROUP BY state",
                rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        return counts;
    }

    /** Per hour of the last {@code hours}: incidents opened, and how many reached each final state. */
    List<Hour> hourly(int hours) {
        Map<Instant, long[]> byHour = new java.util.TreeMap<>();
        Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).minusSeconds(3600L * (hours - 1));
        for (int i = 0; i < hours; i++) {
            byHour.put(start.plusSeconds(3600L * i), new long[4]);
        }
        jdbc.query("SELECT date_trunc('hour', opened_at), count(*) FROM incident WHERE opened_at >= ? GROUP BY 1",
                rs -> {
                    long[] h = byHour.get(rs.getTimestamp(1).toInstant());
                    if (h != null) {
                        h[0] = rs.getLong(2);
                    }
                }, java.sql.Timestamp.from(start));
        jdbc.query("SELECT date_trunc('hour', updated_at), state, count(*) FROM incident WHERE updated_at >= ? "
                + "AND state IN ('RECOVERED', 'EXHAUSTED', 'NON_RETRYABLE') GROUP BY 1, 2", rs -> {
                    long[] h = byHour.get(rs.getTimestamp(1).toInstant());
                    if (h != null) {
                        h[switch (rs.getString(2)) {
                            case "RECOVERED" -> 1;
                            case "EXHAUSTED" -> 2;
                            default -> 3;
                        }] = rs.getLong(3);
                    }
                }, java.sql.Timestamp.from(start));
        return byHour.entrySet().stream().map(e -> new Hour(e.getKey(), e.getValue()[0], e.getValue()[1],
                e.getValue()[2], e.getValue()[3])).toList();
    }

    record Hour(Instant hour, long opened, long recovered, long exhausted, long nonRetryable) {
    }

    // attempts

    void attemptRequested(String incidentId, int attempt) {
        jdbc.update("INSERT INTO incident_attempt (incident_id, attempt, requested_at) VALUES (?, ?, now()) "
                + "ON CONFLICT DO NOTHING", incidentId, attempt);
    }

    void attemptAccepted(String incidentId, int attempt, Instant at) {
        jdbc.update("UPDATE incident_attempt SET accepted_at = ? WHERE incident_id = ? AND attempt = ?", ts(at),
                incidentId, attempt);
    }

    void attemptFinished(String incidentId, int attempt, String outcome, String repeatJobId, String error) {
        jdbc.update("UPDATE incident_attempt SET outcome = ?, repeat_job_id = ?, error = ?, finished_at = now() "
                + "WHERE incident_id = ? AND attempt = ?", outcome, repeatJobId, error, incidentId, attempt);
    }

    List<Map<String, Object>> attempts(String incidentId) {
        return jdbc.queryForList("SELECT attempt, requested_at, accepted_at, outcome, repeat_job_id, error, "
                + "finished_at FROM incident_attempt WHERE incident_id = ? ORDER BY attempt", incidentId);
    }

    // schedule

    void schedule(String incidentId, int attempt, Instant dueAt) {
        jdbc.update("INSERT INTO scheduled_retry (incident_id, attempt, due_at) VALUES (?, ?, ?) "
                + "ON CONFLICT (incident_id) DO UPDATE SET attempt = excluded.attempt, due_at = excluded.due_at",
                incidentId, attempt, ts(dueAt));
    }

    /** Due retries, locked so that another orchestrator instance skips them. */
    List<DueRetry> lockDue(int limit) {
        return jdbc.query("SELECT incident_id, attempt FROM scheduled_retry WHERE due_at <= now() ORDER BY due_at "
                        + "LIMIT ? FOR UPDATE SKIP LOCKED",
                (rs, i) -> new DueRetry(rs.getString(1), rs.getInt(2)), limit);
    }

    void unschedule(String incidentId) {
        jdbc.update("DELETE FROM scheduled_retry WHERE incident_id = ?", incidentId);
    }

    record DueRetry(String incidentId, int attempt) {
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
