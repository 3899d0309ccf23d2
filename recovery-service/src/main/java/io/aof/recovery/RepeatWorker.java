package io.aof.recovery;

import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.workato.JobQuery;
import io.aof.common.workato.RepeatResult;
import io.aof.common.workato.WorkatoApiException;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends due repeats to Workato: per recipe, up to 25 job ids in one
 * {@code repeat_jobs} call, at most one call a second.
 *
 * <p>Exactly once in effect: a request is marked CALLING (committed) before the
 * call, and its result recorded after it. A request found CALLING again (the
 * process died mid-call, or the answer was a timeout or a 5xx) is first looked
 * up in Workato: a repeat job of that original job started since the first call
 * means the call took effect, and it is not sent again. When Workato cannot be
 * reached or throttles, the request simply waits: no attempt is spent.
 */
@Component
class RepeatWorker {

    private static final Logger log = LoggerFactory.getLogger(RepeatWorker.class);
    private static final Duration MIN_GAP_BETWEEN_REPEAT_CALLS = Duration.ofMillis(1100);

    private final RepeatStore store;
    private final WorkatoClient workato;
    private final RecoveryProperties props;
    private Instant nextCallAllowed = Instant.EPOCH;

    RepeatWorker(RepeatStore store, WorkatoClient workato, RecoveryProperties props) {
        this.store = store;
        this.workato = workato;
        this.props = props;
    }

    @Scheduled(fixedDelayString = "${aof.recovery.work-interval:1s}")
    void work() {
        try {
            List<RepeatRequest> claimed = store.claimDue(200, props.callLease());
            Map<Long, List<RepeatRequest>> byRecipe = new LinkedHashMap<>();
            claimed.forEach(r -> byRecipe.computeIfAbsent(r.recipeId(), k -> new ArrayList<>()).add(r));
            byRecipe.forEach(this::process);
        } catch (RuntimeException e) {
            log.warn("Repeat round failed; claimed requests are reconciled when their lease ends: {}", e.toString());
        }
    }

    private void process(long recipeId, List<RepeatRequest> requests) {
        List<RepeatRequest> toCall = new ArrayList<>();
        List<RepeatRequest> toReconcile = new ArrayList<>();
        for (RepeatRequest r : requests) {
            ("CALLING".equals(r.previousState()) ? toReconcile : toCall).add(r);
        }
        if (!toReconcile.isEmpty()) {
            try {
                List<WorkatoJob> repeats = workato.listJobs(recipeId, JobQuery.repeats()).itemsOrEmpty();
                for (RepeatRequest r : toReconcile) {
                    var found = RepeatMatcher.find(repeats, r.jobId(), r.callStartedAt(), props.clockSkew(),
                            store.knownRepeatJobs(r.jobId()));
                    if (found.isPresent()) {
                        log.info("Reconciled {} attempt {}: Workato already has repeat {}; not repeating again",
                                r.incidentId(), r.attempt(), found.get().id());
                        store.accepted(r, found.get().id());
                    } else {
                        toCall.add(r);
                    }
                }
            } catch (WorkatoApiException e) {
                for (RepeatRequest r : toReconcile) {
                    store.unknown(r, Instant.now().plus(wait(e)), "reconciliation failed: " + e.getMessage());
                }
            }
        }
        for (int from = 0; from < toCall.size(); from += WorkatoClient.MAX_REPEAT_IDS) {
            call(recipeId, toCall.subList(from, Math.min(toCall.size(), from + WorkatoClient.MAX_REPEAT_IDS)));
        }
    }

    private void call(long recipeId, List<RepeatRequest> batch) {
        pace();
        List<String> ids = batch.stream().map(RepeatRequest::jobId).distinct().toList();
        try {
            List<RepeatResult> results = workato.repeatJobs(recipeId, ids);
            for (RepeatRequest r : batch) {
                RepeatResult result = results.stream().filter(x -> x.jobId().equals(r.jobId())).findFirst()
                        .orElseThrow();
                if (result.enqueued()) {
                    store.accepted(r, null);
                } else {
                    store.finish(r, RecoveryOutcome.Status.REJECTED, null, result.error());
                }
            }
            log.info("repeat_jobs recipe {}: {} job(s) sent", recipeId, ids.size());
        } catch (WorkatoApiException e) {
            Instant next = Instant.now().plus(wait(e));
            for (RepeatRequest r : batch) {
                if (e.mayHaveTakenEffect()) {
                    store.unknown(r, Instant.now().plus(props.reconcileAfter()), e.getMessage());
                } else if (e.kind() == WorkatoApiException.Kind.CLIENT_ERROR && e.status() != 401
                        && e.status() != 403) {
                    store.finish(r, RecoveryOutcome.Status.REJECTED, null, e.getMessage());
                } else {
                    store.notAttempted(r, next, e.getMessage());
                }
            }
            log.warn("repeat_jobs recipe {} not done ({}): {}", recipeId, e.kind(), e.getMessage());
        }
    }

    private Duration wait(WorkatoApiException e) {
        return e.retryAfter() != null ? e.retryAfter() : props.unreachableBackoff();
    }

    /** Workato allows one repeat_jobs call a second per API client. */
    private void pace() {
        Duration wait = Duration.between(Instant.now(), nextCallAllowed);
        if (!wait.isNegative() && !wait.isZero()) {
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nextCallAllowed = Instant.now().plus(MIN_GAP_BETWEEN_REPEAT_CALLS);
    }
}
