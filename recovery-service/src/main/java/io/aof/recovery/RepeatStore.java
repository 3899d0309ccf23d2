package io.aof.recovery;

import io.aof.common.events.AofEvent;
import io.aof.common.events.RecoveryEvent.JobRepeated;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryEvent.RepeatDeferred;
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
import java.util.Set;
import java.util.UUID;

/** The repeat intents and results, and the events that report them, changed together. */
@Repository
@Transactional
class RepeatStore {

    private static final RowMapper<RepeatRequest> MAPPER = (rs, i) -> new RepeatRequest(rs.getString("incident_id"),
            rs.getInt("attempt"), rs.getString("workspace"), rs.getLong("recipe_id"), rs.getString("job_id"),
            rs.getString("previous_state"), instant(rs.getTimestamp("requested_at")),
            instant(rs.getTimestamp("call_started_at")), instant(rs.getTimestamp("accepted_at")),
            rs.getString("repeat_job_id"));

    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final MeterRegistry meters;

    RepeatStore(JdbcTemplate jdbc, Outbox outbox, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.meters = meters;
    }

    /** Recipes with due requests, and the due time of each one's oldest. */
    @Transactional(readOnly = true)
    List<DueRecipe> dueRecipes() {
        return jdbc.query("SELECT recipe_id, min(next_try_at) FROM repeat_request WHERE state IN ('PENDING', "
                        + "'CALLING') AND next_try_at <= now() GROUP BY recipe_id",
                (rs, i) -> new DueRecipe(rs.getLong(1), rs.getTimestamp(2).toInstant()));
    }

    record DueRecipe(long recipeId, Instant oldestDue) {
    }

    /**
     * Claims up to {@code limit} due requests of one recipe, oldest first: they
     * turn CALLING, keep the time of their first call, and are leased so that no
     * other instance takes them meanwhile. {@code previous_state} CALLING means
     * an earlier call's answer is unknown.
     */
    List<RepeatRequest> claimDue(long recipeId, int limit, Duration lease) {
        return jdbc.query(CLAIM.replace("/*recipe*/", "AND recipe_id = ?"), MAPPER, lease.toMillis(), recipeId,
                limit);
    }

    private static final String CLAIM = """
            UPDATE repeat_request r
               SET state = 'CALLING', tries = r.tries + 1,
                   call_started_at = COALESCE(r.call_started_at, now()),
                   next_try_at = now() + (? * interval '1 millisecond')
              FROM (SELECT incident_id, attempt, state AS previous_state
                      FROM repeat_request
                     WHERE state IN ('PENDING', 'CALLING') AND next_try_at <= now() /*recipe*/
                     ORDER BY next_try_at
                     LIMIT ? FOR UPDATE SKIP LOCKED) c
             WHERE r.incident_id = c.incident_id AND r.attempt = c.attempt
            RETURNING r.incident_id, r.attempt, r.workspace, r.recipe_id, r.job_id, c.previous_state,
                      r.requested_at, r.call_started_at, r.accepted_at, r.repeat_job_id
            """;

    /**
     * Reserves the next repeat_jobs call slot for this instance: at least
     * {@code gap} after the previous slot of any instance, and not before
     * {@code notBefore} (a Retry-After). Returns how long to wait for it,
     * measured on the database's clock so that clock skew between instances
     * does not matter.
     */
    Duration reserveCallSlot(Duration gap, Instant notBefore) {
        return jdbc.queryForObject("UPDATE repeat_pacer SET next_slot = GREATEST(next_slot + (? * interval "
                        + "'1 millisecond'), now(), ?) WHERE id = 1 RETURNING next_slot, now()",
                (rs, i) -> Duration.between(rs.getTimestamp(2).toInstant(), rs.getTimestamp(1).toInstant()),
                gap.toMillis(), Timestamp.from(notBefore));
    }

    /**
     * The gate right before a {@code repeat_jobs} call. {@code last_call} is when the last call of any
     * instance ended (Workato counted it somewhere between its start and its answer): the turn is taken when
     * that is at least {@code gap} ago, and held until {@link #callEnded()} (or, if this instance dies in the
     * call, until {@code lease} runs out). Otherwise returns how long to wait.
     */
    Duration takeCallTurn(Duration gap, Duration lease) {
        int taken = jdbc.update("UPDATE repeat_pacer SET last_call = now() + (? * interval '1 millisecond') "
                + "WHERE id = 1 AND last_call <= now() - (? * interval '1 millisecond')", lease.toMillis(),
                gap.toMillis());
        if (taken == 1) {
            return Duration.ZERO;
        }
        Double ms = jdbc.queryForObject("SELECT EXTRACT(EPOCH FROM (last_call + (? * interval '1 millisecond') "
                + "- now())) * 1000 FROM repeat_pacer WHERE id = 1", Double.class, gap.toMillis());
        return Duration.ofMillis(Math.max(1, Math.min((long) Math.ceil(ms), gap.toMillis())));
    }

    /** The call taken by {@link #takeCallTurn} has its answer (or failed): the next one counts from now. */
    void callEnded() {
        jdbc.update("UPDATE repeat_pacer SET last_call = now() WHERE id = 1");
    }

    /** Pushes every instance's next slot to {@code notBefore} (Workato said Retry-After). */
    void holdCallsUntil(Instant notBefore) {
        jdbc.update("UPDATE repeat_pacer SET next_slot = GREATEST(next_slot, ?) WHERE id = 1",
                Timestamp.from(notBefore));
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
     * again later; no attempt is spent. The first deferral of an attempt is
     * published as {@code RepeatDeferred}.
     */
    void notAttempted(RepeatRequest r, Instant nextTry, String error) {
        int n = jdbc.update("UPDATE repeat_request SET state = 'PENDING', next_try_at = ?, error = ? "
                + "WHERE incident_id = ? AND attempt = ? AND state = 'CALLING'",
                Timestamp.from(nextTry), error, r.incidentId(), r.attempt());
        meters.counter("aof.repeats", "result", "not_attempted").increment();
        if (n == 1 && jdbc.update("UPDATE repeat_request SET deferral_announced = true WHERE incident_id = ? "
                + "AND attempt = ? AND NOT deferral_announced", r.incidentId(), r.attempt()) == 1) {
            outbox.append(Topics.RECOVERY_EVENTS, new RepeatDeferred(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(),
                    error, nextTry));
        }
    }

    /** The call's answer is unknown: stay CALLING, so the next try reconciles before calling. */
    void unknown(RepeatRequest r, Instant nextTry, String error) {
        jdbc.update("UPDATE repeat_request SET next_try_at = ?, error = ? "
                + "WHERE incident_id = ? AND attempt = ? AND state = 'CALLING'",
                Timestamp.from(nextTry), error, r.incidentId(), r.attempt());
        meters.counter("aof.repeats", "result", "unknown").increment();
    }

    /** Records the repeat job found for an accepted request. */
    void repeatJobFound(RepeatRequest r, String repeatJobId) {
        jdbc.update("UPDATE repeat_request SET repeat_job_id = ? WHERE incident_id = ? AND attempt = ? "
                + "AND repeat_job_id IS NULL", repeatJobId, r.incidentId(), r.attempt());
    }

    /** The attempt is over: publish its outcome once. */
    void finish(RepeatRequest r, RecoveryOutcome.Status status, String repeatJobId, String error) {
        int n = jdbc.update("UPDATE repeat_request SET state = 'DONE', outcome = ?, repeat_job_id = COALESCE(?, "
                        + "repeat_job_id), error = ?, finished_at = now() WHERE incident_id = ? AND attempt = ? "
                        + "AND state <> 'DONE'",
                status.name(), repeatJobId, error, r.incidentId(), r.attempt());
        if (n == 1) {
            Duration took = Duration.between(r.requestedAt(), Instant.now());
            outbox.append(Topics.RECOVERY_EVENTS, new RecoveryOutcome(UUID.randomUUID(), Instant.now(),
                    AofEvent.SCHEMA_VERSION, r.workspace(), r.recipeId(), r.jobId(), r.incidentId(), r.attempt(),
                    status, repeatJobId != null ? repeatJobId : r.repeatJobId(), error, took));
            meters.counter("aof.recovery.outcomes", "status", status.name()).increment();
            meters.timer("aof.recovery.duration").record(took);
        }
    }

    @Transactional(readOnly = true)
    List<RepeatRequest> acceptedRequests(int limit) {
        return jdbc.query("SELECT incident_id, attempt, workspace, recipe_id, job_id, state AS previous_state, "
                + "requested_at, call_started_at, accepted_at, repeat_job_id FROM repeat_request "
                + "WHERE state = 'ACCEPTED' ORDER BY accepted_at LIMIT ?", MAPPER, limit);
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
