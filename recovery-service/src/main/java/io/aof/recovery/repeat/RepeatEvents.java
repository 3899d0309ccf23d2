package io.aof.recovery.repeat;

import io.aof.common.events.AofEvent;
import io.aof.common.events.RecoveryCommand.OutcomeRequested;
import io.aof.common.events.RecoveryEvent.JobRepeated;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.RecoveryEvent.RepeatCancelled;
import io.aof.common.events.RecoveryEvent.RepeatDeferred;
import io.aof.common.events.RecoveryEvent;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * The events recovery publishes ({@code aof.recovery-events}), each appended to the outbox in the caller's
 * transaction, dated by the injected clock, and counted where a first report is counted. It decides nothing: the
 * deciding classes ({@link RecoveryListener}, {@link RepeatWorker}, {@link RepeatWatcher}) choose which event a
 * state change reports and call this in the transaction of that change (the row's state and its event are
 * committed together or not at all).
 */
@Component
public class RepeatEvents {

    private final Outbox outbox;
    private final MeterRegistry meters;
    private final Clock clock;

    RepeatEvents(Outbox outbox, MeterRegistry meters, Clock clock) {
        this.outbox = outbox;
        this.meters = meters;
        this.clock = clock;
        // rare events: the series exist from the start (0)
        meters.counter("aof.repeats.cancelled");
        meters.counter("aof.repeats.covered");
    }

    /** Workato enqueued the repeat (its answer, or found by reconciliation). */
    void repeated(RepeatRequest r) {
        append(new JobRepeated(UUID.randomUUID(), clock.instant(), AofEvent.SCHEMA_VERSION, r.workspace(),
                r.recipeId(), r.jobId(), r.incidentId(), r.attempt()));
        meters.counter("aof.repeats", "result", "accepted").increment();
    }

    /** The attempt waits ({@code nextTry}: when it is tried again, null when Workato runs it); spends nothing. */
    void deferred(RepeatRequest r, String reason, Instant nextTry) {
        append(new RepeatDeferred(UUID.randomUUID(), clock.instant(), AofEvent.SCHEMA_VERSION, r.workspace(),
                r.recipeId(), r.jobId(), r.incidentId(), r.attempt(), reason, nextTry));
    }

    /** The attempt was cancelled and is never sent. */
    void cancelled(RepeatRequest r, String reason) {
        cancelledAgain(r, reason);
        meters.counter("aof.repeats.cancelled").increment();
    }

    /** A cancellation reported before, reported again (the orchestrator asked). */
    void cancelledAgain(RepeatRequest r, String reason) {
        append(new RepeatCancelled(UUID.randomUUID(), clock.instant(), AofEvent.SCHEMA_VERSION, r.workspace(),
                r.recipeId(), r.jobId(), r.incidentId(), r.attempt(), reason));
    }

    /** The attempt is over, {@code took} after it was requested. */
    void outcome(RepeatRequest r, RecoveryOutcome.Status status, String repeatJobId, String error, Duration took) {
        outcomeAgain(r, status, repeatJobId, error, took);
        meters.counter("aof.recovery.outcomes", "status", status.name()).increment();
        meters.timer("aof.recovery.duration").record(took);
    }

    /** An outcome reported before, reported again (a new event id: the orchestrator asked). */
    void outcomeAgain(RepeatRequest r, RecoveryOutcome.Status status, String repeatJobId, String error,
                      Duration took) {
        append(new RecoveryOutcome(UUID.randomUUID(), clock.instant(), AofEvent.SCHEMA_VERSION, r.workspace(),
                r.recipeId(), r.jobId(), r.incidentId(), r.attempt(), status, repeatJobId, error, took));
    }

    /** An attempt never sent, settled SUCCEEDED by an earlier attempt's repeat job ({@code r.repeatJobId()}). */
    void coveredBySuccess(RepeatRequest r) {
        append(new RecoveryOutcome(UUID.randomUUID(), clock.instant(), AofEvent.SCHEMA_VERSION, r.workspace(),
                r.recipeId(), r.jobId(), r.incidentId(), r.attempt(), RecoveryOutcome.Status.SUCCEEDED,
                r.repeatJobId(), null, Duration.ZERO));
        meters.counter("aof.repeats.covered").increment();
        meters.counter("aof.recovery.outcomes", "status", RecoveryOutcome.Status.SUCCEEDED.name()).increment();
    }

    /** The orchestrator asked for the outcome of an attempt recovery never received. */
    void notRequested(OutcomeRequested q) {
        append(new RecoveryOutcome(UUID.randomUUID(), clock.instant(), AofEvent.SCHEMA_VERSION, q.workspace(),
                q.recipeId(), q.jobId(), q.incidentId(), q.attempt(), RecoveryOutcome.Status.NOT_REQUESTED, null,
                "recovery never received a request for attempt " + q.attempt(), Duration.ZERO));
    }

    private void append(RecoveryEvent event) {
        outbox.append(Topics.RECOVERY_EVENTS, event);
    }
}
