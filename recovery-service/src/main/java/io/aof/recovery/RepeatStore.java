package io.aof.recovery;

import io.aof.common.events.AofEvent;
import io.aof.common.events.RecoveryEvent.JobRepeated;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryEvent.RepeatCancelled;
import io.aof.common.events.RecoveryEvent.RepeatDeferred;
import io.aof.common.events.RecoveryCommand.OutcomeRequested;
import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The repeat intents and results, and the events that report them, changed together. */
@Repository
@Transactional
class RepeatStore {

    private static final String COLUMNS = "r.incident_id, r.attempt, r.workspace, r.recipe_id, r.job_id, "
            + "r.requested_at, r.call_started_at, r.accepted_at, r.repeat_job_id, r.claim_token";

    private static final RowMapper<RepeatRequest> MAPPER = (rs, i) -> new RepeatRequest(rs.getString("incident_id"),
            rs.getInt("attempt"), rs.getString("workspace"), rs.getLong("recipe_id"), rs.getString("job_id"),
            RepeatState.valueOf(rs.getString("previous_state")), instant(rs.getTimestamp("requested_at")),
            instant(rs.getTimestamp("call_started_at")), instant(rs.getTimestamp("accepted_at")),
            rs.getString("repeat_job_id"), rs.getObject("claim_token", UUID.class), rs.getBoolean("overdue"));

    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final MeterRegistry meters;

    RepeatStore(JdbcTemplate jdbc, Outbox outbox, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.meters = meters;
        // rare events: the series exist from the start (0)
        meters.counter("aof.repeats.fenced");
        meters.counter("aof.repeats.cancelled");
        meters.counter("aof.repeats.covered");
        for (String answer : new String[] {"republished", "not_requested", "in_progress"}) {
            meters.counter("aof.recovery.outcome.requests", "answer", answer);
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
    @Transactional(readOnly = true)
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
     * after such a success ({@link #request}), so it is settled there, in that
     * transaction. The two are serialized per incident (a transaction-scoped
     * advisory lock), so a request and a success committing at once cannot each
     * miss the other. Returns how many were settled.
     */
    private int settleCoveredBySuccess(String incidentId) {
        jdbc.query("SELECT pg_advisory_xact_lock(?, hashtext(?))", rs -> null, SETTLE_LOCK_CLASS, incidentId);
        int total = 0;
        List<RepeatRequest> settled;
        do {   // one statement sees a later attempt still held by the one it settles: again until none is left
            settled = jdbc.query(SETTLE_COVERED, MAPPER, incidentId);
            total += settled.size();
            settle(settled);
        } while (!settled.isEmpty());
        return total;
    }

    /** Key space of the per-incident advisory lock of {@link #settleCoveredBySuccess(String)} ("RPT1"). */
    private static final int SETTLE_LOCK_CLASS = 0x52505431;

    private void settle(List<RepeatRequest> settled) {
        for (RepeatRequest r : settled) {
            outbox.append(Topics.RECOVERY_EVENTS, new RecoveryOutcome(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(),
                    RecoveryOutcome.Status.SUCCEEDED, r.repeatJobId(), null, Duration.ZERO));
            meters.counter("aof.repeats.covered").increment();
            meters.counter("aof.recovery.outcomes", "status", RecoveryOutcome.Status.SUCCEEDED.name()).increment();
        }
    }

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
     * Records a request to repeat; a request of an incident cancelled up to (at
     * least) its attempt is recorded CANCELLED, reported, and never sent. Returns
     * false for a request already known.
     */
    boolean request(RecoveryRequested r) {
        List<String> state = jdbc.queryForList("""
                INSERT INTO repeat_request (incident_id, attempt, workspace, recipe_id, job_id, state, cancelled_at,
                                            cancel_reason, finished_at)
                SELECT ?, ?, ?, ?, ?, CASE WHEN t.incident_id IS NULL THEN 'PENDING' ELSE 'CANCELLED' END,
                       CASE WHEN t.incident_id IS NULL THEN NULL ELSE now() END, t.reason,
                       CASE WHEN t.incident_id IS NULL THEN NULL ELSE now() END
                  FROM (SELECT 1) one
                  LEFT JOIN repeat_cancellation t ON t.incident_id = ? AND t.up_to_attempt >= ?
                ON CONFLICT DO NOTHING
                RETURNING state
                """, String.class, r.incidentId(), r.attempt(), r.workspace(), r.recipeId(),
                r.jobId(), r.incidentId(), r.attempt());
        if (state.isEmpty()) {
            return false;
        }
        meters.counter("aof.repeats.requested").increment();
        if (RepeatState.valueOf(state.get(0)) == RepeatState.PENDING) {
            settleCoveredBySuccess(r.incidentId());   // an earlier attempt already recovered the job: never sent
        } else {
            String reason = jdbc.queryForObject("SELECT cancel_reason FROM repeat_request WHERE incident_id = ? "
                    + "AND attempt = ?", String.class, r.incidentId(), r.attempt());
            announceCancelled(r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(), reason);
        }
        return true;
    }

    /**
     * The incident was resolved or suppressed: every request of it up to
     * {@code upToAttempt} that was never sent is cancelled now (and reported); one
     * already sent (in flight, or its answer unknown) is marked so that it is never
     * sent again, and its answer, or its reconciliation, settles it. A tombstone
     * cancels a request that arrives later. Returns how many were cancelled now.
     */
    int cancel(RecoveryCancelled c) {
        int upTo = c.attempt() == null ? Integer.MAX_VALUE : c.attempt();
        String reason = c.reason() == null ? "cancelled" : c.reason();
        jdbc.update("INSERT INTO repeat_cancellation (incident_id, up_to_attempt, reason) VALUES (?, ?, ?) "
                + "ON CONFLICT (incident_id) DO UPDATE SET up_to_attempt = GREATEST(repeat_cancellation.up_to_attempt, "
                + "EXCLUDED.up_to_attempt), reason = EXCLUDED.reason, cancelled_at = now()",
                c.incidentId(), upTo, reason);
        List<RepeatRequest> cancelled = jdbc.query("UPDATE repeat_request r SET state = 'CANCELLED', "
                + "cancelled_at = now(), cancel_reason = ?, finished_at = now(), claim_token = NULL "
                + "WHERE incident_id = ? AND attempt <= ? AND (state = 'PENDING' OR (state = 'CALLING' "
                + "AND sent_at IS NULL)) RETURNING " + COLUMNS + ", r.state AS previous_state, false AS overdue",
                MAPPER, reason, c.incidentId(), upTo);
        jdbc.update("UPDATE repeat_request SET cancelled_at = now(), cancel_reason = ? WHERE incident_id = ? "
                + "AND attempt <= ? AND state = 'CALLING' AND cancelled_at IS NULL", reason, c.incidentId(), upTo);
        for (RepeatRequest r : cancelled) {
            announceCancelled(r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(), reason);
        }
        return cancelled.size();
    }

    /**
     * A sent request that was cancelled meanwhile, and whose call certainly had
     * no effect (or whose reconciliation found no repeat), ends CANCELLED instead
     * of being sent again. Only the claim holder may do it.
     */
    boolean settleCancelled(RepeatRequest r) {
        List<String> reason = jdbc.queryForList("UPDATE repeat_request SET state = 'CANCELLED', finished_at = now(), "
                + "claim_token = NULL WHERE incident_id = ? AND attempt = ? AND state = 'CALLING' "
                + "AND cancelled_at IS NOT NULL AND claim_token IS NOT DISTINCT FROM ? RETURNING cancel_reason",
                String.class, r.incidentId(), r.attempt(), r.claimToken());
        if (reason.isEmpty()) {
            return false;
        }
        announceCancelled(r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(), reason.get(0));
        return true;
    }

    /** True when the request was cancelled (whether or not it is settled yet). */
    @Transactional(readOnly = true)
    boolean isCancelled(RepeatRequest r) {
        return Boolean.TRUE.equals(jdbc.query("SELECT state = 'CANCELLED' OR cancelled_at IS NOT NULL FROM "
                + "repeat_request WHERE incident_id = ? AND attempt = ?", rs -> rs.next() && rs.getBoolean(1),
                r.incidentId(), r.attempt()));
    }

    private void announceCancelled(String workspace, long recipeId, String jobId, String incidentId, int attempt,
                                   String reason) {
        outbox.append(Topics.RECOVERY_EVENTS, new RepeatCancelled(UUID.randomUUID(), Instant.now(),
                AofEvent.SCHEMA_VERSION, workspace, recipeId, jobId, incidentId, attempt, reason));
        meters.counter("aof.repeats.cancelled").increment();
    }

    /**
     * The orchestrator asks for the outcome of an attempt: the recorded outcome
     * is published again (a new event id), or {@code RepeatCancelled} for a
     * cancelled request; {@code NOT_REQUESTED} when recovery never had the
     * request; while it is in progress (pending, sent, accepted, or waiting for an
     * earlier attempt of the incident) a sign of life, {@code RepeatDeferred} with
     * the state (and the row's next try while it is not sent), which restarts the
     * orchestrator's wait: recovery's own deadline settles an accepted repeat, and
     * a request waiting for Workato spends no attempt.
     */
    String answerOutcomeRequest(OutcomeRequested q) {
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT state, outcome, workspace, recipe_id, job_id, "
                + "repeat_job_id, error, cancel_reason, (EXTRACT(EPOCH FROM (finished_at - requested_at)) * 1000)"
                + "::bigint AS took_ms, CASE WHEN state IN ('PENDING', 'CALLING') THEN next_try_at END AS next_try, "
                + "(SELECT max(e.attempt) FROM repeat_request e WHERE e.incident_id = r.incident_id "
                + "AND e.attempt < r.attempt AND e.state NOT IN ('DONE', 'CANCELLED')) AS waits_for "
                + "FROM repeat_request r WHERE incident_id = ? AND attempt = ?",
                q.incidentId(), q.attempt());
        String answer;
        if (rows.isEmpty()) {
            outbox.append(Topics.RECOVERY_EVENTS, new RecoveryOutcome(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, q.workspace(), q.recipeId(), q.jobId(), q.incidentId(), q.attempt(),
                    RecoveryOutcome.Status.NOT_REQUESTED, null, "recovery never received a request for attempt "
                    + q.attempt(), Duration.ZERO));
            answer = "not_requested";
        } else {
            Map<String, Object> row = rows.get(0);
            RepeatState state = RepeatState.valueOf((String) row.get("state"));
            String workspace = (String) row.get("workspace");
            long recipeId = ((Number) row.get("recipe_id")).longValue();
            String jobId = (String) row.get("job_id");
            if (state == RepeatState.DONE) {
                Number took = (Number) row.get("took_ms");
                outbox.append(Topics.RECOVERY_EVENTS, new RecoveryOutcome(UUID.randomUUID(), Instant.now(),
                        AofEvent.SCHEMA_VERSION, workspace, recipeId, jobId, q.incidentId(), q.attempt(),
                        RecoveryOutcome.Status.valueOf((String) row.get("outcome")), (String) row.get("repeat_job_id"),
                        (String) row.get("error"), Duration.ofMillis(took == null ? 0 : took.longValue())));
                answer = "republished";
            } else if (state == RepeatState.CANCELLED) {
                outbox.append(Topics.RECOVERY_EVENTS, new RepeatCancelled(UUID.randomUUID(), Instant.now(),
                        AofEvent.SCHEMA_VERSION, workspace, recipeId, jobId, q.incidentId(), q.attempt(),
                        (String) row.get("cancel_reason")));
                answer = "republished";
            } else {
                // a sign of life: recovery still holds the attempt, so the orchestrator keeps waiting for it
                Number waitsFor = (Number) row.get("waits_for");
                Timestamp nextTry = (Timestamp) row.get("next_try");
                outbox.append(Topics.RECOVERY_EVENTS, new RepeatDeferred(UUID.randomUUID(), Instant.now(),
                        AofEvent.SCHEMA_VERSION, workspace, recipeId, jobId, q.incidentId(), q.attempt(),
                        "still in progress: " + state + (waitsFor == null ? "" : ", waits for attempt "
                                + waitsFor.intValue()), instant(nextTry)));
                answer = "in_progress";
            }
        }
        meters.counter("aof.recovery.outcome.requests", "answer", answer).increment();
        return answer;
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

    /** Workato enqueued the repeat. */
    void accepted(RepeatRequest r, String repeatJobId) {
        int n = jdbc.update("UPDATE repeat_request SET state = 'ACCEPTED', accepted_at = now(), repeat_job_id = ?, "
                + "error = NULL WHERE incident_id = ? AND attempt = ? AND state = 'CALLING'",
                repeatJobId, r.incidentId(), r.attempt());
        if (n == 1) {
            outbox.append(Topics.RECOVERY_EVENTS, new JobRepeated(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt()));
            meters.counter("aof.repeats", "result", "accepted").increment();
        }
    }

    /**
     * The call certainly had no effect (unreachable, throttled, breaker open): try
     * again in {@code retryIn} (on the database's clock); no attempt is spent. The
     * first deferral of an attempt is published as {@code RepeatDeferred}. A
     * request cancelled while its call was under way ends CANCELLED instead.
     */
    void notAttempted(RepeatRequest r, Duration retryIn, String error) {
        meters.counter("aof.repeats", "result", "not_attempted").increment();
        if (settleCancelled(r)) {
            return;
        }
        List<Instant> next = jdbc.query("UPDATE repeat_request SET state = 'PENDING', sent_at = NULL, "
                + "next_try_at = now() + (? * interval '1 millisecond'), error = ? "
                + "WHERE incident_id = ? AND attempt = ? AND state = 'CALLING' RETURNING next_try_at",
                (rs, i) -> rs.getTimestamp(1).toInstant(), retryIn.toMillis(), error, r.incidentId(), r.attempt());
        if (!next.isEmpty() && jdbc.update("UPDATE repeat_request SET deferral_announced = true WHERE incident_id = ? "
                + "AND attempt = ? AND NOT deferral_announced", r.incidentId(), r.attempt()) == 1) {
            outbox.append(Topics.RECOVERY_EVENTS, new RepeatDeferred(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(),
                    error, next.get(0)));
        }
    }

    /**
     * Workato asked this account to wait (a Retry-After any service received, in force for {@code held}): the
     * due requests that may be sent are not claimed; each one not yet announced as deferred is, once, with the
     * hold's end as its next try (as {@link #notAttempted} does after a call refused); the row stays due, the
     * hold alone gates it. Nothing is claimed and no call turn is taken. Returns how many were announced.
     */
    int deferForAccountHold(Duration held, String reason) {
        record Deferred(RepeatRequest r, Instant nextTry) {
        }
        List<Deferred> deferred = jdbc.query("UPDATE repeat_request r SET deferral_announced = true, error = ? "
                + "WHERE r.state = 'PENDING' AND r.next_try_at <= now() AND NOT r.deferral_announced AND NOT "
                + held("r") + " RETURNING " + COLUMNS + ", r.state AS previous_state, false AS overdue, "
                + "now() + (? * interval '1 millisecond') AS hold_ends", (rs, i) -> new Deferred(MAPPER.mapRow(rs, i),
                        rs.getTimestamp("hold_ends").toInstant()), reason, held.toMillis());
        for (Deferred d : deferred) {
            RepeatRequest q = d.r();
            outbox.append(Topics.RECOVERY_EVENTS, new RepeatDeferred(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, q.workspace(), q.recipeId(), q.jobId(), q.incidentId(), q.attempt(),
                    reason, d.nextTry()));
        }
        return deferred.size();
    }

    /**
     * The call's answer is unknown: stay CALLING, so the next try, in
     * {@code retryIn} (on the database's clock), reconciles before calling.
     */
    void unknown(RepeatRequest r, Duration retryIn, String error) {
        jdbc.update("UPDATE repeat_request SET next_try_at = now() + (? * interval '1 millisecond'), error = ? "
                + "WHERE incident_id = ? AND attempt = ? AND state = 'CALLING'",
                retryIn.toMillis(), error, r.incidentId(), r.attempt());
        meters.counter("aof.repeats", "result", "unknown").increment();
    }

    /** Records the repeat job found for an accepted request. */
    void repeatJobFound(RepeatRequest r, String repeatJobId) {
        jdbc.update("UPDATE repeat_request SET repeat_job_id = ? WHERE incident_id = ? AND attempt = ? "
                + "AND repeat_job_id IS NULL", repeatJobId, r.incidentId(), r.attempt());
    }

    /** The attempt is over: publish its outcome once. */
    void finish(RepeatRequest r, RecoveryOutcome.Status status, String repeatJobId, String error) {
        List<Long> took = jdbc.query("UPDATE repeat_request SET state = 'DONE', outcome = ?, repeat_job_id = "
                        + "COALESCE(?, repeat_job_id), error = ?, finished_at = now(), claim_token = NULL "
                        + "WHERE incident_id = ? AND attempt = ? AND state NOT IN ('DONE', 'CANCELLED') "
                        + "RETURNING (EXTRACT(EPOCH FROM (finished_at - requested_at)) * 1000)::bigint",
                (rs, i) -> rs.getLong(1), status.name(), repeatJobId, error, r.incidentId(), r.attempt());
        if (!took.isEmpty()) {
            Duration duration = Duration.ofMillis(Math.max(0, took.get(0)));
            outbox.append(Topics.RECOVERY_EVENTS, new RecoveryOutcome(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(),
                    status, repeatJobId != null ? repeatJobId : r.repeatJobId(), error, duration));
            meters.counter("aof.recovery.outcomes", "status", status.name()).increment();
            meters.timer("aof.recovery.duration").record(duration);
            if (status == RecoveryOutcome.Status.SUCCEEDED) {
                settleCoveredBySuccess(r.incidentId());   // later attempts waiting for this one are settled by it
            }
        }
    }

    /** Accepted requests, oldest first; {@code overdue} when accepted longer ago than {@code deadline}. */
    @Transactional(readOnly = true)
    List<RepeatRequest> acceptedRequests(int limit, Duration deadline) {
        return jdbc.query("SELECT " + COLUMNS + ", r.state AS previous_state, "
                + "r.accepted_at < now() - (? * interval '1 millisecond') AS overdue FROM repeat_request r "
                + "WHERE r.state = 'ACCEPTED' ORDER BY r.accepted_at LIMIT ?", MAPPER, deadline.toMillis(), limit);
    }

    /** Repeat jobs already attributed to attempts on this original job, so no two attempts claim the same one. */
    @Transactional(readOnly = true)
    Set<String> knownRepeatJobs(String jobId) {
        return Set.copyOf(jdbc.queryForList("SELECT repeat_job_id FROM repeat_request WHERE job_id = ? "
                + "AND repeat_job_id IS NOT NULL", String.class, jobId));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
