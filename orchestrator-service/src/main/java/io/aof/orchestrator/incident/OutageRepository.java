package io.aof.orchestrator.incident;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outages of upstreams, and the incident queries outage awareness needs (recent failures of an upstream, an
 * outage's members). Locks follow the incident paths' order: a path that holds an incident may wait for its
 * outage's row; the sweeps, which hold an outage's row, take incidents only {@code SKIP LOCKED} and never wait.
 */
@Repository
class OutageRepository {

    private static final String COLUMNS = "id, workspace, upstream, category, opened_at, declared_by, reason, until, "
            + "failures, recipes, probes, next_probe_at, probe_incident_id, probe_attempt, escalated_at, ended_at, "
            + "ended_how, ended_by, after_end, released, alerted, alerted_at";

    private static final RowMapper<Outage> MAPPER = (rs, n) -> new Outage(rs.getString(1), rs.getString(2),
            rs.getString(3), rs.getString(4), instant(rs.getTimestamp(5)), rs.getString(6), rs.getString(7),
            instant(rs.getTimestamp(8)), rs.getInt(9), rs.getInt(10), rs.getInt(11), instant(rs.getTimestamp(12)),
            rs.getString(13), (Integer) rs.getObject(14), instant(rs.getTimestamp(15)), instant(rs.getTimestamp(16)),
            rs.getString(17), rs.getString(18), Outage.AfterEnd.valueOf(rs.getString(19)), rs.getInt(20),
            rs.getString(21), instant(rs.getTimestamp(22)));

    private final JdbcTemplate jdbc;

    OutageRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The open outage of an upstream, if any (not locked). */
    Optional<Outage> findOpen(String workspace, String upstream) {
        return jdbc.query("SELECT " + COLUMNS + " FROM outage WHERE workspace = ? AND upstream = ? AND ended_at IS NULL",
                MAPPER, workspace, upstream).stream().findFirst();
    }

    Optional<Outage> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM outage WHERE id = ?", MAPPER, id).stream().findFirst();
    }

    Optional<Outage> lock(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM outage WHERE id = ? FOR UPDATE", MAPPER, id).stream()
                .findFirst();
    }

    /**
     * Retryable failures of an upstream opened after {@code since} (this transaction's own included); opening
     * times are the service's clock, as {@code since} is.
     */
    Recent recentFailures(String workspace, String upstream, Instant since) {
        return jdbc.queryForObject("SELECT count(*), count(DISTINCT recipe_id) FROM incident WHERE workspace = ? "
                        + "AND upstream = ? AND opened_at > ? "
                        + "AND kind = 'JOB_FAILURE' AND state <> 'NON_RETRYABLE' AND not_repeatable IS NULL",
                (rs, n) -> new Recent(rs.getInt(1), rs.getInt(2)), workspace, upstream, ts(since));
    }

    record Recent(int failures, int recipes) {
    }

    /**
     * Opens the outage unless one of its upstream is open already (another orchestrator opened it since our look;
     * this waits for that one's transaction); returns the open one, and whether this call opened it.
     */
    Opened openIfAbsent(Outage o) {
        int inserted = jdbc.update("INSERT INTO outage (id, workspace, upstream, category, opened_at, declared_by, "
                        + "reason, until, failures, recipes, next_probe_at, after_end) "
                        + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (workspace, upstream) WHERE ended_at IS NULL "
                        + "DO NOTHING",
                o.id(), o.workspace(), o.upstream(), o.category(), ts(o.openedAt()), o.declaredBy(), o.reason(),
                ts(o.until()), o.failures(), o.recipes(), ts(o.nextProbeAt()), o.afterEnd().name());
        Outage open = findOpen(o.workspace(), o.upstream()).orElseThrow();
        return new Opened(open, inserted == 1);
    }

    record Opened(Outage outage, boolean created) {
    }

    /** A declared outage's window moved (declared again while open); false when it had ended meanwhile. */
    boolean redeclared(String id, String by, String reason, Instant until) {
        return jdbc.update("UPDATE outage SET declared_by = ?, reason = ?, until = ?, next_probe_at = ? WHERE id = ? "
                + "AND ended_at IS NULL", by, reason, ts(until), ts(until), id) == 1;
    }

    /** The ids of the open outages, oldest first (not locked: the sweep locks each in its own transaction). */
    List<String> openIds() {
        return jdbc.queryForList("SELECT id FROM outage WHERE ended_at IS NULL ORDER BY opened_at, id", String.class);
    }

    /** The outage if still open, locked for the sweep; empty when it ended or another orchestrator sweeps it now. */
    Optional<Outage> lockOpen(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM outage WHERE id = ? AND ended_at IS NULL "
                + "FOR UPDATE SKIP LOCKED", MAPPER, id).stream().findFirst();
    }

    /**
     * The held member to probe: the one with the most attempts left, then the oldest; one being changed now is
     * skipped (never waited for: the sweep holds the outage's row), and so is one whose recipe is in a maintenance
     * window (a probe is a repeat, and nothing of that recipe is repeated until the window ends).
     */
    Optional<String> lockProbeCandidate(String outageId) {
        return jdbc.queryForList("SELECT i.id FROM incident i WHERE i.outage_id = ? AND i.state = 'HELD' "
                + "AND i.attempt < i.max_attempts AND NOT EXISTS (SELECT 1 FROM recipe_suppression s "
                + "WHERE s.recipe_id = i.recipe_id AND s.until > now()) "
                + "ORDER BY i.max_attempts - i.attempt DESC, i.opened_at, i.id LIMIT 1 FOR UPDATE OF i SKIP LOCKED",
                String.class, outageId).stream().findFirst();
    }

    void probeStarted(String id, String incidentId, int attempt) {
        jdbc.update("UPDATE outage SET probe_incident_id = ?, probe_attempt = ? WHERE id = ?", incidentId, attempt, id);
    }

    /** The probe failed (or could not tell): one more probe counted, the next one due at {@code next}. */
    void probeFailed(String id, Instant next) {
        jdbc.update("UPDATE outage SET probes = probes + 1, next_probe_at = ?, probe_incident_id = NULL, "
                + "probe_attempt = NULL WHERE id = ?", ts(next), id);
    }

    /** No probe in flight (none could be sent, or the one sent was dropped): the next is due at {@code next}. */
    void probeLater(String id, Instant next) {
        jdbc.update("UPDATE outage SET next_probe_at = ?, probe_incident_id = NULL, probe_attempt = NULL WHERE id = ?",
                ts(next), id);
    }

    /**
     * Incidents of the upstream waiting for a retry, to hold when its outage opens; those being changed now are
     * skipped (never waited for: they are held when their retry comes due).
     */
    List<String> lockScheduledOf(String workspace, String upstream, int limit) {
        return jdbc.queryForList("SELECT id FROM incident WHERE workspace = ? AND upstream = ? "
                + "AND state = 'RETRY_SCHEDULED' ORDER BY opened_at, id LIMIT ? FOR UPDATE SKIP LOCKED", String.class,
                workspace, upstream, limit);
    }

    void escalated(String id, Instant at) {
        jdbc.update("UPDATE outage SET escalated_at = ? WHERE id = ?", ts(at), id);
    }

    void alerted(String id, String figures, Instant at) {
        jdbc.update("UPDATE outage SET alerted = ?, alerted_at = ? WHERE id = ?", figures, ts(at), id);
    }

    /** Ends the outage if it is open; false when it had ended already. */
    boolean end(String id, Instant at, String how, String by, Outage.AfterEnd afterEnd) {
        return jdbc.update("UPDATE outage SET ended_at = ?, ended_how = ?, ended_by = ?, after_end = ?, "
                + "probe_incident_id = NULL, probe_attempt = NULL WHERE id = ? AND ended_at IS NULL", ts(at), how, by,
                afterEnd.name(), id) == 1;
    }

    void releasedOne(String id) {
        jdbc.update("UPDATE outage SET released = released + 1 WHERE id = ?", id);
    }

    /** An outage's members (incidents ever held for it): how many, of how many recipes, how many still held. */
    Members members(String id) {
        return jdbc.queryForObject("SELECT count(*), count(DISTINCT recipe_id), count(*) FILTER (WHERE state = "
                        + "'HELD') FROM incident WHERE outage_id = ?",
                (rs, n) -> new Members(rs.getInt(1), rs.getInt(2), rs.getInt(3)), id);
    }

    record Members(int jobs, int recipes, int held) {
    }

    /**
     * Held incidents whose outage has ended, oldest first, locked so that another orchestrator skips them, with
     * what becomes of them.
     */
    List<Release> lockReleasable(int limit) {
        return jdbc.query("SELECT i.id, o.after_end FROM incident i JOIN outage o ON o.id = i.outage_id "
                        + "WHERE i.state = 'HELD' AND o.ended_at IS NOT NULL ORDER BY i.opened_at, i.id LIMIT ? "
                        + "FOR UPDATE OF i SKIP LOCKED",
                (rs, n) -> new Release(rs.getString(1), Outage.AfterEnd.valueOf(rs.getString(2))), limit);
    }

    record Release(String incidentId, Outage.AfterEnd afterEnd) {
    }

    /** Whether the outage's probe is still in flight (its incident RETRYING at that attempt). */
    boolean probeInFlight(Outage o) {
        return o.probeIncidentId() != null && Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM "
                + "incident WHERE id = ? AND state = 'RETRYING' AND attempt = ?)", Boolean.class, o.probeIncidentId(),
                o.probeAttempt()));
    }

    /** Held incidents of an outage, oldest first (for people: not locked). */
    List<String> heldOf(String outageId, int limit) {
        return jdbc.queryForList("SELECT id FROM incident WHERE outage_id = ? AND state = 'HELD' ORDER BY opened_at, id "
                + "LIMIT ?", String.class, outageId, limit);
    }

    /** Outages newest first; {@code open} true: only open ones, false: only ended ones, null: all. */
    List<Outage> list(Boolean open, int limit) {
        String where = open == null ? "" : open ? " WHERE ended_at IS NULL" : " WHERE ended_at IS NOT NULL";
        return jdbc.query("SELECT " + COLUMNS + " FROM outage" + where + " ORDER BY opened_at DESC, id DESC LIMIT ?",
                MAPPER, limit);
    }

    /** How many are open now (the {@code aof.outages.open} gauge). */
    int countOpen() {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM outage WHERE ended_at IS NULL", Integer.class);
        return n == null ? 0 : n;
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
