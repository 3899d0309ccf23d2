package io.aof.orchestrator.incident;

import io.aof.common.events.AofEvent;
import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.JobFailed;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.RecipeEvent;
import io.aof.common.events.RecipeStopped;
import io.aof.common.events.RecoveryCommand;
import io.aof.common.events.RecoveryCommand.OutcomeRequested;
import io.aof.common.events.RecoveryEvent.JobRepeated;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryEvent.RepeatCancelled;
import io.aof.common.events.RecoveryEvent.RepeatDeferred;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.OperatorActed;
import io.aof.common.events.OperatorActed.Action;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.DomainException;
import io.aof.orchestrator.policy.Categorizer;
import io.aof.common.events.Category;
import io.aof.orchestrator.policy.OrchestratorProperties;
import io.aof.orchestrator.policy.PolicyBook;
import io.aof.orchestrator.policy.RetryPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * The incident state machine. Every method runs inside the caller's transaction
 * (the inbox's, the scheduler's, a sweep's, or an operator request's), and every
 * transition writes its events to the outbox in that same transaction: the state
 * and the facts about it commit together or not at all. Every path locks the
 * incident row before anything else of it (its schedule, its attempts), so no two
 * paths wait on each other in opposite orders.
 *
 * <pre>
 * OPEN -> RETRY_SCHEDULED(n) -> RETRYING(n) -> RECOVERED
 *                                           -> RETRY_SCHEDULED(n+1)   (FAILED, n < max)
 *                                           -> EXHAUSTED              (FAILED at max, REJECTED, TIMED_OUT,
 *                                                                      no outcome after the outcome sweep's asks)
 *                                           -> RETRYING(n)            (NOT_REQUESTED: the same attempt requested again)
 * OPEN -> NON_RETRYABLE                     (category not retryable, or collation says never repeat the job)
 * OPEN -> SUPPRESSED                        (recipe in a maintenance window)
 * RETRY_SCHEDULED | RETRYING(FAILED) -> SUPPRESSED   (the recipe's window began)
 * SUPPRESSED -> RETRY_SCHEDULED(n+1) | NON_RETRYABLE (window over: policy after-suppression)
 * EXHAUSTED | NON_RETRYABLE | SUPPRESSED | RETRYING past the outcome deadline
 *     -> REPLAY_REQUESTED -> RETRY_SCHEDULED(n+1)   (operator: fresh attempts)
 * any open or ended-unrecovered state -> MANUALLY_RESOLVED   (operator; a pending repeat is cancelled)
 * ESCALATED                                 (Workato stopped the recipe: people must act; never repeated)
 * OPEN | RETRY_SCHEDULED (due) | RETRYING(FAILED) | SUPPRESSED (window over)
 *     -> HELD                               (its upstream's outage is open: no attempt spent, nobody told)
 * HELD -> RETRYING(n+1)                     (chosen as the outage's probe)
 * HELD -> RETRY_SCHEDULED(n+1)              (the outage ended: released, oldest first, due now)
 * HELD -> EXHAUSTED                         (the outage ended past its maximum and the policy gives up)
 * </pre>
 *
 * Outages ({@link Outages}): a retryable failure whose upstream is known may open one (enough failures of that
 * upstream across recipes within the window) or join the open one; a success of any repeat against an upstream
 * in outage ends it.
 *
 * A request that may still be pending in recovery is cancelled
 * ({@code RecoveryCancelled}, up to the current attempt) whenever the
 * orchestrator stops waiting for it; every later request of the incident uses a
 * higher attempt number, so a cancellation never hits a request decided after it.
 */
@Service
@Transactional(propagation = Propagation.MANDATORY)
public class IncidentService {

    private static final Logger log = LoggerFactory.getLogger(IncidentService.class);

    static final Set<IncidentState> REPLAYABLE = EnumSet.of(IncidentState.EXHAUSTED, IncidentState.NON_RETRYABLE,
            IncidentState.SUPPRESSED, IncidentState.RETRYING);
    static final Set<IncidentState> RESOLVABLE = EnumSet.of(IncidentState.OPEN, IncidentState.RETRY_SCHEDULED,
            IncidentState.RETRYING, IncidentState.EXHAUSTED, IncidentState.NON_RETRYABLE, IncidentState.SUPPRESSED,
            IncidentState.ESCALATED, IncidentState.REPLAY_REQUESTED, IncidentState.HELD);

    private final IncidentStore incidents;
    private final RecipeSuppressionRepository suppressions;
    private final RecipeSuppressionStore windows;
    private final OperatorActionRepository operatorActions;
    private final Outages outages;
    private final OutageStore outageStore;
    private final Categorizer categorizer;
    private final PolicyBook policies;
    private final Outbox outbox;
    private final MeterRegistry meters;
    private final Clock clock;
    private final RandomGenerator jitter;
    private final OrchestratorProperties.OutcomeSweep sweep;
    private final String workspace;

    @Autowired
    IncidentService(IncidentStore incidents, RecipeSuppressionRepository suppressions,
                    RecipeSuppressionStore windows, OperatorActionRepository operatorActions, Outages outages,
                    OutageStore outageStore, Categorizer categorizer, PolicyBook policies, Outbox outbox,
                    MeterRegistry meters, Clock clock, RandomGenerator jitter, OrchestratorProperties props,
                    AofProperties aof) {
        this(incidents, suppressions, windows, operatorActions, outages, outageStore, categorizer, policies, outbox,
                meters, clock, jitter, props, aof.workspace());
    }

    IncidentService(IncidentStore incidents, RecipeSuppressionRepository suppressions,
                    RecipeSuppressionStore windows, OperatorActionRepository operatorActions, Outages outages,
                    OutageStore outageStore, Categorizer categorizer, PolicyBook policies, Outbox outbox,
                    MeterRegistry meters, Clock clock, RandomGenerator jitter, OrchestratorProperties props,
                    String workspace) {
        this.windows = windows;
        this.workspace = workspace;
        this.outages = outages;
        this.outageStore = outageStore;
        this.incidents = incidents;
        this.suppressions = suppressions;
        this.operatorActions = operatorActions;
        this.categorizer = categorizer;
        this.policies = policies;
        this.outbox = outbox;
        this.meters = meters;
        this.clock = clock;
        this.jitter = jitter;
        this.sweep = props.outcomeSweep();
        // published from the start (0), not only after the first action or rare event
        meters.counter("aof.operator.actions", "action", "replay");
        meters.counter("aof.operator.actions", "action", "resolve");
        meters.counter("aof.operator.actions", "action", "suppress");
        meters.counter("aof.operator.actions", "action", "unsuppress");
        for (String why : new String[] {"resolved", "suppressed", "replayed", "unanswered"}) {
            meters.counter("aof.retries.cancelled", "reason", why);
        }
        meters.counter("aof.outcomes.asked");
        meters.counter("aof.outcomes.unanswered");
        meters.counter("aof.retries.rerequested");
        meters.counter("aof.incidents.open.conflicts");
        meters.counter("aof.incidents.released", "decision", "SCHEDULED");
        meters.counter("aof.incidents.released", "decision", "NOT_REPEATED");
        meters.counter("aof.incidents.released", "decision", "HELD");
        meters.counter("aof.incidents.recipe.running.again");
    }

    /** A failed job: opens the incident of its original job, or notes a failed repeat of a known one. */
    public void onJobFailed(JobFailed e) {
        // the hot path: most failures open a new incident, so look with a plain statement before taking the entity
        var existing = incidents.exists(e.incidentId()) ? incidents.lock(e.incidentId()) : Optional.<Incident>empty();
        if (existing.isPresent()) {
            Incident i = existing.get();
            if (e.isRepeat()) {
                // The decision follows RecoveryOutcome; this is the same fact seen by collation.
                emit(new IncidentEvent.RepeatFailureObserved(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(),
                        i.recipeId(), i.originalJobId(), i.id(), i.attempt(), i.state(), i.category(), e.jobId(),
                        e.error()));
            } else {
                log.debug("Incident {} already open; ignoring a second sight of job {}", i.id(), e.jobId());
            }
            return;
        }
        Category category = categorizer.classify(e.errorType(), e.httpStatus(), e.error());
        RetryPolicy policy = policies.resolve(category, e.recipeId(), e.folderId(), e.recipeName());
        Instant now = now();
        String notRepeatable = e.notRepeatable() == null || e.notRepeatable().isBlank() ? null : e.notRepeatable();
        Incident incident = new Incident(e.incidentId(), e.workspace(), e.recipeId(), e.recipeName(), e.folderId(),
                e.originalJobId(), category, IncidentState.OPEN, 0, policy.maxAttempts(), null, e.error(), now,
                now, null, Incident.Kind.JOB_FAILURE, 0, notRepeatable, blankToNull(e.webhookSource()),
                blankToNull(e.upstream()), null, false);
        if (!incidents.insert(incident)) {
            // Another consumer (a zombie after a rebalance, a second instance) opened it since our look:
            // it announced and decided it; doing it again would announce it twice.
            meters.counter("aof.incidents.open.conflicts").increment();
            log.info("Incident {} was opened concurrently by another consumer; not opened again", e.incidentId());
            return;
        }
        meters.counter("aof.incidents.opened", "category", category.name()).increment();
        emit(new IncidentEvent.IncidentOpened(id(), now, AofEvent.SCHEMA_VERSION, e.workspace(), e.recipeId(),
                incident.originalJobId(), incident.id(), null, IncidentState.OPEN, category, e.recipeName(),
                e.error(), policy.maxAttempts(), incident.webhookSource()));
        incident = incidents.lock(incident.id()).orElseThrow();   // the stored one, to change (locked: ours)

        var suppression = activeWindow(e.recipeId());
        if (suppression.isPresent()) {
            holdForWindow(incident, null, suppression.get());
        } else {
            decide(incident, policy, e.error(), false, true);
        }
    }

    /**
     * What becomes of an incident nobody holds back (just opened, or its
     * maintenance window over): its next attempt is scheduled (or held, when its
     * upstream is in outage; {@code detect}: this failure may open that outage),
     * or people are told it will not be repeated. Returns the state it is left in
     * (RETRY_SCHEDULED, HELD or NON_RETRYABLE).
     */
    private IncidentState decide(Incident i, RetryPolicy policy, String error, boolean windowEnded, boolean detect) {
        if (i.notRepeatable() != null) {
            notRepeated(i, policy, "Not repeated: " + i.notRepeatable() + (error == null ? "" : "\n" + error));
        } else if (!policy.retryable() || i.attempt() >= i.maxAttempts()) {
            notRepeated(i, policy, error);
        } else if (windowEnded && policy.afterSuppression() == OrchestratorProperties.AfterSuppression.ANNOUNCE) {
            notRepeated(i, policy, "Failed during a maintenance window; not repeated (policy after-suppression: "
                    + "ANNOUNCE): replay it if it should run" + (error == null ? "" : "\n" + error));
        } else {
            var outage = detect ? outages.detect(i) : outages.openOf(i).map(o -> new Outages.Detected(o, false));
            if (outage.isPresent()) {
                Outage o = outage.get().outage();
                hold(i, o, null);
                if (outage.get().opened()) {
                    holdScheduled(o);
                    outages.announce(o);
                }
                return IncidentState.HELD;
            }
            boolean tellNow = policy.tellsOpsOnFirstFailure() && !i.announced() && i.outageId() == null
                    && !tellWhenSent(i, policy);
            Instant due = scheduleAttempt(i, i.attempt() + 1, policy, null, policy.delayBefore(i.attempt() + 1,
                    jitter), tellNow);
            if (tellNow) {
                notify(i, i.attempt() + 1, Audience.OPS, Kind.FIRST_FAILURE, policy.severity(), error, due);
            }
            return IncidentState.RETRY_SCHEDULED;
        }
        return IncidentState.NON_RETRYABLE;
    }

    /**
     * Whether the first failure of this incident is told when its first retry is sent rather than now: a
     * retryable failure whose upstream is known (outage awareness on), never held, not replayed, whose policy's
     * first retry (before jitter) is no later than its upstream's detection window (shipped: both 5 minutes).
     * Its upstream's outage may be detected before the retry is due; it is then held, and people hear of
     * it in the outage's thread only, not in one thread per job that failed before the detection. A policy whose
     * first retry is later than the window (an hour, say) tells at once: the wait would buy nothing.
     */
    private boolean tellWhenSent(Incident i, RetryPolicy policy) {
        return outages.enabled() && couldBeToldWhenSent(i)
                && policy.delayBefore(1, 0.0).compareTo(outages.windowOf(i.upstream())) <= 0;
    }

    /**
     * An incident whose first failure may still be untold when its first retry is sent: told then (see
     * {@link #tellWhenSent}), whether or not outage awareness is still on (switched off meanwhile, it would
     * otherwise never be told).
     */
    private static boolean couldBeToldWhenSent(Incident i) {
        return i.upstream() != null && i.outageId() == null && i.replays() == 0 && !i.announced();
    }

    private void notRepeated(Incident i, RetryPolicy policy, String error) {
        i.moveTo(IncidentState.NON_RETRYABLE, i.attempt(), null, null, false, incidents.databaseNow());
        emit(new IncidentEvent.IncidentNonRetryable(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(),
                i.recipeId(), i.originalJobId(), i.id(), null, IncidentState.NON_RETRYABLE, i.category(), error));
        if (policy.tellsOpsOnFinalFailure()) {
            notify(i, null, Audience.OPS, Kind.NON_RETRYABLE, policy.severity(), error);
        }
        if (policy.escalate()) {
            notify(i, null, Audience.SUPER_ADMIN, Kind.NON_RETRYABLE, Severity.CRITICAL, error);
        }
    }

    /**
     * The recipe is in a maintenance window: kept, not repeated, nobody told,
     * released when it ends; {@code lastError} (if not null) becomes its last error.
     */
    private void holdForWindow(Incident i, String lastError, RecipeSuppression window) {
        i.moveTo(IncidentState.SUPPRESSED, i.attempt(), null, lastError, false, incidents.databaseNow());
        emit(new IncidentEvent.IncidentSuppressed(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(),
                i.recipeId(), i.originalJobId(), i.id(), i.attempt() == 0 ? null : i.attempt(),
                IncidentState.SUPPRESSED, i.category(), window.until(), window.reason()));
    }

    /**
     * The recipe's maintenance window is over (ran out, or ended by an operator):
     * the suppressed incident is decided as if it had just failed, by its
     * policy's {@code after-suppression}. Called by the release sweep with the
     * incident locked; a no-op for an incident another orchestrator released, or
     * whose window was extended meanwhile, so each is released once, and for one
     * suppressed before windows were released (closed: it stays as it was).
     */
    public void releaseSuppressed(String incidentId) {
        Incident i = incidents.lock(incidentId).orElse(null);
        if (i == null || i.state() != IncidentState.SUPPRESSED || i.closedAt() != null
                || windows.hasActive(i.recipeId())) {
            return;
        }
        IncidentState after = decide(i, policyOf(i), i.lastError(), true, false);
        String decision = after == IncidentState.RETRY_SCHEDULED ? "SCHEDULED" : after == IncidentState.HELD ? "HELD"
                : "NOT_REPEATED";
        meters.counter("aof.incidents.released", "decision", decision).increment();
        log.info("Maintenance window of recipe {} is over: incident {} {}", i.recipeId(), incidentId,
                switch (decision) {
                    case "SCHEDULED" -> "scheduled for attempt " + (i.attempt() + 1);
                    case "HELD" -> "held: its upstream " + i.upstream() + " is in outage";
                    default -> "announced, not repeated";
                });
    }

    /**
     * Operator: a maintenance window for a recipe. Its failures from now on are
     * kept but not repeated or announced until the window ends; its incidents
     * waiting for a retry wait for the window instead, and a repeat requested but
     * maybe not yet sent is cancelled (the incident follows when recovery says it
     * was cancelled, or its outcome if the call had already gone).
     */
    public void suppressRecipe(long recipeId, Instant until, String reason, String by) {
        RecipeSuppression window = suppressions.suppress(recipeId, until, reason, by).orElse(null);
        audit(by, Action.SUPPRESS, null, recipeId, "recipe " + recipeId + " until " + until, reason);
        meters.counter("aof.operator.actions", "action", "suppress").increment();
        if (window == null) {
            return;   // already over on the database's clock: nothing to hold
        }
        for (String incidentId : incidents.pendingOfRecipe(recipeId)) {
            Incident i = incidents.lock(incidentId).orElseThrow();
            if (i.state() == IncidentState.RETRY_SCHEDULED) {
                incidents.unschedule(i.id());
                holdForWindow(i, null, window);
            } else if (i.state() == IncidentState.RETRYING) {
                cancelPending(i, "recipe suppressed by " + by + ": " + reason, "suppressed");
            }
        }
    }

    /** Workato stopped a recipe: an incident of its own kind, escalated at once, never repeated. */
    public void onRecipeStopped(RecipeStopped e) {
        Instant now = now();
        Incident incident = new Incident(e.incidentId(), e.workspace(), e.recipeId(), e.recipeName(), e.folderId(),
                "-", Category.PLATFORM, IncidentState.ESCALATED, 0, 0, null,
                "Recipe stopped by Workato: " + e.stopCause(), now, now, null, Incident.Kind.RECIPE_STOPPED, 0, null, null, null,
                null, true);
        if (!incidents.insert(incident)) {
            return;
        }
        meters.counter("aof.incidents.opened", "category", "RECIPE_STOPPED").increment();
        emit(new IncidentEvent.RecipeStoppedEscalated(id(), now, AofEvent.SCHEMA_VERSION, e.workspace(),
                e.recipeId(), null, incident.id(), null, IncidentState.ESCALATED, incident.category(), e.recipeName(),
                e.stopCause(), e.stoppedAt()));
        String why = "Workato stopped the recipe (" + e.stopCause() + "); its trigger needs attention";
        notify(incident, null, Audience.OPS, Kind.RECIPE_STOPPED, Severity.CRITICAL, why);
        notify(incident, null, Audience.SUPER_ADMIN, Kind.RECIPE_STOPPED, Severity.CRITICAL, why);
    }

    /**
     * A recipe Workato had stopped runs again: the incident its stop opened closes by itself (RECOVERED, nothing
     * was repeated), and its thread and the super admin's escalation say so. A no-op when that incident is
     * closed already (resolved by hand) or unknown.
     */
    public void onRecipeRunningAgain(RecipeEvent.RecipeRunningAgain e) {
        Incident i = incidents.lock(e.incidentId()).orElse(null);
        if (i == null || i.kind() != Incident.Kind.RECIPE_STOPPED || i.state() != IncidentState.ESCALATED) {
            return;
        }
        i.moveTo(IncidentState.RECOVERED, i.attempt(), null, null, false, incidents.databaseNow());
        emit(new IncidentEvent.IncidentRecovered(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                null, i.id(), null, IncidentState.RECOVERED, i.category(), null));
        meters.counter("aof.incidents.recipe.running.again").increment();
        String why = "The recipe runs again (it had been stopped by Workato at " + e.stoppedAt() + ")";
        notify(i, null, Audience.OPS, Kind.RECOVERED, Severity.INFO, why, null, "Recipe running again");
        notify(i, null, Audience.SUPER_ADMIN, Kind.RECOVERED, Severity.INFO, why, null, "Recipe running again");
    }

    /** A due retry: hand the attempt to recovery. Called by the scheduler with the incident locked. */
    public void startAttempt(String incidentId, int attempt) {
        Incident i = incidents.lock(incidentId).orElseThrow();
        incidents.unschedule(incidentId);
        if (i.state() != IncidentState.RETRY_SCHEDULED || i.attempt() + 1 != attempt) {
            log.warn("Dropping stale schedule of {} attempt {} (incident is {} at attempt {})", incidentId, attempt,
                    i.state(), i.attempt());
            return;
        }
        var outage = outages.openOf(i);
        if (outage.isPresent()) {
            hold(i, outage.get(), null);   // not sent against an upstream that is down: no attempt spent
            return;
        }
        boolean tell = attempt == 1 && couldBeToldWhenSent(i) && policyOf(i).tellsOpsOnFirstFailure();
        send(i, attempt, tell);
        if (tell) {
            // its first failure, told now that no outage of its upstream holds it (see tellWhenSent)
            notify(i, attempt, Audience.OPS, Kind.FIRST_FAILURE, policyOf(i).severity(), i.lastError(), now());
        }
    }

    /** Attempt {@code attempt} of the (locked) incident goes to recovery. */
    private void send(Incident i, int attempt) {
        send(i, attempt, false);
    }

    /** {@code announce}: ops are told of the incident one by one from now on (recorded with the state). */
    private void send(Incident i, int attempt, boolean announce) {
        String incidentId = i.id();
        Instant now = incidents.databaseNow();
        i.moveTo(IncidentState.RETRYING, attempt, null, null, announce, now);
        i.attemptRequested(attempt, now);
        outbox.append(Topics.RECOVERY_REQUESTS, incidentId,
                RecoveryRequested.of(i.workspace(), i.recipeId(), i.originalJobId(), incidentId, attempt));
        emit(new IncidentEvent.RetryStarted(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), incidentId, attempt, IncidentState.RETRYING, i.category()));
        meters.counter("aof.retries.requested", "category", i.category().name()).increment();
    }

    /** Workato accepted the repeat: the outcome deadline counts from now. */
    public void onJobRepeated(JobRepeated e) {
        incidents.lock(e.incidentId()).flatMap(i -> i.attemptNo(e.attempt()))
                .ifPresent(a -> a.accepted(e.occurredAt(), incidents.databaseNow()));
    }

    /**
     * Recovery holds the attempt (it waits for Workato, or answered an ask with
     * "still in progress"), each time, not only at its first deferral: the
     * outcome deadline counts from now and the unanswered asks from zero.
     */
    public void onRepeatDeferred(RepeatDeferred e) {
        incidents.lock(e.incidentId()).flatMap(i -> i.attemptNo(e.attempt()))
                .ifPresent(a -> a.waiting(incidents.databaseNow()));
    }

    /**
     * Recovery cancelled a request before sending it. For an incident still
     * waiting for that attempt (its recipe was suppressed), the attempt was not
     * spent: it is given back, and the incident waits for the window (or is
     * decided at once if the window is already over). Otherwise (resolved,
     * given up) nothing changes.
     */
    public void onRepeatCancelled(RepeatCancelled e) {
        Incident i = incidents.lock(e.incidentId()).orElse(null);
        if (i == null || i.state() != IncidentState.RETRYING || i.attempt() != e.attempt()) {
            log.debug("Repeat of {} attempt {} cancelled: {}", e.incidentId(), e.attempt(), e.reason());
            return;
        }
        finishAttempt(i, i.attempt(), "CANCELLED", null, e.reason());
        // numbers up to this attempt are cancelled for good: the next attempt takes the next number
        i.allowOneMoreAttempt();
        var window = activeWindow(i.recipeId());
        if (window.isPresent()) {
            holdForWindow(i, null, window.get());
        } else {
            decide(i, policyOf(i), i.lastError(), true, false);
        }
    }

    /**
     * The incident's upstream is in outage {@code o}: its next attempt is held (nothing scheduled or sent, no
     * attempt spent, nobody told one by one) until the outage ends.
     */
    private void hold(Incident i, Outage o, String lastError) {
        incidents.unschedule(i.id());
        i.heldFor(o.id(), lastError, incidents.databaseNow());
        emit(new IncidentEvent.IncidentHeld(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), i.attempt(), IncidentState.HELD, i.category(), o.id(), o.upstream()));
        outages.held();
    }

    /**
     * An outage just opened: the incidents of its upstream waiting for a retry are held now rather than when the
     * retry comes due (so its figures and the ops page say at once what it holds). Incidents locked by another
     * path now are skipped, never waited for: they are held when their retry comes due.
     */
    private void holdScheduled(Outage o) {
        for (String id : outageStore.lockScheduledOf(o.workspace(), o.upstream(), 10_000)) {
            Incident member = incidents.lock(id).orElseThrow();
            if (member.state() == IncidentState.RETRY_SCHEDULED) {
                hold(member, o, null);
            }
        }
    }

    /**
     * The outage sweep chose this held member (locked, {@code SKIP LOCKED}) to probe outage {@code o} (locked):
     * its next attempt is sent now. A no-op for one that is no longer held.
     */
    boolean startProbe(String incidentId, Outage o) {
        Incident i = incidents.lock(incidentId).orElse(null);
        if (i == null || i.state() != IncidentState.HELD || i.attempt() >= i.maxAttempts()) {
            return false;
        }
        int probe = i.attempt() + 1;
        send(i, probe);
        outages.probeStarted(o, i.id(), probe);
        return true;
    }

    /**
     * The held incident's outage has ended (the release sweep holds the incident's lock): its next attempt is
     * scheduled {@code delay} from now (the sweep spaces them so they start oldest first), attempt counter
     * unchanged; or it is exhausted when the outage was given up. A recipe's maintenance window still wins;
     * an outage of its upstream opened again holds it again.
     */
    public void releaseHeld(String incidentId, Outage.AfterEnd afterEnd, Duration delay) {
        Incident i = incidents.lock(incidentId).orElse(null);
        if (i == null || i.state() != IncidentState.HELD) {
            return;
        }
        RetryPolicy policy = policyOf(i);
        outages.released();
        if (afterEnd == Outage.AfterEnd.EXHAUST) {
            exhaust(i, i.attempt(), "its upstream " + i.upstream() + " stayed down past the outage's maximum; "
                    + "replay it when the upstream is back", i.lastError(), policy, false);
            return;
        }
        var window = activeWindow(i.recipeId());
        if (window.isPresent()) {
            holdForWindow(i, null, window.get());
        } else if (i.notRepeatable() != null || !policy.retryable() || i.attempt() >= i.maxAttempts()
                || outages.openOf(i).isPresent()) {
            decide(i, policy, i.lastError(), false, false);
        } else {
            scheduleAttempt(i, i.attempt() + 1, policy, null, delay);
        }
    }

    /** How a repeat ended decides what happens next. Outcomes of another attempt than the current are stale. */
    public void onRecoveryOutcome(RecoveryOutcome o) {
        var found = incidents.lock(o.incidentId());
        if (found.isEmpty()) {
            log.warn("Outcome for unknown incident {}", o.incidentId());
            return;
        }
        Incident i = found.get();
        if (i.state() != IncidentState.RETRYING || i.attempt() != o.attempt()) {
            log.warn("Ignoring stale outcome {} of {} attempt {} (incident is {} at attempt {})", o.status(),
                    o.incidentId(), o.attempt(), i.state(), i.attempt());
            return;
        }
        if (o.status() == RecoveryOutcome.Status.NOT_REQUESTED) {
            // Recovery never had the request (lost before it was stored): nothing was repeated, so the
            // same attempt is requested again; recovery's (incident, attempt) key makes a duplicate harmless.
            i.attemptNo(i.attempt()).ifPresent(a -> a.waiting(incidents.databaseNow()));
            outbox.append(Topics.RECOVERY_REQUESTS, i.id(),
                    RecoveryRequested.of(i.workspace(), i.recipeId(), i.originalJobId(), i.id(), i.attempt()));
            meters.counter("aof.retries.rerequested").increment();
            log.warn("Recovery never had attempt {} of {}: requested again", i.attempt(), i.id());
            return;
        }
        finishAttempt(i, o.attempt(), o.status().name(), o.repeatJobId(), o.error());
        meters.counter("aof.recoveries", "outcome", o.status().name(), "category", i.category().name()).increment();
        RetryPolicy policy = policyOf(i);
        var outage = outages.anyOpenOf(i);
        boolean probeFailed = o.status() == RecoveryOutcome.Status.FAILED
                || o.status() == RecoveryOutcome.Status.TIMED_OUT;
        if (outage.isPresent() && probeFailed && Outages.isProbe(outage.get(), i.id(), o.attempt())) {
            outages.probeFailed(outage.get(), i.id(), o.attempt());   // a repeat that hangs: the upstream too
        }
        // a probe Workato REJECTED says nothing of the upstream: its incident is exhausted below, and the next
        // sweep finds the probe no longer in flight and probes another member at once (Outages#probeLost)
        switch (o.status()) {
            case SUCCEEDED -> {
                outage.ifPresent(down -> outages.upstreamAnswered(down, i.id(), o.attempt()));
                i.moveTo(IncidentState.RECOVERED, i.attempt(), null, null, false, incidents.databaseNow());
                emit(new IncidentEvent.IncidentRecovered(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(),
                        i.recipeId(), i.originalJobId(), i.id(), o.attempt(), IncidentState.RECOVERED, i.category(),
                        o.repeatJobId()));
                meters.timer("aof.time.to.recovery", "category", i.category().name())
                        .record(Duration.between(i.openedAt(), now()));
                if (policy.tellsOpsOnRecovery() && (i.outageId() == null || i.announced())) {
                    // an outage's members are not told one by one (the outage's thread says they were released),
                    // unless their failure was told before the outage opened: their own thread is closed
                    notify(i, o.attempt(), Audience.OPS, Kind.RECOVERED, Severity.INFO, null);
                }
            }
            case FAILED -> {
                var window = activeWindow(i.recipeId());
                if (o.attempt() < i.maxAttempts() && window.isPresent()) {
                    holdForWindow(i, o.error(), window.get());   // i.attempt() is o.attempt(): checked above
                } else if (o.attempt() < i.maxAttempts() && outage.isPresent() && outages.enabled()) {
                    hold(i, outage.get(), o.error());
                } else if (o.attempt() < i.maxAttempts()) {
                    Instant due = scheduleAttempt(i, o.attempt() + 1, policy, o.error(),
                            policy.delayBefore(o.attempt() + 1, jitter), policy.tellsOpsOnEachAttempt());
                    if (policy.tellsOpsOnEachAttempt()) {
                        notify(i, o.attempt(), Audience.OPS, Kind.ATTEMPT_FAILED, policy.severity(), o.error(), due);
                    }
                } else {
                    exhaust(i, o.attempt(), "all " + i.maxAttempts() + " attempts failed", o.error(), policy, false);
                }
            }
            case REJECTED -> exhaust(i, o.attempt(), "Workato refused to repeat the job: " + o.error(), o.error(),
                    policy, false);
            case TIMED_OUT -> exhaust(i, o.attempt(), "the repeat did not finish in time; not repeated again to "
                    + "avoid running the job twice", o.error(), policy, false);
            case NOT_REQUESTED -> throw new IllegalStateException("handled above");
        }
    }

    /**
     * The outcome sweep found the incident's current attempt without outcome or
     * sign from recovery past the deadline (the incident is locked). Below the
     * bound it asks recovery for the outcome; at the bound it gives up: the
     * request is cancelled in case it is still pending, and the incident is
     * exhausted with the reason and an alert. It is never repeated blindly: a
     * repeat that may have run must not run twice.
     */
    public void settleOverdue(IncidentStore.Overdue overdue) {
        Incident i = incidents.lock(overdue.incidentId()).orElse(null);
        if (i == null || i.state() != IncidentState.RETRYING || i.attempt() != overdue.attempt()) {
            return;
        }
        if (overdue.asks() < sweep.maxAsks()) {
            i.attemptNo(i.attempt()).ifPresent(a -> a.asked(incidents.databaseNow()));
            outbox.append(Topics.RECOVERY_REQUESTS, i.id(),
                    OutcomeRequested.of(i.workspace(), i.recipeId(), i.originalJobId(), i.id(), i.attempt()));
            meters.counter("aof.outcomes.asked").increment();
            log.warn("No outcome of attempt {} of {} since {}: asking recovery ({} of {})", i.attempt(), i.id(),
                    overdue.waitingSince(), overdue.asks() + 1, sweep.maxAsks());
            return;
        }
        String reason = "recovery reported no outcome of attempt " + i.attempt() + " since " + overdue.waitingSince()
                + " and did not answer " + overdue.asks() + " asks; not repeated again to avoid running the job "
                + "twice: check in Workato whether the repeat ran, then replay or resolve";
        cancelPending(i, reason, "unanswered");
        finishAttempt(i, i.attempt(), "UNANSWERED", null, reason);
        meters.counter("aof.outcomes.unanswered").increment();
        exhaust(i, i.attempt(), reason, null, policyOf(i), true);
    }

    /**
     * Operator: fresh attempts for an incident that ended without recovery, or
     * whose attempt has been RETRYING past the outcome deadline (its request is
     * cancelled if still pending). The first is due at once; the policy's
     * attempts count again from here.
     */
    public Incident replay(String incidentId, String by, String reason) {
        Incident i = incidents.lock(incidentId).orElseThrow(() -> notFound(incidentId));
        if (i.kind() == Incident.Kind.RECIPE_STOPPED || !REPLAYABLE.contains(i.state())) {
            throw conflict("Incident " + incidentId + " is " + i.state() + (i.kind() == Incident.Kind.RECIPE_STOPPED
                    ? " (a stopped recipe: restart it in Workato)" : "") + "; only " + REPLAYABLE
                    + " incidents of failed jobs can be replayed");
        }
        if (i.notRepeatable() != null) {
            throw conflict("Incident " + incidentId + " must never be repeated: " + i.notRepeatable());
        }
        if (i.state() == IncidentState.RETRYING) {
            if (!incidents.overdue(incidentId, i.attempt(), sweep.deadline())) {
                throw conflict("Incident " + incidentId + " is RETRYING: attempt " + i.attempt() + " is in progress. "
                        + "Wait for its outcome (recovery is asked after " + sweep.deadline() + " without news), "
                        + "or resolve the incident");
            }
            cancelPending(i, "replayed by " + by + ": " + reason, "replayed");
            finishAttempt(i, i.attempt(), "ABANDONED", null, "replayed by " + by);
        }
        RetryPolicy policy = policyOf(i);
        int fresh = Math.max(1, policy.maxAttempts());
        i.replayed(i.attempt() + fresh);
        audit(by, Action.REPLAY, incidentId, i.recipeId(), incidentId, reason);
        emit(new IncidentEvent.ReplayRequested(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), i.attempt(), IncidentState.REPLAY_REQUESTED, i.category(), by, reason,
                fresh));
        scheduleAttempt(i, i.attempt() + 1, policy, null, Duration.ZERO);
        meters.counter("aof.operator.actions", "action", "replay").increment();
        return i;
    }

    /**
     * Operator: closes the incident by hand. Its scheduled retry is dropped and a
     * repeat requested but not yet sent is cancelled, in this transaction; a call
     * already made is not taken back, and its outcome is ignored.
     */
    public Incident resolve(String incidentId, String by, String reason) {
        Incident i = incidents.lock(incidentId).orElseThrow(() -> notFound(incidentId));
        if (!RESOLVABLE.contains(i.state())) {
            throw conflict("Incident " + incidentId + " is already " + i.state());
        }
        incidents.unschedule(incidentId);
        if (i.state() == IncidentState.RETRYING) {
            cancelPending(i, "resolved by " + by + ": " + reason, "resolved");
        }
        IncidentState was = i.state();
        i.moveTo(IncidentState.MANUALLY_RESOLVED, i.attempt(), null, null, false, incidents.databaseNow());
        audit(by, Action.RESOLVE, incidentId, i.recipeId(), incidentId, reason);
        emit(new IncidentEvent.ResolvedManually(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), i.attempt(), IncidentState.MANUALLY_RESOLVED, i.category(), was, by,
                reason));
        // closes the incident's thread in Slack (and stops a super-admin escalation repeating)
        notify(i, i.attempt(), Audience.OPS, Kind.RESOLVED_MANUALLY, Severity.INFO,
                "Resolved by " + by + (reason == null || reason.isBlank() ? "" : ": " + reason));
        meters.counter("aof.operator.actions", "action", "resolve").increment();
        return i;
    }

    /** Tells recovery never to send a request of this incident up to its current attempt (keyed: after the request). */
    private void cancelPending(Incident i, String reason, String why) {
        outbox.append(Topics.RECOVERY_REQUESTS, i.id(), RecoveryCommand.RecoveryCancelled.of(i.workspace(),
                i.recipeId(), i.originalJobId(), i.id(), i.attempt(), reason));
        meters.counter("aof.retries.cancelled", "reason", why).increment();
    }

    private Instant scheduleAttempt(Incident i, int attempt, RetryPolicy policy, String lastError, Duration delay) {
        return scheduleAttempt(i, attempt, policy, lastError, delay, false);
    }

    /** {@code announce}: ops are told of this incident one by one from now on (recorded in the same statement). */
    private Instant scheduleAttempt(Incident i, int attempt, RetryPolicy policy, String lastError, Duration delay,
                                    boolean announce) {
        Instant due = incidents.schedule(i.id(), attempt, delay);
        i.moveTo(IncidentState.RETRY_SCHEDULED, attempt - 1, due, lastError, announce, incidents.databaseNow());
        emit(new IncidentEvent.RetryScheduled(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), attempt, IncidentState.RETRY_SCHEDULED, i.category(), due,
                i.maxAttempts()));
        meters.counter("aof.retries.scheduled", "category", i.category().name()).increment();
        return due;
    }

    private void exhaust(Incident i, int attempt, String reason, String lastError, RetryPolicy policy,
                         boolean alwaysAlert) {
        i.moveTo(IncidentState.EXHAUSTED, attempt, null, lastError, false, incidents.databaseNow());
        emit(new IncidentEvent.RetriesExhausted(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), attempt, IncidentState.EXHAUSTED, i.category(), reason,
                lastError != null ? lastError : i.lastError()));
        meters.counter("aof.incidents.exhausted", "category", i.category().name()).increment();
        String error = alwaysAlert ? reason : lastError != null ? lastError : i.lastError();
        String title = alwaysAlert ? "No outcome of the repeat; not repeated again" : null;
        if (policy.tellsOpsOnFinalFailure() || alwaysAlert && !policy.escalate()) {
            notify(i, attempt, Audience.OPS, Kind.EXHAUSTED, alwaysAlert ? Severity.CRITICAL : policy.severity(),
                    error, null, title);
        }
        if (policy.escalate()) {
            notify(i, attempt, Audience.SUPER_ADMIN, Kind.EXHAUSTED, Severity.CRITICAL, error, null, title);
        }
    }

    /** How the incident's attempt {@code n} ended (nothing when it was never requested). */
    private void finishAttempt(Incident i, int n, String outcome, String repeatJobId, String error) {
        i.attemptNo(n).ifPresent(a -> a.finished(outcome, repeatJobId, error, incidents.databaseNow()));
    }

    /** The recipe's maintenance window if one is on (read as JPA only when a plain statement says there is one). */
    private Optional<RecipeSuppression> activeWindow(long recipeId) {
        return windows.hasActive(recipeId) ? suppressions.findActive(recipeId) : Optional.empty();
    }

    private RetryPolicy policyOf(Incident i) {
        return policies.resolve(i.category(), i.recipeId(), i.folderId(), i.recipeName());
    }

    private void notify(Incident i, Integer attempt, Audience audience, Kind kind, Severity severity, String error) {
        notify(i, attempt, audience, kind, severity, error, null);
    }

    private void notify(Incident i, Integer attempt, Audience audience, Kind kind, Severity severity, String error,
                        Instant nextRetryAt) {
        notify(i, attempt, audience, kind, severity, error, nextRetryAt, null);
    }

    private void notify(Incident i, Integer attempt, Audience audience, Kind kind, Severity severity, String error,
                        Instant nextRetryAt, String titleOverride) {
        String title = titleOverride != null ? titleOverride : switch (kind) {
            case FIRST_FAILURE -> "Job failed; retrying";
            case ATTEMPT_FAILED -> "Retry failed; retrying again";
            case NON_RETRYABLE -> "Job failed; not retryable";
            case RECOVERED -> "Job recovered";
            case EXHAUSTED -> "Job still failing after all retries";
            case RECIPE_STOPPED -> "Recipe stopped by Workato";
            case RESOLVED_MANUALLY -> "Incident resolved by hand";
            case REPORT, AOF_TROUBLE, OUTAGE_STARTED, OUTAGE_UPDATED, OUTAGE_ENDED ->
                    throw new IllegalArgumentException(kind + " does not come from an incident");
        };
        String dedupKey = i.id() + ":" + kind + ":" + audience + ":r" + i.replays()
                + (kind == Kind.ATTEMPT_FAILED ? ":" + attempt : "");
        outbox.append(Topics.NOTIFICATION_REQUESTS, new NotificationRequested(id(), now(), AofEvent.SCHEMA_VERSION,
                i.workspace(), i.recipeId(), i.originalJobId(), i.id(), attempt, audience, kind, severity, dedupKey,
                title, i.recipeName(), i.category().name(), i.maxAttempts(), error, i.folderId(), nextRetryAt, null));
    }

    /**
     * Operator: an outage of {@code upstream} until {@code until} (a maintenance of that system): its retryable
     * failures are held from now on, its scheduled retries when they come due, until the window is over (or it
     * is ended early); declared again while open, the window is replaced.
     */
    public Outage declareOutage(String upstream, Instant until, String reason, String by) {
        Outage o = outages.declare(workspace, upstream, until, reason, by);
        audit(by, Action.DECLARE_OUTAGE, null, null, "outage " + o.id() + " of " + upstream + " until " + until,
                reason);
        return o;
    }

    /** Operator: ends an open outage now (its held members are released); false when it had ended. */
    public boolean endOutage(Outage o, String by, String reason) {
        if (!outages.endByOperator(o, by, reason)) {
            return false;
        }
        audit(by, Action.END_OUTAGE, null, null, "outage " + o.id() + " of " + o.upstream(), reason);
        return true;
    }

    /** Operator: ends a recipe's maintenance window now; false when it had none. */
    public boolean unsuppressRecipe(long recipeId, String by, String reason) {
        if (suppressions.end(recipeId) == 0) {
            return false;
        }
        audit(by, Action.UNSUPPRESS, null, recipeId, "recipe " + recipeId, reason);
        meters.counter("aof.operator.actions", "action", "unsuppress").increment();
        return true;
    }

    /**
     * The audit record of an operator action, in the action's transaction: the orchestrator's own table (kept
     * {@code operator_action} retention) and the central log ({@link OperatorActed}, read by {@code GET /api/audit}).
     */
    private void audit(String by, Action action, String incidentId, Long recipeId, String target, String reason) {
        operatorActions.save(new OperatorAction(by, action.name(), target, reason));
        OperatorActed acted = OperatorActed.of(workspace, by, action, incidentId, recipeId, target, reason);
        outbox.append(Topics.OPERATOR_ACTIONS, acted.key(), acted);
    }

    private void emit(IncidentEvent event) {
        outbox.append(Topics.INCIDENT_EVENTS, event);
    }

    private static DomainException notFound(String id) {
        return DomainException.notFound("No incident with id " + id);
    }

    private static DomainException conflict(String detail) {
        return DomainException.conflict(detail);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static UUID id() {
        return UUID.randomUUID();
    }

    private Instant now() {
        return clock.instant();
    }
}
