package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import io.aof.common.events.Category;
import com.fasterxml.jackson.annotation.JsonProperty;
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
            + "kind, replays, not_repeatable, webhook_source, upstream, outage_id, announced";

    private static final RowMapper<Incident> MAPPER = (rs, i) -> new Incident(rs.getString(1), rs.getString(2),
            rs.getLong(3), rs.getString(4), (Long) rs.getObject(5), rs.getString(6), Category.valueOf(rs.getString(7)),
            IncidentState.valueOf(rs.getString(8)), rs.getInt(9), rs.getInt(10), instant(rs.getTimestamp(11)),
            rs.getString(12), instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)),
            instant(rs.getTimestamp(15)), Incident.Kind.valueOf(rs.getString(16)), rs.getInt(17), rs.getString(18), rs.getString(19),
            rs.getString(20), rs.getString(21), rs.getBoolean(22));

    private final JdbcTemplate jdbc;

    IncidentRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Inserts the incident unless it exists; returns false when it already existed. */
    boolean insert(Incident i) {
        return jdbc.update("INSERT INTO incident (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                        + "ON CONFLICT (id) DO NOTHING",
                i.id(), i.workspace(), i.recipeId(), i.recipeName(), i.folderId(), i.originalJobId(), i.category().name(),
                i.state().name(), i.attempt(), i.maxAttempts(), ts(i.nextRetryAt()), i.lastError(), ts(i.openedAt()),
                ts(i.updatedAt()), ts(i.closedAt()), i.kind().name(), i.replays(), i.notRepeatable(),
                i.webhookSource(), i.upstream(), i.outageId(), i.announced()) == 1;
    }

    /** Reads and row-locks the incident for a state change. */
    Optional<Incident> lock(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM incident WHERE id = ? FOR UPDATE", MAPPER, id).stream()
                .findFirst();
    }

    Optional<Incident> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM incident WHERE id = ?", MAPPER, id).stream().findFirst();
    }

    /** An operator's replay: fresh attempts up to {@code maxAttempts}, one more replay (part of notification dedup keys). */
    void replayed(String id, int maxAttempts) {
        jdbc.update("UPDATE incident SET replays = replays + 1, max_attempts = ? WHERE id = ?", maxAttempts, id);
    }

    /**
     * An attempt's request was cancelled before it was sent: its number is used up
     * (the next request takes the next one), but the attempt was not spent, so one
     * more attempt number is allowed.
     */
    void allowOneMoreAttempt(String id) {
        jdbc.update("UPDATE incident SET max_attempts = max_attempts + 1 WHERE id = ?", id);
    }

    /** The recipe's incidents that wait for a retry or its outcome, in id order (the order they are locked in). */
    List<String> pendingOfRecipe(long recipeId) {
        return jdbc.queryForList("SELECT id FROM incident WHERE recipe_id = ? AND state IN ('RETRY_SCHEDULED', "
                + "'RETRYING') ORDER BY id", String.class, recipeId);
    }

    /** The database's clock: the one due times and maintenance windows are compared with. */
    Instant databaseNow() {
        return jdbc.queryForObject("SELECT now()", Timestamp.class).toInstant();
    }

    /** A state change; a terminal state closes the incident, any other (re)opens it. */
    void update(String id, IncidentState state, int attempt, Instant nextRetryAt, String lastError) {
        update(id, state, attempt, nextRetryAt, lastError, false);
    }

    /** A state change that may also record that ops are told of the incident one by one ({@code announced}). */
    void update(String id, IncidentState state, int attempt, Instant nextRetryAt, String lastError,
                boolean announced) {
        jdbc.update("UPDATE incident SET state = ?, attempt = ?, next_retry_at = ?, last_error = COALESCE(?, "
                        + "last_error), updated_at = now(), closed_at = CASE WHEN ? THEN now() ELSE NULL END, "
                        + "announced = announced OR ? WHERE id = ?",
                state.name(), attempt, ts(nextRetryAt), lastError, state.isTerminal(), announced, id);
    }

    /** The incident is held for outage {@code outageId}: no retry scheduled, its attempt counter unchanged. */
    void hold(String id, String outageId, String lastError) {
        jdbc.update("DELETE FROM scheduled_retry WHERE incident_id = ?", id);
        jdbc.update("UPDATE incident SET state = 'HELD', outage_id = ?, next_retry_at = NULL, last_error = COALESCE(?, "
                + "last_error), updated_at = now(), closed_at = NULL WHERE id = ?", outageId, lastError, id);
    }

    /**
     * Suppressed incidents that wait for their window (not closed) whose recipe
     * has no active maintenance window any more (it ran out or was ended), the
     * longest waiting first, locked so that another orchestrator skips them.
     * Incidents suppressed before windows were released were closed and are not
     * taken.
     */
    List<String> lockReleasable(int limit) {
        return jdbc.queryForList("SELECT i.id FROM incident i WHERE i.state = 'SUPPRESSED' "
                + "AND i.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM recipe_suppression s "
                + "WHERE s.recipe_id = i.recipe_id AND s.until > now()) ORDER BY i.updated_at LIMIT ? "
                + "FOR UPDATE OF i SKIP LOCKED", String.class, limit);
    }

    /**
     * Incidents newest first (by opening time), filtered; keyset paging: pass the
     * last row's {@code openedAt} and {@code id} to get the next page.
     */
    List<Incident> list(IncidentFilter f, int limit) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM incident WHERE 1=1").append(where(f, args));
        if (f.afterOpenedAt() != null && f.afterId() != null) {
            sql.append(" AND (opened_at, id) < (?, ?)");
            args.add(ts(f.afterOpenedAt()));
            args.add(f.afterId());
        }
        sql.append(" ORDER BY opened_at DESC, id DESC LIMIT ?");
        args.add(limit);
        return jdbc.query(sql.toString(), MAPPER, args.toArray());
    }

    /** How many incidents match the filter (its paging position ignored). */
    int count(IncidentFilter f) {
        List<Object> args = new ArrayList<>();
        Integer n = jdbc.queryForObject("SELECT count(*) FROM incident WHERE 1=1" + where(f, args), Integer.class,
                args.toArray());
        return n == null ? 0 : n;
    }

    /**
     * The ids of the incidents matching the filter, oldest first, after {@code afterId} in that order (null: from
     * the start): a bulk action walks them in pages, each acted on in its own transaction.
     */
    List<Key> keys(IncidentFilter f, Key after, int limit) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT opened_at, id FROM incident WHERE 1=1").append(where(f, args));
        if (after != null) {
            sql.append(" AND (opened_at, id) > (?, ?)");
            args.add(ts(after.openedAt()));
            args.add(after.id());
        }
        sql.append(" ORDER BY opened_at, id LIMIT ?");
        args.add(limit);
        return jdbc.query(sql.toString(), (rs, n) -> new Key(instant(rs.getTimestamp(1)), rs.getString(2)),
                args.toArray());
    }

    record Key(Instant openedAt, String id) {
    }

    private static String where(IncidentFilter f, List<Object> args) {
        StringBuilder sql = new StringBuilder();
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
        if (f.upstream() != null) {
            sql.append(" AND upstream = ?");
            args.add(f.upstream());
        }
        if (f.outageId() != null) {
            sql.append(" AND outage_id = ?");
            args.add(f.outageId());
        }
        if (f.openedFrom() != null) {
            sql.append(" AND opened_at >= ?");
            args.add(ts(f.openedFrom()));
        }
        if (f.openedTo() != null) {
            sql.append(" AND opened_at < ?");
            args.add(ts(f.openedTo()));
        }
        return sql.toString();
    }

    record IncidentFilter(IncidentState state, Long recipeId, String category, String upstream, String outageId,
                          Instant openedFrom, Instant openedTo, Instant afterOpenedAt, String afterId) {

        IncidentFilter(IncidentState state, Long recipeId, String category, String upstream, String outageId,
                       Instant openedFrom, Instant openedTo) {
            this(state, recipeId, category, upstream, outageId, openedFrom, openedTo, null, null);
        }

        boolean isEmpty() {
            return state == null && recipeId == null && category == null && upstream == null && outageId == null
                    && openedFrom == null && openedTo == null;
        }
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
        jdbc.update("INSERT INTO incident_attempt (incident_id, attempt, requested_at, waiting_since) "
                + "VALUES (?, ?, now(), now()) ON CONFLICT DO NOTHING", incidentId, attempt);
    }

    void attemptAccepted(String incidentId, int attempt, Instant at) {
        jdbc.update("UPDATE incident_attempt SET accepted_at = ?, waiting_since = now(), outcome_asks = 0 "
                + "WHERE incident_id = ? AND attempt = ?", ts(at), incidentId, attempt);
    }

    /**
     * A sign that recovery holds the attempt (deferred, still in progress when
     * asked, requested again): the outcome deadline counts from now, and the asks
     * so far were answered, so the count of unanswered asks starts again.
     */
    void attemptWaiting(String incidentId, int attempt) {
        jdbc.update("UPDATE incident_attempt SET waiting_since = now(), outcome_asks = 0 WHERE incident_id = ? "
                + "AND attempt = ?", incidentId, attempt);
    }

    /** The orchestrator asked recovery for the attempt's outcome once more. */
    void outcomeAsked(String incidentId, int attempt) {
        jdbc.update("UPDATE incident_attempt SET outcome_asks = outcome_asks + 1, last_asked_at = now() "
                + "WHERE incident_id = ? AND attempt = ?", incidentId, attempt);
    }

    /**
     * The attempt {@code a} has had no outcome and no sign from recovery for the
     * deadline (the one parameter, in milliseconds): the outcome sweep asks about
     * it, and an operator may replay its incident. One definition for both.
     */
    private static final String ATTEMPT_OVERDUE = "a.outcome IS NULL "
            + "AND a.waiting_since < now() - ? * interval '1 millisecond'";

    /**
     * Incidents RETRYING whose current attempt has had no outcome and no sign
     * from recovery for {@code deadline}, and was not asked about within
     * {@code askInterval}; the incidents are locked (the same order as every
     * other path: the incident first) so that another orchestrator skips them.
     */
    List<Overdue> lockOverdue(java.time.Duration deadline, java.time.Duration askInterval, int limit) {
        return jdbc.query("SELECT i.id, a.attempt, a.outcome_asks, a.waiting_since FROM incident i "
                        + "JOIN incident_attempt a ON a.incident_id = i.id AND a.attempt = i.attempt "
                        + "WHERE i.state = 'RETRYING' AND " + ATTEMPT_OVERDUE
                        + " AND (a.last_asked_at IS NULL OR a.last_asked_at < now() - ? * interval '1 millisecond') "
                        + "ORDER BY a.waiting_since LIMIT ? FOR UPDATE OF i SKIP LOCKED",
                (rs, n) -> new Overdue(rs.getString(1), rs.getInt(2), rs.getInt(3), instant(rs.getTimestamp(4))),
                deadline.toMillis(), askInterval.toMillis(), limit);
    }

    /** Whether the incident's current attempt has had no sign from recovery for {@code deadline}. */
    boolean overdue(String incidentId, int attempt, java.time.Duration deadline) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM incident_attempt a WHERE "
                + "a.incident_id = ? AND a.attempt = ? AND " + ATTEMPT_OVERDUE + ")", Boolean.class, incidentId,
                attempt, deadline.toMillis()));
    }

    record Overdue(String incidentId, int attempt, int asks, Instant waitingSince) {
    }

    void attemptFinished(String incidentId, int attempt, String outcome, String repeatJobId, String error) {
        jdbc.update("UPDATE incident_attempt SET outcome = ?, repeat_job_id = ?, error = ?, finished_at = now() "
                + "WHERE incident_id = ? AND attempt = ?", outcome, repeatJobId, error, incidentId, attempt);
    }

    /** The incident's attempts, first first. */
    List<Attempt> attempts(String incidentId) {
        return jdbc.query("SELECT attempt, requested_at, accepted_at, outcome, repeat_job_id, error, "
                        + "finished_at FROM incident_attempt WHERE incident_id = ? ORDER BY attempt",
                (rs, n) -> new Attempt(rs.getInt(1), rs.getTimestamp(2), rs.getTimestamp(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getTimestamp(7)), incidentId);
    }

    /**
     * One attempt as {@code GET /api/incidents/{id}} has always answered it (it returned the rows as JdbcTemplate
     * read them): the table's column names, and times as a {@link java.util.Date} is written (to the millisecond).
     * {@code outcome} is null until recovery reported one.
     */
    record Attempt(int attempt, @JsonProperty("requested_at") java.util.Date requestedAt,
                   @JsonProperty("accepted_at") java.util.Date acceptedAt, String outcome,
                   @JsonProperty("repeat_job_id") String repeatJobId, String error,
                   @JsonProperty("finished_at") java.util.Date finishedAt) {
    }

    // schedule

    /**
     * Schedules the attempt {@code delay} from now on the database's clock, the
     * clock {@link #lockDue} compares with (a JVM clock ahead or behind would make
     * a retry due early or late); returns the due time.
     */
    Instant schedule(String incidentId, int attempt, java.time.Duration delay) {
        return jdbc.queryForObject("INSERT INTO scheduled_retry (incident_id, attempt, due_at) "
                        + "VALUES (?, ?, now() + ? * interval '1 millisecond') ON CONFLICT (incident_id) "
                        + "DO UPDATE SET attempt = excluded.attempt, due_at = excluded.due_at RETURNING due_at",
                Timestamp.class, incidentId, attempt, delay.toMillis()).toInstant();
    }

    /**
     * Due retries. The incident rows are locked (not the schedule rows), so that
     * every path locks an incident before its schedule, as resolve and the
     * outcome handlers do: no deadlock between them. Another orchestrator skips
     * incidents locked here.
     */
    List<DueRetry> lockDue(int limit) {
        return jdbc.query("SELECT s.incident_id, s.attempt FROM scheduled_retry s JOIN incident i "
                        + "ON i.id = s.incident_id WHERE s.due_at <= now() ORDER BY s.due_at "
                        + "LIMIT ? FOR UPDATE OF i SKIP LOCKED",
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
