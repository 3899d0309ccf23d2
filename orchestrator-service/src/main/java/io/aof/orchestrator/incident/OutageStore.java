package io.aof.orchestrator.incident;

import jakarta.persistence.EntityManager;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What outages need besides reading one whole ({@link OutageRepository}): opening one (an insert that the
 * partial unique index "one open per upstream" decides), taking one to change it (locked, and read afresh: an
 * outage read earlier in the transaction without a lock may be stale), and the incident queries outage awareness needs (recent failures of an upstream,
 * an outage's members). Locks follow the incident paths' order: a path that holds an incident may wait for its
 * outage's row; the sweeps, which hold an outage's row, take incidents only {@code SKIP LOCKED} and never wait.
 */
@Repository
class OutageStore {

    private final JdbcTemplate jdbc;
    private final EntityManager em;

    OutageStore(JdbcTemplate jdbc, EntityManager em) {
        this.jdbc = jdbc;
        this.em = em;
    }

    /**
     * Stores the new outage unless one of its upstream is open already (another orchestrator opened it since our
     * look: this waits for that one's transaction); true when this call stored it.
     */
    boolean insertIfNoneOpen(Outage o) {
        em.flush();   // the insert must see this transaction's changes, an outage ended just now included
        return jdbc.update("INSERT INTO outage (id, workspace, upstream, category, opened_at, declared_by, "
                        + "reason, until, failures, recipes, next_probe_at, after_end) "
                        + "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (workspace, upstream) WHERE ended_at IS NULL "
                        + "DO NOTHING",
                o.id(), o.workspace(), o.upstream(), o.category(), ts(o.openedAt()), o.declaredBy(), o.reason(),
                ts(o.until()), o.failures(), o.recipes(), ts(o.nextProbeAt()), o.afterEnd().name()) == 1;
    }

    /** The outage, row-locked until the transaction ends (waiting for another holder) and read afresh. */
    Optional<Outage> lock(String id) {
        return fresh(jdbc.queryForList("SELECT id FROM outage WHERE id = ? FOR UPDATE", String.class, id));
    }

    /** The outage if still open, locked for the sweep and read afresh; empty when it ended or is locked by another. */
    Optional<Outage> lockOpen(String id) {
        return fresh(jdbc.queryForList("SELECT id FROM outage WHERE id = ? AND ended_at IS NULL "
                + "FOR UPDATE SKIP LOCKED", String.class, id));
    }

    private Optional<Outage> fresh(List<String> locked) {
        if (locked.isEmpty()) {
            return Optional.empty();
        }
        Outage o = em.find(Outage.class, locked.get(0));
        em.refresh(o);   // an instance this transaction read before the lock may be stale
        return Optional.of(o);
    }

    /** Writes the changes made to locked outages now, so that SQL later in the transaction sees them. */
    void changed() {
        em.flush();
    }

    /**
     * Retryable failures of an upstream opened after {@code since} (this transaction's own included); opening
     * times are the service's clock, as {@code since} is.
     */
    Recent recentFailures(String workspace, String upstream, Instant since) {
        IncidentStore.writePending(em);
        return jdbc.queryForObject("SELECT count(*), count(DISTINCT recipe_id) FROM incident WHERE workspace = ? "
                        + "AND upstream = ? AND opened_at > ? "
                        + "AND kind = 'JOB_FAILURE' AND state <> 'NON_RETRYABLE' AND not_repeatable IS NULL",
                (rs, n) -> new Recent(rs.getInt(1), rs.getInt(2)), workspace, upstream, ts(since));
    }
    record Recent(int failures, int recipes) {
    }
    /**
     * The held member to probe: the one with the most attempts left, then the oldest; one being changed now is
     * skipped (never waited for: the sweep holds the outage's row), and so is one whose recipe is in a maintenance
     * window (a probe is a repeat, and nothing of that recipe is repeated until the window ends).
     */
    Optional<String> lockProbeCandidate(String outageId) {
        IncidentStore.writePending(em);
        return jdbc.queryForList("SELECT i.id FROM incident i WHERE i.outage_id = ? AND i.state = 'HELD' "
                + "AND i.attempt < i.max_attempts AND NOT EXISTS (SELECT 1 FROM recipe_suppression s "
                + "WHERE s.recipe_id = i.recipe_id AND s.until > now()) "
                + "ORDER BY i.max_attempts - i.attempt DESC, i.opened_at, i.id LIMIT 1 FOR UPDATE OF i SKIP LOCKED",
                String.class, outageId).stream().findFirst();
    }
    /**
     * Incidents of the upstream waiting for a retry, to hold when its outage opens; those being changed now are
     * skipped (never waited for: they are held when their retry comes due).
     */
    List<String> lockScheduledOf(String workspace, String upstream, int limit) {
        IncidentStore.writePending(em);
        return jdbc.queryForList("SELECT id FROM incident WHERE workspace = ? AND upstream = ? "
                + "AND state = 'RETRY_SCHEDULED' ORDER BY opened_at, id LIMIT ? FOR UPDATE SKIP LOCKED", String.class,
                workspace, upstream, limit);
    }
    /** An outage's members (incidents ever held for it): how many, of how many recipes, how many still held. */
    Members members(String id) {
        IncidentStore.writePending(em);
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
        IncidentStore.writePending(em);
        return jdbc.query("SELECT i.id, o.after_end FROM incident i JOIN outage o ON o.id = i.outage_id "
                        + "WHERE i.state = 'HELD' AND o.ended_at IS NOT NULL ORDER BY i.opened_at, i.id LIMIT ? "
                        + "FOR UPDATE OF i SKIP LOCKED",
                (rs, n) -> new Release(rs.getString(1), Outage.AfterEnd.valueOf(rs.getString(2))), limit);
    }
    record Release(String incidentId, Outage.AfterEnd afterEnd) {
    }
    /** Whether the outage's probe is still in flight (its incident RETRYING at that attempt). */
    boolean probeInFlight(Outage o) {
        IncidentStore.writePending(em);
        return o.probeIncidentId() != null && Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM "
                + "incident WHERE id = ? AND state = 'RETRYING' AND attempt = ?)", Boolean.class, o.probeIncidentId(),
                o.probeAttempt()));
    }
    /** Held incidents of an outage, oldest first (for people: not locked). */
    List<String> heldOf(String outageId, int limit) {
        IncidentStore.writePending(em);
        return jdbc.queryForList("SELECT id FROM incident WHERE outage_id = ? AND state = 'HELD' ORDER BY opened_at, id "
                + "LIMIT ?", String.class, outageId, limit);
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }
}
