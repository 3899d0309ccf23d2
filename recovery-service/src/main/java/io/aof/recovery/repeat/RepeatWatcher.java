package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.workato.WorkatoApiException;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import io.aof.recovery.RecoveryProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An enqueued repeat is not a recovery: only the repeat job's own final status
 * says whether the incident is over. Accepted repeats are followed with one
 * {@code rerun_only} listing per recipe per round, not one call per job; a
 * repeat that is not finished by the deadline is reported TIMED_OUT. Each
 * outcome is published ({@link RepeatEvents}) in the transaction that records
 * it; a success also settles, in that transaction, the later attempts of its
 * incident that were waiting for it (never sent: the job recovered).
 */
@Component
public class RepeatWatcher {

    private static final Logger log = LoggerFactory.getLogger(RepeatWatcher.class);

    private final RepeatStore store;
    private final RepeatEvents events;
    private final TransactionTemplate tx;
    private final WorkatoClient workato;
    private final RecoveryProperties props;

    RepeatWatcher(RepeatStore store, RepeatEvents events, TransactionTemplate tx, WorkatoClient workato,
                  RecoveryProperties props) {
        this.store = store;
        this.events = events;
        this.tx = tx;
        this.workato = workato;
        this.props = props;
    }

    /**
     * Every instance ticks every {@code watch-interval}; one round per interval is made, by whichever instance
     * takes the turn ({@link RepeatStore#takeWatchTurn}), so N instances follow the repeats with the reads of one.
     */
    @Scheduled(fixedDelayString = "${aof.recovery.watch-interval:5s}")
    void scheduledWatch() {
        if (store.takeWatchTurn(props.watchInterval())) {
            watch();
        }
    }

    /** One round: every accepted repeat looked up. */
    void watch() {
        Map<Long, List<RepeatRequest>> byRecipe = new LinkedHashMap<>();
        store.acceptedRequests(1000, props.outcomeDeadline()).forEach(r -> byRecipe.computeIfAbsent(r.recipeId(), k -> new ArrayList<>())
                .add(r));
        for (Map.Entry<Long, List<RepeatRequest>> e : byRecipe.entrySet()) {
            try {
                follow(e.getKey(), e.getValue());
            } catch (WorkatoApiException ex) {
                log.info("Following repeats of recipe {} postponed: {}", e.getKey(), ex.getMessage());
                if (ex.kind() == WorkatoApiException.Kind.RATE_LIMITED) {
                    return;
                }
            } catch (RuntimeException ex) {
                log.warn("Following repeats of recipe {} failed: {}", e.getKey(), ex.toString());
            }
        }
    }

    private void follow(long recipeId, List<RepeatRequest> requests) {
        Instant since = requests.stream().map(RepeatRequest::callStartedAt).filter(java.util.Objects::nonNull)
                .min(Instant::compareTo).orElse(Instant.EPOCH).minus(props.clockSkew());
        List<WorkatoJob> repeats = RecentRepeats.since(workato, recipeId, since);
        for (RepeatRequest r : requests) {
            WorkatoJob job = null;
            if (r.repeatJobId() != null) {
                job = repeats.stream().filter(j -> j.id().equals(r.repeatJobId())).findFirst()
                        .orElseGet(() -> workato.getJob(recipeId, r.repeatJobId()));
            } else {
                var found = RepeatMatcher.find(repeats, r.jobId(), r.callStartedAt(), props.clockSkew(),
                        store.knownRepeatJobs(r.jobId()));
                if (found.isPresent()) {
                    job = found.get();
                    store.repeatJobFound(r, job.id());
                }
            }
            if (job != null && job.isFinished()) {
                boolean ok = WorkatoJob.SUCCEEDED.equals(job.status());
                // Workato's texts were cleaned and capped as the job was read (WorkatoJob, ExternalText)
                finish(r, ok ? RecoveryOutcome.Status.SUCCEEDED : RecoveryOutcome.Status.FAILED, job.id(),
                        ok ? null : job.error());
            } else if (r.overdue()) {   // accepted longer ago than the deadline, on the database's clock
                finish(r, RecoveryOutcome.Status.TIMED_OUT, job == null ? null : job.id(),
                        job == null ? "the repeat job was not found within " + props.outcomeDeadline()
                                : "the repeat job was still " + job.status() + " after "
                                + props.outcomeDeadline());
            }
        }
    }

    /**
     * The attempt is over: its outcome is recorded and published once (an overlapping round settles nothing
     * twice). A success settles the later attempts of the incident waiting for it, SUCCEEDED with its repeat job.
     */
    private void finish(RepeatRequest r, RecoveryOutcome.Status status, String repeatJobId, String error) {
        tx.executeWithoutResult(s -> store.finish(r, status, repeatJobId, error).ifPresent(f -> {
            events.outcome(r, status, f.repeatJobId(), error, f.took());
            if (status == RecoveryOutcome.Status.SUCCEEDED) {
                store.settleCoveredBySuccess(r.incidentId()).forEach(events::coveredBySuccess);
            }
        }));
    }
}
