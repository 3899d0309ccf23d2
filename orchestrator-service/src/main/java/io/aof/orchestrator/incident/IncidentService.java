package io.aof.orchestrator.incident;

import io.aof.common.events.AofEvent;
import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.JobFailed;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.RecipeStopped;
import io.aof.common.events.RecoveryEvent.JobRepeated;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.Problems;
import io.aof.orchestrator.policy.Categorizer;
import io.aof.orchestrator.policy.Category;
import io.aof.orchestrator.policy.PolicyBook;
import io.aof.orchestrator.policy.RetryPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.ErrorResponseException;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The incident state machine. Every method runs inside the caller's transaction
 * (the inbox's, the scheduler's, or an operator request's), and every transition
 * writes its events to the outbox in that same transaction: the state and the
 * facts about it commit together or not at all.
 *
 * <pre>
 * OPEN -> RETRY_SCHEDULED(n) -> RETRYING(n) -> RECOVERED
 *                                           -> RETRY_SCHEDULED(n+1)   (FAILED, n < max)
 *                                           -> EXHAUSTED              (FAILED at max, REJECTED, TIMED_OUT)
 * OPEN -> NON_RETRYABLE                     (category not retryable)
 * OPEN -> SUPPRESSED                        (recipe in a maintenance window)
 * EXHAUSTED | NON_RETRYABLE | SUPPRESSED -> REPLAY_REQUESTED -> RETRY_SCHEDULED(n+1)   (operator: fresh attempts)
 * any open or ended-unrecovered state -> MANUALLY_RESOLVED                              (operator)
 * ESCALATED                                 (Workato stopped the recipe: people must act; never repeated)
 * </pre>
 */
@Service
@Transactional(propagation = Propagation.MANDATORY)
public class IncidentService {

    private static final Logger log = LoggerFactory.getLogger(IncidentService.class);

    static final Set<IncidentState> REPLAYABLE = EnumSet.of(IncidentState.EXHAUSTED, IncidentState.NON_RETRYABLE,
            IncidentState.SUPPRESSED);
    static final Set<IncidentState> RESOLVABLE = EnumSet.of(IncidentState.OPEN, IncidentState.RETRY_SCHEDULED,
            IncidentState.RETRYING, IncidentState.EXHAUSTED, IncidentState.NON_RETRYABLE, IncidentState.SUPPRESSED,
            IncidentState.ESCALATED, IncidentState.REPLAY_REQUESTED);

    private final IncidentRepository incidents;
    private final Categorizer categorizer;
    private final PolicyBook policies;
    private final Outbox outbox;
    private final MeterRegistry meters;

    IncidentService(IncidentRepository incidents, Categorizer categorizer, PolicyBook policies, Outbox outbox,
                    MeterRegistry meters) {
        this.incidents = incidents;
        this.categorizer = categorizer;
        this.policies = policies;
        this.outbox = outbox;
        this.meters = meters;
        // published from the start (0), not only after the first action
        meters.counter("aof.operator.actions", "action", "replay");
        meters.counter("aof.operator.actions", "action", "resolve");
    }

    /** A failed job: opens the incident of its original job, or notes a failed repeat of a known one. */
    public void onJobFailed(JobFailed e) {
        var existing = incidents.lock(e.incidentId());
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
        Incident incident = new Incident(e.incidentId(), e.workspace(), e.recipeId(), e.recipeName(), e.folderId(),
                e.originalJobId(), category.name(), IncidentState.OPEN, 0, policy.maxAttempts(), null, e.error(), now,
                now, null, Incident.JOB_FAILURE, 0);
        incidents.insert(incident);
        meters.counter("aof.incidents.opened", "category", category.name()).increment();
        emit(new IncidentEvent.IncidentOpened(id(), now, AofEvent.SCHEMA_VERSION, e.workspace(), e.recipeId(),
                incident.originalJobId(), incident.id(), null, IncidentState.OPEN, category.name(), e.recipeName(),
                e.error(), policy.maxAttempts()));

        var suppression = incidents.activeSuppression(e.recipeId());
        if (suppression.isPresent()) {
            Instant until = ((Timestamp) suppression.get().get("until")).toInstant();
            incidents.update(incident.id(), IncidentState.SUPPRESSED, 0, null, null);
            emit(new IncidentEvent.IncidentSuppressed(id(), now(), AofEvent.SCHEMA_VERSION, incident.workspace(),
                    incident.recipeId(), incident.originalJobId(), incident.id(), null, IncidentState.SUPPRESSED,
                    category.name(), until, (String) suppression.get().get("reason")));
        } else if (policy.retryable() && policy.maxAttempts() > 0) {
            Instant due = scheduleAttempt(incident, 1, policy, null, policy.delayBefore(1,
                    ThreadLocalRandom.current()));
            if (policy.tellsOpsOnFirstFailure()) {
                notify(incident, 1, Audience.OPS, Kind.FIRST_FAILURE, policy.severity(), e.error(), due);
            }
        } else {
            incidents.update(incident.id(), IncidentState.NON_RETRYABLE, 0, null, null);
            emit(new IncidentEvent.IncidentNonRetryable(id(), now(), AofEvent.SCHEMA_VERSION, incident.workspace(),
                    incident.recipeId(), incident.originalJobId(), incident.id(), null, IncidentState.NON_RETRYABLE,
                    category.name(), e.error()));
            if (policy.tellsOpsOnFinalFailure()) {
                notify(incident, null, Audience.OPS, Kind.NON_RETRYABLE, policy.severity(), e.error());
            }
            if (policy.escalate()) {
                notify(incident, null, Audience.SUPER_ADMIN, Kind.NON_RETRYABLE, Severity.CRITICAL, e.error());
            }
        }
    }

    /** Workato stopped a recipe: an incident of its own kind, escalated at once, never repeated. */
    public void onRecipeStopped(RecipeStopped e) {
        Instant now = now();
        Incident incident = new Incident(e.incidentId(), e.workspace(), e.recipeId(), e.recipeName(), e.folderId(),
                "-", Category.PLATFORM.name(), IncidentState.ESCALATED, 0, 0, null,
                "Recipe stopped by Workato: " + e.stopCause(), now, now, null, Incident.RECIPE_STOPPED, 0);
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

    /** A due retry: hand the attempt to recovery. Called by the scheduler with the schedule row locked. */
    public void startAttempt(String incidentId, int attempt) {
        Incident i = incidents.lock(incidentId).orElseThrow();
        incidents.unschedule(incidentId);
        if (i.state() != IncidentState.RETRY_SCHEDULED || i.attempt() + 1 != attempt) {
            log.warn("Dropping stale schedule of {} attempt {} (incident is {} at attempt {})", incidentId, attempt,
                    i.state(), i.attempt());
            return;
        }
        incidents.update(incidentId, IncidentState.RETRYING, attempt, null, null);
        incidents.attemptRequested(incidentId, attempt);
        outbox.append(Topics.RECOVERY_REQUESTS,
                RecoveryRequested.of(i.workspace(), i.recipeId(), i.originalJobId(), incidentId, attempt));
        emit(new IncidentEvent.RetryStarted(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), incidentId, attempt, IncidentState.RETRYING, i.category()));
        meters.counter("aof.retries.requested", "category", i.category()).increment();
    }

    public void onJobRepeated(JobRepeated e) {
        incidents.attemptAccepted(e.incidentId(), e.attempt(), e.occurredAt());
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
        incidents.attemptFinished(i.id(), o.attempt(), o.status().name(), o.repeatJobId(), o.error());
        meters.counter("aof.recoveries", "outcome", o.status().name(), "category", i.category()).increment();
        RetryPolicy policy = policyOf(i);
        switch (o.status()) {
            case SUCCEEDED -> {
                incidents.update(i.id(), IncidentState.RECOVERED, i.attempt(), null, null);
                emit(new IncidentEvent.IncidentRecovered(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(),
                        i.recipeId(), i.originalJobId(), i.id(), o.attempt(), IncidentState.RECOVERED, i.category(),
                        o.repeatJobId()));
                meters.timer("aof.time.to.recovery", "category", i.category())
                        .record(Duration.between(i.openedAt(), now()));
                if (policy.tellsOpsOnRecovery()) {
                    notify(i, o.attempt(), Audience.OPS, Kind.RECOVERED, Severity.INFO, null);
                }
            }
            case FAILED -> {
                if (o.attempt() < i.maxAttempts()) {
                    Instant due = scheduleAttempt(i, o.attempt() + 1, policy, o.error(),
                            policy.delayBefore(o.attempt() + 1, ThreadLocalRandom.current()));
                    if (policy.tellsOpsOnEachAttempt()) {
                        notify(i, o.attempt(), Audience.OPS, Kind.ATTEMPT_FAILED, policy.severity(), o.error(), due);
                    }
                } else {
                    exhaust(i, o.attempt(), "all " + i.maxAttempts() + " attempts failed", o.error(), policy);
                }
            }
            case REJECTED -> exhaust(i, o.attempt(), "Workato refused to repeat the job: " + o.error(), o.error(),
                    policy);
            case TIMED_OUT -> exhaust(i, o.attempt(), "the repeat did not finish in time; not repeated again to "
                    + "avoid running the job twice", o.error(), policy);
        }
    }

    /**
     * Operator: fresh attempts for an incident that ended without recovery. The
     * first is due at once; the policy's attempts count again from here.
     */
    public Incident replay(String incidentId, String by, String reason) {
        Incident i = incidents.lock(incidentId).orElseThrow(() -> notFound(incidentId));
        if (Incident.RECIPE_STOPPED.equals(i.kind()) || !REPLAYABLE.contains(i.state())) {
            throw conflict("Incident " + incidentId + " is " + i.state() + (Incident.RECIPE_STOPPED.equals(i.kind())
                    ? " (a stopped recipe: restart it in Workato)" : "") + "; only " + REPLAYABLE
                    + " incidents of failed jobs can be replayed");
        }
        RetryPolicy policy = policyOf(i);
        int fresh = Math.max(1, policy.maxAttempts());
        Incident replayed = i.replayedWith(i.attempt() + fresh);
        incidents.replayed(incidentId, replayed.maxAttempts());
        incidents.audit(by, "REPLAY", incidentId, reason);
        emit(new IncidentEvent.ReplayRequested(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), i.attempt(), IncidentState.REPLAY_REQUESTED, i.category(), by, reason,
                fresh));
        scheduleAttempt(replayed, i.attempt() + 1, policy, null, Duration.ZERO);
        meters.counter("aof.operator.actions", "action", "replay").increment();
        return incidents.find(incidentId).orElseThrow();
    }

    /** Operator: closes the incident by hand; a pending retry is cancelled, a repeat in flight is ignored. */
    public Incident resolve(String incidentId, String by, String reason) {
        Incident i = incidents.lock(incidentId).orElseThrow(() -> notFound(incidentId));
        if (!RESOLVABLE.contains(i.state())) {
            throw conflict("Incident " + incidentId + " is already " + i.state());
        }
        incidents.unschedule(incidentId);
        incidents.update(incidentId, IncidentState.MANUALLY_RESOLVED, i.attempt(), null, null);
        incidents.audit(by, "RESOLVE", incidentId, reason);
        emit(new IncidentEvent.ResolvedManually(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), i.attempt(), IncidentState.MANUALLY_RESOLVED, i.category(), i.state(), by,
                reason));
        // closes the incident's thread in Slack (and stops a super-admin escalation repeating)
        notify(i, i.attempt(), Audience.OPS, Kind.RESOLVED_MANUALLY, Severity.INFO,
                "Resolved by " + by + (reason == null || reason.isBlank() ? "" : ": " + reason));
        meters.counter("aof.operator.actions", "action", "resolve").increment();
        return incidents.find(incidentId).orElseThrow();
    }

    private Instant scheduleAttempt(Incident i, int attempt, RetryPolicy policy, String lastError, Duration delay) {
        Instant due = now().plus(delay);
        incidents.schedule(i.id(), attempt, due);
        incidents.update(i.id(), IncidentState.RETRY_SCHEDULED, attempt - 1, due, lastError);
        emit(new IncidentEvent.RetryScheduled(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), attempt, IncidentState.RETRY_SCHEDULED, i.category(), due,
                i.maxAttempts()));
        meters.counter("aof.retries.scheduled", "category", i.category()).increment();
        return due;
    }

    private void exhaust(Incident i, int attempt, String reason, String lastError, RetryPolicy policy) {
        incidents.update(i.id(), IncidentState.EXHAUSTED, attempt, null, lastError);
        emit(new IncidentEvent.RetriesExhausted(id(), now(), AofEvent.SCHEMA_VERSION, i.workspace(), i.recipeId(),
                i.originalJobId(), i.id(), attempt, IncidentState.EXHAUSTED, i.category(), reason,
                lastError != null ? lastError : i.lastError()));
        meters.counter("aof.incidents.exhausted", "category", i.category()).increment();
        String error = lastError != null ? lastError : i.lastError();
        if (policy.tellsOpsOnFinalFailure()) {
            notify(i, attempt, Audience.OPS, Kind.EXHAUSTED, policy.severity(), error);
        }
        if (policy.escalate()) {
            notify(i, attempt, Audience.SUPER_ADMIN, Kind.EXHAUSTED, Severity.CRITICAL, error);
        }
    }

    private RetryPolicy policyOf(Incident i) {
        return policies.resolve(Category.valueOf(i.category()), i.recipeId(), i.folderId(), i.recipeName());
    }

    private void notify(Incident i, Integer attempt, Audience audience, Kind kind, Severity severity, String error) {
        notify(i, attempt, audience, kind, severity, error, null);
    }

    private void notify(Incident i, Integer attempt, Audience audience, Kind kind, Severity severity, String error,
                        Instant nextRetryAt) {
        String title = switch (kind) {
            case FIRST_FAILURE -> "Job failed; retrying";
            case ATTEMPT_FAILED -> "Retry failed; retrying again";
            case NON_RETRYABLE -> "Job failed; not retryable";
            case RECOVERED -> "Job recovered";
            case EXHAUSTED -> "Job still failing after all retries";
            case RECIPE_STOPPED -> "Recipe stopped by Workato";
            case RESOLVED_MANUALLY -> "Incident resolved by hand";
            case REPORT, AOF_TROUBLE -> throw new IllegalArgumentException(kind + " does not come from an incident");
        };
        String dedupKey = i.id() + ":" + kind + ":" + audience + ":r" + i.replays()
                + (kind == Kind.ATTEMPT_FAILED ? ":" + attempt : "");
        outbox.append(Topics.NOTIFICATION_REQUESTS, new NotificationRequested(id(), now(), AofEvent.SCHEMA_VERSION,
                i.workspace(), i.recipeId(), i.originalJobId(), i.id(), attempt, audience, kind, severity, dedupKey,
                title, i.recipeName(), i.category(), i.maxAttempts(), error, i.folderId(), nextRetryAt, null));
    }

    private void emit(IncidentEvent event) {
        outbox.append(Topics.INCIDENT_EVENTS, event);
    }

    private static ErrorResponseException notFound(String id) {
        return Problems.of(HttpStatus.NOT_FOUND, "No incident with id " + id);
    }

    private static ErrorResponseException conflict(String detail) {
        return Problems.of(HttpStatus.CONFLICT, detail);
    }

    private static UUID id() {
        return UUID.randomUUID();
    }

    private static Instant now() {
        return Instant.now();
    }
}
