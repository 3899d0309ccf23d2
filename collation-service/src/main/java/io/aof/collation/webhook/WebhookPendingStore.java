package io.aof.collation.webhook;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code webhook_pending}: failures the webhook accepted, each waiting to be
 * verified against Workato ({@link WebhookVerifier}) and settled once:
 * VERIFIED, REFUSED or UNVERIFIED, always from PENDING, so two instances never
 * settle one row twice. Also {@code webhook_idempotency}, the keys callers sent.
 */
@Repository
public class WebhookPendingStore {

    /** A pending failure: the webhook's {@code JobFailed} as it arrived, and what the last look at it saw. */
    record Pending(String jobId, long recipeId, String masterJobId, String payload, String lastSeen) {
    }

    /** How a pending failure was settled. */
    enum State {
        VERIFIED, REFUSED, UNVERIFIED
    }

    private final JdbcTemplate jdbc;

    public WebhookPendingStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Remembers a caller's idempotency key; false when the key was used before. */
    boolean rememberKey(String key, String jobId, String incidentId) {
        return jdbc.update("INSERT INTO webhook_idempotency (idempotency_key, job_id, incident_id) "
                + "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", key, jobId, incidentId) == 1;
    }

    /** Accepts a failure for verification after {@code verifyDelay}; false when the job is pending already. */
    public boolean accept(String jobId, long recipeId, String masterJobId, String payload, Duration verifyDelay) {
        return jdbc.update("INSERT INTO webhook_pending (job_id, recipe_id, master_job_id, payload, next_check_at) "
                        + "VALUES (?, ?, ?, ?, now() + (? * interval '1 millisecond')) ON CONFLICT DO NOTHING",
                jobId, recipeId, masterJobId, payload, verifyDelay.toMillis()) == 1;
    }

    /** A failure to accept: its job, recipe, claimed master and {@code JobFailed} payload. */
    record Arrival(String jobId, long recipeId, String masterJobId, String payload) {
    }

    /**
     * Accepts a batch's failures for verification after {@code verifyDelay}, in one statement; returns the job ids
     * accepted (the others were pending already). Job ids must be distinct.
     */
    Set<String> acceptAll(List<Arrival> arrivals, Duration verifyDelay) {
        if (arrivals.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(jdbc.query(con -> {
            var ps = con.prepareStatement("""
                    INSERT INTO webhook_pending (job_id, recipe_id, master_job_id, payload, next_check_at)
                    SELECT a.job_id, a.recipe_id, a.master_job_id, a.payload, now() + (? * interval '1 millisecond')
                      FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[])
                           AS a(job_id, recipe_id, master_job_id, payload)
                    ON CONFLICT DO NOTHING RETURNING job_id""");
            ps.setLong(1, verifyDelay.toMillis());
            ps.setArray(2, con.createArrayOf("text", arrivals.stream().map(Arrival::jobId).toArray()));
            ps.setArray(3, con.createArrayOf("bigint", arrivals.stream().map(Arrival::recipeId).toArray()));
            ps.setArray(4, con.createArrayOf("text", arrivals.stream().map(Arrival::masterJobId).toArray()));
            ps.setArray(5, con.createArrayOf("text", arrivals.stream().map(Arrival::payload).toArray()));
            return ps;
        }, (rs, i) -> rs.getString(1)));
    }

    /** Pending failures a poll has collected since: verified by it; returns how many. */
    int verifyCollectedByPoll() {
        return jdbc.update("UPDATE webhook_pending p SET state = 'VERIFIED', reason = 'collected by a poll', "
                + "finished_at = now() FROM collected_job c WHERE p.state = 'PENDING' AND c.job_id = p.job_id");
    }

    /** Pending failures received more than {@code timeout} ago, oldest first. */
    List<Pending> expired(Duration timeout) {
        return jdbc.query("SELECT job_id, recipe_id, master_job_id, payload, reason FROM webhook_pending "
                        + "WHERE state = 'PENDING' AND received_at < now() - (? * interval '1 millisecond') "
                        + "ORDER BY received_at",
                (rs, i) -> new Pending(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5)),
                timeout.toMillis());
    }

    /**
     * Up to {@code limit} due failures, claimed in one statement: their next check moves {@code claim} on, so
     * another instance's run (which skips rows being claimed, {@code SKIP LOCKED}) does not read them too; in the
     * order they fell due.
     */
    List<Pending> claimDue(Duration claim, int limit) {
        record Claimed(Pending pending, Timestamp wasDue) {
        }
        return jdbc.query("""
                UPDATE webhook_pending p SET next_check_at = now() + (? * interval '1 millisecond')
                  FROM (SELECT job_id, next_check_at AS was_due FROM webhook_pending
                         WHERE state = 'PENDING' AND next_check_at <= now()
                         ORDER BY next_check_at LIMIT ? FOR UPDATE SKIP LOCKED) due
                 WHERE p.job_id = due.job_id
                RETURNING p.job_id, p.recipe_id, p.master_job_id, p.payload, p.reason, due.was_due""",
                (rs, i) -> new Claimed(new Pending(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5)), rs.getTimestamp(6)),
                Math.max(1000, claim.toMillis()), limit).stream()
                .sorted(Comparator.comparing(Claimed::wasDue))
                .map(Claimed::pending).toList();
    }

    /** Claimed and not read: due again at once, for whichever instance runs next. */
    void unclaim(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return;
        }
        jdbc.update(con -> {
            var ps = con.prepareStatement("UPDATE webhook_pending SET next_check_at = now() WHERE state = 'PENDING' "
                    + "AND job_id = ANY(?)");
            ps.setArray(1, con.createArrayOf("text", jobIds.toArray()));
            return ps;
        });
    }

    /** Settles a pending failure; false when it was settled already (by another instance meanwhile). */
    boolean settle(String jobId, State state, String reason) {
        return jdbc.update("UPDATE webhook_pending SET state = ?, reason = ?, finished_at = now() "
                + "WHERE job_id = ? AND state = 'PENDING'", state.name(), reason, jobId) == 1;
    }

    /** Looked at and not settled: checked again after {@code delay}, with what was seen. */
    void later(String jobId, String seen, Duration delay) {
        jdbc.update("UPDATE webhook_pending SET reason = ?, "
                        + "next_check_at = now() + (? * interval '1 millisecond') WHERE job_id = ? AND state = 'PENDING'",
                seen, Math.max(1000, delay.toMillis()), jobId);
    }

    long pendingCount() {
        Long n = jdbc.queryForObject("SELECT count(*) FROM webhook_pending WHERE state = 'PENDING'", Long.class);
        return n == null ? 0 : n;
    }
}
