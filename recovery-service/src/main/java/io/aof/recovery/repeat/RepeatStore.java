package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryRequested;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The repeat intents and results ({@code repeat_request}, {@code repeat_cancellation}, {@code repeat_pacer}): every
 * statement on them, and only that. Each change returns what it changed; the deciding class that called it
 * ({@link RecoveryListener}, {@link RepeatWorker}, {@link RepeatWatcher}) chooses the event that reports it and
 * appends it in the same transaction, which it opens. A change of several statements refuses to run outside a
 * transaction ({@link #requireTransaction()}).
 */
@Repository
public class RepeatStore {

    private static final String COLUMNS = "r.incident_id, r.attempt, r.workspace, r.recipe_id, r.job_id, "
            + "r.requested_at, r.call_started_at, r.accepted_at, r.repeat_job_id, r.claim_token";

    private static final RowMapper<RepeatRequest> MAPPER = (rs, i) -> new RepeatRequest(rs.getString("incident_id"),
            rs.getInt("attempt"), rs.getString("workspace"), rs.getLong("recipe_id"), rs.getString("job_id"),
            RepeatState.valueOf(rs.getString("previous_state")), instant(rs.getTimestamp("requested_at")),
            instant(rs.getTimestamp("call_started_at")), instant(rs.getTimestamp("accepted_at")),
            rs.getString("repeat_job_id"), rs.getObject("claim_token", UUID.class), rs.getBoolean("overdue"));

    private final JdbcTemplate jdbc;

    RepeatStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A change of several statements (or one holding a transaction-scoped lock) runs in its caller's transaction,
     * with the event that reports it: alone, each statement would commit by itself.
     */
    private static void requireTransaction() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("RepeatStore: this change must run in the deciding code's transaction");
        }
    }

    /**
     * True for a request {@code q} that must not be sent now: an earlier attempt of
     * the same incident is live (not DONE or CANCELLED: pending, sent with its
     * answer unknown, or accepted and maybe running), so the later one waits; or
     * an earlier attempt succeeded, so the later one is settled by
     * {@link #settleCoveredBySuccess(String)} and never sent. The orchestrator may have
     * given up on the earlier attempt (outcome sweep, replay), but a cancellation
     * cannot take back a repeat already sent.
     */
    private static String held(String q) {
        return "EXISTS (SELECT 1 FROM repeat_request e WHERE e.incident_id = " + q + ".incident_id AND e.attempt < "
                + q + ".attempt AND (e.state NOT IN ('DONE', 'CANCELLED') OR e.outcome = 'SUCCEEDED'))";
    }

    /** Recipes with due requests that may be sent, and the due time of each one's oldest. */
    List<DueRecipe> dueRecipes() {
        return jdbc.query("SELECT recipe_id, min(next_try_at) FROM repeat_request q WHERE state IN ('PENDING', "
                        + "'CALLING') AND next_try_at <= now() AND NOT " + held("q") + " GROUP BY recipe_id",
                (rs, i) -> new DueRecipe(rs.getLong(1), rs.getTimestamp(2).toInstant()));
    }

    /**
     * Requests of {@code incidentId} never sent whose incident already recovered by
     * an earlier attempt (and no earlier attempt is still live) are settled SUCCEEDED
     * without a call, naming the repeat job that succeeded: the job's chain is
     * recovered, and a job that succeeded is never repeated. The case arises only
     * when an attempt succeeds ({@link #finish}) or a later attempt is requested
     * after such a success ({@link #request}), so the deciding code calls this
     * right after either, in that transaction. The two are serialized per incident
     * (a transaction-scoped advisory lock), so a request and a success committing
     * at once cannot each miss the other. Returns the requests settled (each with
     * the repeat job that succeeded).
     */
    List<RepeatRequest> settleCoveredBySuccess(String incidentId) {
        requireTransaction();
        jdbc.query("SELECT pg_advisory_xact_lock(?, hashtext(?))", rs -> null, SETTLE_LOCK_CLASS, incidentId);
        List<RepeatRequest> all = new java.util.ArrayList<>();
        List<RepeatRequest> settled;
        do {   // one statement sees a later attempt still held by the one it settles: again until none is left
            settled = jdbc.query(SETTLE_COVERED, MAPPER, incidentId);
            all.addAll(settled);
        } while (!settled.isEmpty());
        return all;
    }

    /** Key space of the per-incident advisory lock of {@link #settleCoveredBySuccess(String)} ("RPT1"). */
    private static final int SETTLE_LOCK_CLASS = 0x52505431;

    private static final String SETTLE_COVERED = """
            WITH covered AS (
                SELECT q.incident_id, q.attempt,
                       (SELECT max(s.attempt) FROM repeat_request s WHERE s.incident_id = q.incident_id
                           AND s.attempt < q.attempt AND s.state = 'DONE' AND s.outcome = 'SUCCEEDED') AS by_attempt
                  FROM repeat_request q
                 WHERE q.incident_id = ? AND q.state IN ('PENDING', 'CALLING') AND q.sent_at IS NULL
                   AND EXISTS (SELECT 1 FROM repeat_request s WHERE s.incident_id = q.incident_id
                                  AND s.attempt < q.attempt AND s.state = 'DONE' AND s.outcome = 'SUCCEEDED')
                   AND NOT EXISTS (SELECT 1 FROM repeat_request e WHERE e.incident_id = q.incident_id
                                      AND e.attempt < q.attempt AND e.state NOT IN ('DONE', 'CANCELLED'))
                 ORDER BY q.attempt
                   FOR UPDATE OF q)
            UPDATE repeat_request r
               SET state = 'DONE', outcome = 'SUCCEEDED', settled_by = c.by_attempt, repeat_job_id = s.repeat_job_id,
                   error = NULL, finished_at = now(), claim_token = NULL
              FROM covered c
              JOIN repeat_request s ON s.incident_id = c.incident_id AND s.attempt = c.by_attempt
             WHERE r.incident_id = c.incident_id AND r.attempt = c.attempt
            RETURNING r.incident_id, r.attempt, r.workspace, r.recipe_id, r.job_id, r.state AS previous_state,
                      r.requested_at, r.call_started_at, r.accepted_at, r.repeat_job_id, r.claim_token,
                      false AS overdue
            """;

    record DueRecipe(long recipeId, Instant oldestDue) {
    }

    /**
     * A request as recorded: {@code state} PENDING, or CANCELLED (with its {@code cancelReason}) when its incident
     * was cancelled up to (at least) its attempt before it arrived.
     */
    record Recorded(RepeatRequest request, RepeatState state, String cancelReason) {
    }

    /**
     * Records a request to repeat; a request of an incident cancelled up to (at
     * least) its attempt is recorded CANCELLED, and is never sent. Empty for a
     * request already known.
     */
    Optional<Recorded> request(RecoveryRequested r) {
        List<Recorded> recorded = jdbc.query("""
                INSERT INTO repeat_request AS r (incident_id, attempt, workspace, recipe_id, job_id, state,
                                                 cancelled_at, cancel_reason, finished_at)
                SELECT ?, ?, ?, ?, ?, CASE WHEN t.incident_id IS NULL THEN 'PENDING' ELSE 'CANCELLED' END,
                       CASE WHEN t.incident_id IS NULL THEN NULL ELSE now() END, t.reason,
                       CASE WHEN t.incident_id IS NULL THEN NULL ELSE now() END
                  FROM (SELECT 1) one
                  LEFT JOIN repeat_cancellation t ON t.incident_id = ? AND t.up_to_attempt >= ?
                ON CONFLICT DO NOTHING
                RETURNING %s, r.state AS previous_state, false AS overdue, r.state, r.cancel_reason
                """.formatted(COLUMNS), (rs, i) -> new Recorded(MAPPER.mapRow(rs, i),
                        RepeatState.valueOf(rs.getString("state")), rs.getString("cancel_reason")),
                r.incidentId(), r.attempt(), r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt());
        return recorded.stream().findFirst();
    }

    /**
     * The incident was resolved or suppressed: every request of it up to
     * {@code upTo} that was never sent is cancelled now; one already sent (in
     * flight, or its answer unknown) is marked so that it is never sent again, and
     * its answer, or its reconciliation, settles it. A tombstone cancels a request
     * that arrives later. Returns the requests cancelled now.
     */
    List<RepeatRequest> cancel(String incidentId, int upTo, String reason) {
        requireTransaction();
        jdbc.update("INSERT INTO repeat_cancellation (incident_id, up_to_attempt, reason) VALUES (?, ?, ?) "
                + "ON CONFLICT (incident_id) DO UPDATE SET up_to_attempt = GREATEST(repeat_cancellation.up_to_attempt, "
                + "EXCLUDED.up_to_attempt), reason = EXCLUDED.reason, cancelled_at = now()",
                incidentId, upTo, reason);
        List<RepeatRequest> cancelled = jdbc.query("UPDATE repeat_request r SET state = 'CANCELLED', "
                + "cancelled_at = now(), cancel_reason = ?, finished_at = now(), claim_token = NULL "
                + "WHERE incident_id = ? AND attempt <= ? AND (state = 'PENDING' OR (state = 'CALLING' "
                + "AND sent_at IS NULL)) RETURNING " + COLUMNS + ", r.state AS previous_state, false AS overdue",
                MAPPER, reason, incidentId, upTo);
        jdbc.update("UPDATE repeat_request SET cancelled_at = now(), cancel_reason = ? WHERE incident_id = ? "
                + "AND attempt <= ? AND state = 'CALLING' AND cancelled_at IS NULL", reason, incidentId, upTo);
        return cancelled;
    }

    /**
     * A sent request that was cancelled meanwhile, and whose call certainly had
     * no effect (or whose reconciliation found no repeat), ends CANCELLED instead
     * of being sent again. Only the claim holder may do it. Returns the reason
     * it was cancelled for, empty when it was not settled now.
     */
    Optional<String> settleCancelled(RepeatRequest r) {
        List<String> reason = jdbc.queryForList("UPDATE repeat_request SET state = 'CANCELLED', finished_at = now(), "
                + "claim_token = NULL WHERE incident_id = ? AND attempt = ? AND state = 'CALLING' "
                + "AND cancelled_at IS NOT NULL AND claim_token IS NOT DISTINCT FROM ? RETURNING cancel_reason",
                String.class, r.incidentId(), r.attempt(), r.claimToken());
        return reason.stream().findFirst();
    }

    /** True when the request was cancelled (whether or not it is settled yet). */
    boolean isCancelled(RepeatRequest r) {
        return Boolean.TRUE.equals(jdbc.query("SELECT state = 'CANCELLED' OR cancelled_at IS NOT NULL FROM "
                + "repeat_request WHERE incident_id = ? AND attempt = ?", rs -> rs.next() && rs.getBoolean(1),
                r.incidentId(), r.attempt()));
    }

    /**
     * What recovery recorded of an attempt, for the orchestrator's question: its {@code state}; when DONE its
     * {@code outcome}, {@code error} and how long it {@code took} from its request; when CANCELLED why; while it
     * is not sent its {@code nextTry}; and the latest earlier attempt of the incident still live, which it
     * {@code waitsFor} (null when none).
     */
    record Progress(RepeatRequest request, RepeatState state, RecoveryOutcome.Status outcome, String error,
                    String cancelReason, Duration took, Instant nextTry, Integer waitsFor) {
    }

    /** The attempt as recorded; empty when recovery never received its request. */
    Optional<Progress> progress(String incidentId, int attempt) {
        return jdbc.query("SELECT " + COLUMNS + ", r.state AS previous_state, false AS overdue, r.state, r.outcome, "
                + "r.error, r.cancel_reason, (EXTRACT(EPOCH FROM (r.finished_at - r.requested_at)) * 1000)::bigint "
                + "AS took_ms, CASE WHEN r.state IN ('PENDING', 'CALLING') THEN r.next_try_at END AS next_try, "
                + "(SELECT max(e.attempt) FROM repeat_request e WHERE e.incident_id = r.incident_id "
                + "AND e.attempt < r.attempt AND e.state NOT IN ('DONE', 'CANCELLED')) AS waits_for "
                + "FROM repeat_request r WHERE r.incident_id = ? AND r.attempt = ?", (rs, i) -> {
                    String outcome = rs.getString("outcome");
                    long took = rs.getLong("took_ms");
                    return new Progress(MAPPER.mapRow(rs, i), RepeatState.valueOf(rs.getString("state")),
                            outcome == null ? null : RecoveryOutcome.Status.valueOf(outcome), rs.getString("error"),
                            rs.getString("cancel_reason"), Duration.ofMillis(took),
                            instant(rs.getTimestamp("next_try")), rs.getObject("waits_for", Integer.class));
                }, incidentId, attempt).stream().findFirst();
    }

    /**
     * Claims up to {@code limit} due requests of one recipe, oldest first: they
     * turn CALLING, keep the time of their first call, and are leased so that no
     * other instance takes them meanwhile. Each claim writes a new claim token,
     * so a claim that outlived its lease can no longer send them (see
     * {@link #takeCallTurn}). {@code previous_state} CALLING means an earlier
     * call's answer is unknown.
     */
    List<RepeatRequest> claimDue(long recipeId, int limit, Duration lease) {
        return jdbc.query(CLAIM, MAPPER, UUID.randomUUID(), lease.toMillis(), recipeId, limit);
    }

    private static final String CLAIM = """
            UPDATE repeat_request r
               SET state = 'CALLING', tries = r.tries + 1, claim_token = ?,
                   call_started_at = COALESCE(r.call_started_at, now()),
                   next_try_at = now() + (? * interval '1 millisecond')
              FROM (SELECT incident_id, attempt, state AS previous_state
                      FROM repeat_request q
                     WHERE state IN ('PENDING', 'CALLING') AND next_try_at <= now() AND recipe_id = ?
                       AND NOT %s
                     ORDER BY next_try_at
                     LIMIT ? FOR UPDATE SKIP LOCKED) c
             WHERE r.incident_id = c.incident_id AND r.attempt = c.attempt
            RETURNING r.incident_id, r.attempt, r.workspace, r.recipe_id, r.job_id, c.previous_state,
                      r.requested_at, r.call_started_at, r.accepted_at, r.repeat_job_id, r.claim_token,
                      false AS overdue
            """.formatted(held("q"));

    /**
     * Reserves the next repeat_jobs call slot for this instance: at least
     * {@code gap} after the previous slot of any instance, and not before
     * {@code holdFor} from now (a Retry-After). Returns how long to wait for it,
     * measured on the database's clock so that clock skew between instances
     * does not matter.
     */
    Duration reserveCallSlot(Duration gap, Duration holdFor) {
        return jdbc.queryForObject("UPDATE repeat_pacer SET next_slot = GREATEST(next_slot + (? * interval "
                        + "'1 millisecond'), now(), now() + (? * interval '1 millisecond')) WHERE id = 1 "
                        + "RETURNING next_slot, now()",
                (rs, i) -> Duration.between(rs.getTimestamp(2).toInstant(), rs.getTimestamp(1).toInstant()),
                gap.toMillis(), Math.max(0, holdFor.toMillis()));
    }

    /**
     * The watch round of all recovery instances: taken (true) when the last round of any instance started at least
     * {@code interval} ago, on the database's clock (less a fifth: one instance ticking every interval by its own
     * clock must not miss every other turn by a millisecond). A round that outlasts the interval may overlap the
     * next one; that costs reads, never a double outcome ({@link #finish} settles a request once).
     */
    boolean takeWatchTurn(Duration interval) {
        return jdbc.update("UPDATE repeat_pacer SET watched_at = now() WHERE id = 1 "
                + "AND watched_at <= now() - (? * interval '1 millisecond')", interval.toMillis() * 4 / 5) == 1;
    }

    /** What {@link #takeCallTurn} decided. */
    sealed interface Turn {
        /** The turn is not free yet: ask again after {@code delay}. */
        record Wait(Duration delay) implements Turn {
        }

        /**
         * The turn is taken for {@code owned} (every request of the batch this
         * claim still owns, not cancelled); when none is, no turn was taken.
         */
        record Taken(Set<String> owned) implements Turn {
        }
    }

    /**
     * The gate right before a {@code repeat_jobs} call, and its fence. {@code last_call} is when the last call of
     * any instance ended (Workato counted it somewhere between its start and its answer): the turn is taken when
     * that is at least {@code gap} ago, and held until {@link #callEnded()} (or, if this instance dies in the
     * call, for {@code turnHold}: the longest a call can last, after which that call is over whatever became of
     * its caller; not the rows' lease, which would stop every instance's calls that long). In the same statement, the batch's rows that this claim still owns
     * (its claim token, still CALLING, not cancelled) are marked sent and their lease extended by {@code lease};
     * rows another instance claimed after this claim's lease ran out, or cancelled meanwhile, are left out, and
     * when none is left no turn is taken.
     */
    Turn takeCallTurn(List<RepeatRequest> batch, UUID claimToken, Duration gap, Duration turnHold,
                      Duration lease) {
        String[] incidents = batch.stream().map(RepeatRequest::incidentId).toArray(String[]::new);
        Integer[] attempts = batch.stream().map(RepeatRequest::attempt).toArray(Integer[]::new);
        List<String[]> rows = jdbc.query(TURN, (rs, i) -> new String[] {key(rs.getString(1), rs.getInt(2)),
                String.valueOf(rs.getBoolean(3))}, claimToken, incidents, attempts, turnHold.toMillis(),
                gap.toMillis(), lease.toMillis());
        if (rows.isEmpty()) {
            return new Turn.Taken(Set.of());
        }
        if (Boolean.parseBoolean(rows.get(0)[1])) {
            return new Turn.Taken(rows.stream().map(r -> r[0]).collect(java.util.stream.Collectors.toSet()));
        }
        Double ms = jdbc.queryForObject("SELECT EXTRACT(EPOCH FROM (last_call + (? * interval '1 millisecond') "
                + "- now())) * 1000 FROM repeat_pacer WHERE id = 1", Double.class, gap.toMillis());
        return new Turn.Wait(Duration.ofMillis(Math.max(1, Math.min((long) Math.ceil(ms), gap.toMillis()))));
    }

    private static final String TURN = """
            WITH owned AS (
                SELECT incident_id, attempt FROM repeat_request
                 WHERE claim_token = ? AND state = 'CALLING' AND cancelled_at IS NULL
                   AND (incident_id, attempt) IN (SELECT * FROM unnest(?::text[], ?::int[]))
                 ORDER BY incident_id, attempt
                   FOR UPDATE),
            turn AS (
                UPDATE repeat_pacer SET last_call = now() + (? * interval '1 millisecond')
                 WHERE id = 1 AND last_call <= now() - (? * interval '1 millisecond')
                   AND EXISTS (SELECT 1 FROM owned)
                RETURNING 1),
            sent AS (
                UPDATE repeat_request r SET sent_at = COALESCE(r.sent_at, now()),
                       next_try_at = now() + (? * interval '1 millisecond')
                  FROM owned o
                 WHERE r.incident_id = o.incident_id AND r.attempt = o.attempt AND EXISTS (SELECT 1 FROM turn)
                RETURNING 1)
            SELECT o.incident_id, o.attempt, EXISTS (SELECT 1 FROM turn) FROM owned o
            """;

    static String key(String incidentId, int attempt) {
        return attempt + "@" + incidentId;
    }

    static String key(RepeatRequest r) {
        return key(r.incidentId(), r.attempt());
    }

    /** The call taken by {@link #takeCallTurn} has its answer (or failed): the next one counts from now. */
    void callEnded() {
        jdbc.update("UPDATE repeat_pacer SET last_call = now() WHERE id = 1");
    }

    /**
     * Holds every instance's next slot for {@code holdFor} from now on the database's clock (the breaker's
     * pause; a Retry-After only when the account's hold is not shared).
     */
    void holdCalls(Duration holdFor) {
        jdbc.update("UPDATE repeat_pacer SET next_slot = GREATEST(next_slot, now() + (? * interval "
                + "'1 millisecond')) WHERE id = 1", holdFor.toMillis());
    }

    /** Workato enqueued the repeat: true when the request was CALLING and is ACCEPTED now. */
    boolean accepted(RepeatRequest r, String repeatJobId) {
        return jdbc.update("UPDATE repeat_request SET state = 'ACCEPTED', accepted_at = now(), repeat_job_id = ?, "
                + "error = NULL WHERE incident_id = ? AND attempt = ? AND state = 'CALLING'",
                repeatJobId, r.incidentId(), r.attempt()) == 1;
    }

    /**
     * The call certainly had no effect (unreachable, throttled, breaker open): the request is PENDING again, due
     * in {@code retryIn} (on the database's clock); no attempt is spent. Returns its next try, empty when it was
     * no longer CALLING.
     */
    Optional<Instant> backToPending(RepeatRequest r, Duration retryIn, String error) {
        return jdbc.query("UPDATE repeat_request SET state = 'PENDING', sent_at = NULL, "
                + "next_try_at = now() + (? * interval '1 millisecond'), error = ? "
                + "WHERE incident_id = ? AND attempt = ? AND state = 'CALLING' RETURNING next_try_at",
                (rs, i) -> rs.getTimestamp(1).toInstant(), retryIn.toMillis(), error, r.incidentId(), r.attempt())
                .stream().findFirst();
    }

    /** Marks the request's deferral announced: true only the first time (an attempt's deferral is told once). */
    boolean firstDeferral(RepeatRequest r) {
        return jdbc.update("UPDATE repeat_request SET deferral_announced = true WHERE incident_id = ? "
                + "AND attempt = ? AND NOT deferral_announced", r.incidentId(), r.attempt()) == 1;
    }

    /** A request deferred by the account's hold, and when that hold ends (on the database's clock). */
    record HeldBack(RepeatRequest request, Instant holdEnds) {
    }

    /**
     * Workato asked this account to wait (a Retry-After any service received, in force for {@code held}): the
     * due requests that may be sent and whose deferral was not announced yet are marked announced (with the
     * {@code reason} as their error) and returned; nothing is claimed, the row stays due, the hold alone gates
     * it.
     */
    List<HeldBack> deferForAccountHold(Duration held, String reason) {
        return jdbc.query("UPDATE repeat_request r SET deferral_announced = true, error = ? "
                + "WHERE r.state = 'PENDING' AND r.next_try_at <= now() AND NOT r.deferral_announced AND NOT "
                + held("r") + " RETURNING " + COLUMNS + ", r.state AS previous_state, false AS overdue, "
                + "now() + (? * interval '1 millisecond') AS hold_ends", (rs, i) -> new HeldBack(MAPPER.mapRow(rs, i),
                        rs.getTimestamp("hold_ends").toInstant()), reason, held.toMillis());
    }

    /**
     * The call's answer is unknown: stay CALLING, so the next try, in
     * {@code retryIn} (on the database's clock), reconciles before calling.
     */
    void unknown(RepeatRequest r, Duration retryIn, String error) {
        jdbc.update("UPDATE repeat_request SET next_try_at = now() + (? * interval '1 millisecond'), error = ? "
                + "WHERE incident_id = ? AND attempt = ? AND state = 'CALLING'",
                retryIn.toMillis(), error, r.incidentId(), r.attempt());
    }

    /** Records the repeat job found for an accepted request. */
    void repeatJobFound(RepeatRequest r, String repeatJobId) {
        jdbc.update("UPDATE repeat_request SET repeat_job_id = ? WHERE incident_id = ? AND attempt = ? "
                + "AND repeat_job_id IS NULL", repeatJobId, r.incidentId(), r.attempt());
    }

    /** An attempt settled by {@link #finish}: how long it took from its request, and its repeat job (if any). */
    record Finished(Duration took, String repeatJobId) {
    }

    /** The attempt is over: DONE with its outcome, once. Empty when it was already DONE or CANCELLED. */
    Optional<Finished> finish(RepeatRequest r, RecoveryOutcome.Status status, String repeatJobId, String error) {
        return jdbc.query("UPDATE repeat_request SET state = 'DONE', outcome = ?, repeat_job_id = "
                        + "COALESCE(?, repeat_job_id), error = ?, finished_at = now(), claim_token = NULL "
                        + "WHERE incident_id = ? AND attempt = ? AND state NOT IN ('DONE', 'CANCELLED') "
                        + "RETURNING (EXTRACT(EPOCH FROM (finished_at - requested_at)) * 1000)::bigint, repeat_job_id",
                (rs, i) -> new Finished(Duration.ofMillis(Math.max(0, rs.getLong(1))), rs.getString(2)),
                status.name(), repeatJobId, error, r.incidentId(), r.attempt()).stream().findFirst();
    }

    /** Accepted requests, oldest first; {@code overdue} when accepted longer ago than {@code deadline}. */
    List<RepeatRequest> acceptedRequests(int limit, Duration deadline) {
        return jdbc.query("SELECT " + COLUMNS + ", r.state AS previous_state, "
                + "r.accepted_at < now() - (? * interval '1 millisecond') AS overdue FROM repeat_request r "
                + "WHERE r.state = 'ACCEPTED' ORDER BY r.accepted_at LIMIT ?", MAPPER, deadline.toMillis(), limit);
    }

    /** Repeat jobs already attributed to attempts on this original job, so no two attempts claim the same one. */
    Set<String> knownRepeatJobs(String jobId) {
        return Set.copyOf(jdbc.queryForList("SELECT repeat_job_id FROM repeat_request WHERE job_id = ? "
                + "AND repeat_job_id IS NOT NULL", String.class, jobId));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
