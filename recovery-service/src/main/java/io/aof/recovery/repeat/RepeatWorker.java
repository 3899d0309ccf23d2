package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.workato.RepeatResult;
import io.aof.common.workato.WorkatoAccountHold;
import io.aof.common.workato.WorkatoApiException;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import io.aof.common.workato.WorkatoProperties;
import io.aof.recovery.RecoveryProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Sends due repeats to Workato: one {@code repeat_jobs} call at a time, at most
 * one per {@code repeat-call-gap} (Workato allows one a second), each with up to
 * 25 due job ids of one recipe. Recipes take turns (the one served longest ago
 * goes next, then the one with the oldest due repeat), so a noisy recipe cannot
 * starve the others, and a lone due repeat waits no longer than one turn: no
 * call waits to fill its batch.
 *
 * <p>Exactly once in effect: a request is marked CALLING (committed) before the
 * call, and its result recorded after it. A request found CALLING again (the
 * process died mid-call, or the answer was a timeout or a 5xx) is first looked
 * up in Workato: a repeat job of that original job started since the first call
 * means the call took effect, and it is not sent again. When Workato cannot be
 * reached, throttles, or the breaker is open, the request waits (honouring
 * {@code Retry-After}) and no attempt is spent. A {@code Retry-After} is kept in
 * one place, the Workato account's hold ({@link WorkatoAccountHold}), whichever
 * service received it: while it is in force no request is claimed and no call
 * turn is taken.
 *
 * <p>One attempt of an incident at a time: a request is not claimed while an
 * earlier attempt of its incident is live (sent, or accepted and maybe
 * running), and one whose incident an earlier attempt already recovered is
 * settled SUCCEEDED without a call, in the transaction of that success or of its
 * request ({@link RepeatWatcher}, {@link RecoveryListener}).
 *
 * <p>It decides what each answer means and publishes the event that reports it ({@link RepeatEvents}) in the
 * transaction that records it: {@code JobRepeated}, {@code RecoveryOutcome} REJECTED, the first
 * {@code RepeatDeferred} of an attempt, {@code RepeatCancelled} for a sent request cancelled meanwhile whose call
 * had no effect. In-process times (this instance's pause after a breaker, which recipe it served when) are read
 * from the injected {@link Clock}; due times, leases and the shared pace are on the database's clock.
 */
@Component
public class RepeatWorker {

    private static final Logger log = LoggerFactory.getLogger(RepeatWorker.class);

    private final RepeatStore store;
    private final RepeatEvents events;
    private final TransactionTemplate tx;
    private final WorkatoClient workato;
    private final RecoveryProperties props;
    private final MeterRegistry meters;
    private final WorkatoAccountHold accountHold;
    private final Clock clock;
    private final Map<Long, Instant> lastServed = new HashMap<>();
    private Instant nextCallAllowed = Instant.EPOCH;
    /** How long a taken call turn is held if its holder never says the call ended: the longest call. */
    private final Duration callTurnHold;

    @Autowired
    RepeatWorker(RepeatStore store, RepeatEvents events, TransactionTemplate tx, WorkatoClient workato,
                 RecoveryProperties props, MeterRegistry meters, WorkatoAccountHold accountHold,
                 ObjectProvider<WorkatoProperties> workatoProps, Clock clock) {
        this(store, events, tx, workato, props, meters, accountHold, workatoProps.getIfAvailable(), clock);
    }

    /** {@code w}: Workato's client settings, which bound the longest call (null: the call lease bounds it). */
    RepeatWorker(RepeatStore store, RepeatEvents events, TransactionTemplate tx, WorkatoClient workato,
                 RecoveryProperties props, MeterRegistry meters, WorkatoAccountHold accountHold,
                 WorkatoProperties w, Clock clock) {
        // the longest a repeat_jobs call can last
        Duration longestCall = w == null ? null : w.requestTimeout().plus(w.resilience().maxRetryAfterWait());
        if (longestCall != null && props.callLease().compareTo(longestCall) <= 0) {
            // the lease taken with the call turn must outlast the call, or a peer could reclaim a request in flight
            throw new IllegalStateException("aof.recovery.call-lease (" + props.callLease() + ") must be longer than "
                    + "aof.workato.request-timeout plus aof.workato.resilience.max-retry-after-wait (" + longestCall
                    + ")");
        }
        // a call turn whose holder died is free again once its call is surely over, not after the whole lease
        this.callTurnHold = longestCall == null ? props.callLease() : longestCall;
        this.store = store;
        this.events = events;
        this.tx = tx;
        this.workato = workato;
        this.props = props;
        this.meters = meters;
        this.accountHold = accountHold;
        this.clock = clock;
        // published from the start (0), not only after the first reconciliation or rare event
        meters.counter("aof.repeats.reconciled", "found", "true");
        meters.counter("aof.repeats.reconciled", "found", "false");
        meters.counter("aof.repeats.fenced");
        meters.counter("aof.repeats.held");
    }

    @Scheduled(fixedDelayString = "${aof.recovery.work-interval:100ms}")
    void work() {
        try {
            // several turns per tick while reconciliation alone settles a recipe without a call
            for (int turn = 0; turn < 10 && clock.instant().isAfter(nextCallAllowed); turn++) {
                if (!turn()) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            log.warn("Repeat round failed; claimed requests are reconciled when their lease ends: {}", e.toString());
        }
    }

    /** Serves the next recipe's due repeats; false when nothing is due. */
    private boolean turn() {
        Optional<Long> recipe = store.dueRecipes().stream()
                .min(Comparator.<RepeatStore.DueRecipe, Instant>comparing(d -> lastServed.getOrDefault(d.recipeId(),
                        Instant.EPOCH)).thenComparing(RepeatStore.DueRecipe::oldestDue))
                .map(RepeatStore.DueRecipe::recipeId);
        if (recipe.isEmpty()) {
            return false;
        }
        if (accountHeld()) {
            return false;   // Workato asked this account to wait: nothing is claimed before it has elapsed
        }
        lastServed.put(recipe.get(), clock.instant());
        if (lastServed.size() > 10_000) {
            lastServed.clear();
        }
        // wait for the call slot first, then claim: the batch takes every repeat due by call time
        pace();
        if (accountHeld()) {
            return false;   // a Retry-After arrived while this instance waited for its slot
        }
        List<RepeatRequest> claimed = store.claimDue(recipe.get(), props.batchSize(), props.callLease());
        if (!claimed.isEmpty()) {
            process(recipe.get(), claimed);
        }
        return true;
    }

    private void process(long recipeId, List<RepeatRequest> requests) {
        List<RepeatRequest> toCall = new ArrayList<>();
        List<RepeatRequest> toReconcile = new ArrayList<>();
        for (RepeatRequest r : requests) {
            (r.previousState() == RepeatState.CALLING ? toReconcile : toCall).add(r);
        }
        if (!toReconcile.isEmpty()) {
            try {
                Instant since = toReconcile.stream().map(RepeatRequest::callStartedAt)
                        .filter(java.util.Objects::nonNull).min(Instant::compareTo).orElse(Instant.EPOCH)
                        .minus(props.clockSkew());
                List<WorkatoJob> repeats = RecentRepeats.since(workato, recipeId, since);
                for (RepeatRequest r : toReconcile) {
                    var found = RepeatMatcher.find(repeats, r.jobId(), r.callStartedAt(), props.clockSkew(),
                            store.knownRepeatJobs(r.jobId()));
                    if (found.isPresent()) {
                        log.info("Reconciled {} attempt {}: Workato already has repeat {}; not repeating again",
                                r.incidentId(), r.attempt(), found.get().id());
                        meters.counter("aof.repeats.reconciled", "found", "true").increment();
                        accepted(r, found.get().id());
                    } else {
                        meters.counter("aof.repeats.reconciled", "found", "false").increment();
                        toCall.add(r);
                    }
                }
            } catch (WorkatoApiException e) {
                for (RepeatRequest r : toReconcile) {
                    unknown(r, wait(e), "reconciliation failed: " + e.getMessage());
                }
            }
        }
        if (!toCall.isEmpty()) {
            call(recipeId, toCall);
        }
    }

    private void call(long recipeId, List<RepeatRequest> claimed) {
        Duration held = accountHold.remaining();
        if (!held.isZero()) {   // a Retry-After arrived since the claim (reconciliation): no call turn taken
            for (RepeatRequest r : claimed) {
                meters.counter("aof.repeats.held").increment();
                notAttempted(r, held, "Workato asked this account to wait (Retry-After): repeat_jobs not sent");
            }
            return;
        }
        List<RepeatRequest> batch;
        try {
            batch = awaitCallTurn(claimed);
        } catch (WorkatoApiException e) {
            for (RepeatRequest r : claimed) {
                notAttempted(r, props.unreachableBackoff(), e.getMessage());
            }
            return;
        }
        if (batch.isEmpty()) {
            return;
        }
        List<String> ids = batch.stream().map(RepeatRequest::jobId).distinct().toList();
        try {
            List<RepeatResult> results;
            try {
                results = workato.repeatJobs(recipeId, ids);
            } finally {
                store.callEnded();
            }
            for (RepeatRequest r : batch) {
                RepeatResult result = results.stream().filter(x -> x.jobId().equals(r.jobId())).findFirst()
                        .orElseThrow();
                if (result.enqueued()) {
                    accepted(r, null);
                } else {
                    meters.counter("aof.repeats", "result", "rejected").increment();
                    rejected(r, result.error());
                }
            }
            log.debug("repeat_jobs recipe {}: {} job(s) sent", recipeId, ids.size());
        } catch (WorkatoApiException e) {
            Duration wait = wait(e);
            String error = e.getMessage();
            // a Retry-After is already in the account's hold, which every instance reads before claiming; the
            // breaker's pause (and a Retry-After when the hold is this process's alone) is spread through the pacer
            if (e.kind() == WorkatoApiException.Kind.CIRCUIT_OPEN
                    || (e.kind() == WorkatoApiException.Kind.RATE_LIMITED && !accountHold.isShared())) {
                nextCallAllowed = clock.instant().plus(wait);
                store.holdCalls(wait);
            }
            for (RepeatRequest r : batch) {
                if (e.mayHaveTakenEffect()) {
                    unknown(r, props.reconcileAfter(), error);
                } else if (e.kind() == WorkatoApiException.Kind.CLIENT_ERROR && e.status() != 401
                        && e.status() != 403) {
                    rejected(r, error);
                } else {
                    notAttempted(r, wait, error);
                }
            }
            log.warn("repeat_jobs recipe {} not done ({}): {}", recipeId, e.kind(), error);
        }
    }

    /**
     * A Retry-After received by any service on this Workato account is in force: the due requests are announced
     * as deferred (once each), not claimed.
     */
    private boolean accountHeld() {
        Duration held = accountHold.remaining();
        if (held.isZero()) {
            return false;
        }
        String reason = "Workato asked this account to wait (Retry-After, " + Math.max(1, held.toSeconds())
                + " s left): not sent before it has elapsed";
        tx.executeWithoutResult(s -> store.deferForAccountHold(held, reason)
                .forEach(d -> events.deferred(d.request(), reason, d.holdEnds())));
        return true;
    }

    /** Workato enqueued the repeat (its answer, or found by reconciliation): reported once. */
    void accepted(RepeatRequest r, String repeatJobId) {
        tx.executeWithoutResult(s -> {
            if (store.accepted(r, repeatJobId)) {
                events.repeated(r);
            }
        });
    }

    /** Workato refused to repeat the job: the attempt is over. */
    private void rejected(RepeatRequest r, String error) {
        tx.executeWithoutResult(s -> store.finish(r, RecoveryOutcome.Status.REJECTED, null, error).ifPresent(f ->
                events.outcome(r, RecoveryOutcome.Status.REJECTED, f.repeatJobId(), error, f.took())));
    }

    /** The call's answer is unknown: the request stays CALLING and is reconciled before any new call. */
    private void unknown(RepeatRequest r, Duration retryIn, String error) {
        store.unknown(r, retryIn, error);
        meters.counter("aof.repeats", "result", "unknown").increment();
    }

    /**
     * The call certainly had no effect (unreachable, throttled, breaker open): the request waits {@code retryIn}
     * and no attempt is spent; the first deferral of an attempt is published as {@code RepeatDeferred}. A request
     * cancelled while its call was under way ends CANCELLED instead.
     */
    private void notAttempted(RepeatRequest r, Duration retryIn, String error) {
        meters.counter("aof.repeats", "result", "not_attempted").increment();
        tx.executeWithoutResult(s -> {
            if (settledCancelled(r)) {
                return;
            }
            Optional<Instant> next = store.backToPending(r, retryIn, error);
            if (next.isPresent() && store.firstDeferral(r)) {
                events.deferred(r, error, next.get());
            }
        });
    }

    /** A sent request cancelled meanwhile, whose call had no effect, ends CANCELLED (reported) instead of waiting. */
    private boolean settledCancelled(RepeatRequest r) {
        return Boolean.TRUE.equals(tx.execute(s -> store.settleCancelled(r).map(reason -> {
            events.cancelled(r, reason);
            return true;
        }).orElse(false)));
    }

    private Duration wait(WorkatoApiException e) {
        return e.retryAfter() != null ? e.retryAfter() : props.unreachableBackoff();
    }

    /**
     * Workato allows one repeat_jobs call a second per API client, whatever the
     * number of recovery instances: the slot is reserved in the shared pacer row
     * (each reservation is at least one gap after the previous one), and this
     * instance waits for its slot.
     */
    private void pace() {
        Duration wait = store.reserveCallSlot(props.repeatCallGap(), Duration.between(clock.instant(),
                nextCallAllowed));
        if (!wait.isNegative() && !wait.isZero()) {
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nextCallAllowed = clock.instant().plus(props.repeatCallGap());
    }

    /**
     * The slot of {@link #pace()} was reserved before the claim and any reconciliation reads: a call can still
     * start late, and the next instance's slot does not know. So the call itself takes its turn a gap after the
     * last call of any instance ended: Workato counted that call before its answer came, so however long
     * either call took on the way, the two reach Workato at least a gap apart.
     *
     * <p>Taking the turn is also the fence: only the requests this claim still owns are sent (their lease is
     * extended there). One whose lease ran out while this instance reconciled or waited, and which another
     * instance claimed since, is left to that instance; one cancelled meanwhile is settled as cancelled.
     * Returns the requests to send (none: no turn was taken).
     */
    private List<RepeatRequest> awaitCallTurn(List<RepeatRequest> claimed) {
        Map<java.util.UUID, List<RepeatRequest>> byClaim = new java.util.LinkedHashMap<>();
        claimed.forEach(r -> byClaim.computeIfAbsent(r.claimToken(), k -> new ArrayList<>()).add(r));
        if (byClaim.size() != 1) {
            throw new IllegalStateException("one call sends the requests of one claim, got " + byClaim.keySet());
        }
        java.util.UUID token = byClaim.keySet().iterator().next();
        RepeatStore.Turn turn;
        while ((turn = store.takeCallTurn(claimed, token, props.repeatCallGap(), callTurnHold, props.callLease()))
                instanceof RepeatStore.Turn.Wait w) {
            try {
                Thread.sleep(w.delay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WorkatoApiException(WorkatoApiException.Kind.UNREACHABLE, 0, null, "interrupted", e);
            }
        }
        java.util.Set<String> owned = ((RepeatStore.Turn.Taken) turn).owned();
        List<RepeatRequest> send = new ArrayList<>();
        for (RepeatRequest r : claimed) {
            if (owned.contains(RepeatStore.key(r))) {
                send.add(r);
            } else if (settledCancelled(r) || store.isCancelled(r)) {
                log.info("{} attempt {} was cancelled before it was sent: not sent", r.incidentId(), r.attempt());
            } else {
                meters.counter("aof.repeats.fenced").increment();
                log.warn("{} attempt {} is no longer this instance's to send (its lease ran out before its call "
                        + "turn and another instance claimed it): not sent from here", r.incidentId(), r.attempt());
            }
        }
        return send;
    }
}
