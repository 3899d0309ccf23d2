package io.aof.collation.poll;

import io.aof.collation.CollationProperties;
import io.aof.collation.poll.RecipeCursorRepository.Cursor;
import io.aof.collation.triage.CollectedJobStore;
import io.aof.collation.triage.FailureTriage;
import io.aof.common.events.JobFailed;
import io.aof.common.events.RecipeEvent;
import io.aof.common.events.RecipeStopped;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.workato.JobQuery;
import io.aof.common.workato.WorkatoApiException;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import io.aof.common.workato.WorkatoJobPage;
import io.aof.common.workato.WorkatoRecipe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Polls the workspace for failed jobs without scraping every recipe: one
 * {@code GET /recipes} page gives 100 recipes' {@code job_failed_count}, and
 * only recipes whose count moved get their failed-job list read, newest first,
 * back to the newest failed job seen last time (the cursor). The cursor and the
 * last count live in the collation schema and change in the same transaction as
 * the events, so a restart neither misses nor re-emits a failure.
 */
@Component
public class FailedJobPoller {

    private static final Logger log = LoggerFactory.getLogger(FailedJobPoller.class);
    private static final int RECIPES_PER_PAGE = 100;

    private final WorkatoClient workato;
    private final Outbox outbox;
    private final RecipeCursorRepository cursors;
    private final CollectedJobStore collectedJobs;
    private final TransactionTemplate tx;
    private final CollationProperties props;
    private final String workspace;
    private final WatchScope scope;
    private final FailureTriage triage;
    private final SweepLease lease;
    private final Clock clock;
    private final Map<Long, Long> behindByRecipe = new ConcurrentHashMap<>();
    private final Counter pageCapReached;
    private final Counter detailCapReached;
    /** The recipe the previous sweep ended with (finished or stopped at): the next sweep starts after it. */
    private volatile Long endedWith;
    private Instant nextStatsAt = Instant.EPOCH;

    /** One poller alone (tests that build collation as plain objects): it holds the sweep by construction. */
    public FailedJobPoller(WorkatoClient workato, FailureTriage triage, Outbox outbox, RecipeCursorRepository cursors,
                    CollectedJobStore collectedJobs, TransactionTemplate tx, CollationProperties props,
                    AofProperties aof, MeterRegistry meters, Clock clock) {
        this(workato, triage, outbox, cursors, collectedJobs, tx, props, aof, meters, SweepLease.solo(), clock);
    }

    @org.springframework.beans.factory.annotation.Autowired
    public FailedJobPoller(WorkatoClient workato, FailureTriage triage, Outbox outbox, RecipeCursorRepository cursors,
                    CollectedJobStore collectedJobs, TransactionTemplate tx, CollationProperties props,
                    AofProperties aof, MeterRegistry meters, SweepLease lease, Clock clock) {
        this.lease = lease;
        this.clock = clock;
        this.workato = workato;
        this.triage = triage;
        this.pageCapReached = Counter.builder("aof.collation.page.cap.reached")
                .description("sweeps of a recipe that read their maximum pages before the jobs collected last time")
                .register(meters);
        this.detailCapReached = Counter.builder("aof.collation.detail.cap.reached")
                .description("sweeps of a recipe that read their maximum job details and left the rest for the "
                        + "next sweep")
                .register(meters);
        Gauge.builder("aof.collation.failures.behind", behindByRecipe,
                        m -> m.values().stream().mapToLong(Long::longValue).sum())
                .description("failed jobs Workato counts that collation has not read yet, left by page caps")
                .register(meters);
        this.outbox = outbox;
        this.cursors = cursors;
        this.collectedJobs = collectedJobs;
        this.tx = tx;
        this.props = props;
        this.workspace = aof.workspace();
        this.scope = new WatchScope(props.watch());
    }

    /**
     * Every instance looks every {@code leader.check-interval}; only the holder of the sweep lease sweeps, and only
     * once {@code poll-interval} has passed since the last sweep of any holder ended, so N instances sweep as often
     * as one, and a new holder continues the recipes' turn where the previous one ended.
     */
    @Scheduled(fixedDelayString = "${aof.collation.leader.check-interval:1s}",
            initialDelayString = "${aof.collation.initial-delay:1s}")
    void scheduledSweep() {
        if (!lease.sweepDue(props.pollInterval())) {
            return;
        }
        endedWith = lease.endedWith();
        try {
            sweep();
        } finally {
            lease.swept(endedWith);
        }
    }

    /** One sweep of the workspace (while this instance holds the sweep lease). */
    public void sweep() {
        boolean statsDue = clock.instant().isAfter(nextStatsAt);
        List<WorkatoRecipe> watched = new ArrayList<>();
        try {
            List<Long> folders = scope.foldersToList();
            if (folders == null) {
                sweepListing(null, watched);
            } else {
                for (Long folder : folders) {
                    sweepListing(folder, watched);
                }
            }
            Map<Long, String> names = new HashMap<>();
            watched.forEach(r -> names.put(r.id(), r.name()));
            FailureTriage.Reads reads = new FailureTriage.Reads(names::get);   // one sweep: a job is read once
            for (WorkatoRecipe recipe : inTurn(watched, endedWith)) {
                if (!lease.held()) {
                    log.warn("Sweep stopped: this instance no longer holds the sweep lease; the holder sweeps on");
                    return;
                }
                endedWith = recipe.id();
                pollRecipe(recipe, reads);
            }
            if (statsDue) {
                publishStats(watched);
                nextStatsAt = clock.instant().plus(props.statsInterval());
            }
        } catch (WorkatoApiException e) {
            if (e.kind() == WorkatoApiException.Kind.RATE_LIMITED || e.kind() == WorkatoApiException.Kind.CIRCUIT_OPEN) {
                log.info("Sweep paused ({}): {}; it continues next sweep", e.kind(), e.getMessage());
            } else {
                log.warn("Sweep stopped: {}", e.getMessage());
            }
        }
    }

    private void sweepListing(Long folder, List<WorkatoRecipe> watched) {
        int page = 1;
        List<WorkatoRecipe> recipes;
        do {
            recipes = workato.listRecipes(page++, RECIPES_PER_PAGE, folder);
            for (WorkatoRecipe recipe : recipes) {
                if (scope.watches(recipe, folder != null)) {
                    watched.add(recipe);
                }
            }
        } while (recipes.size() == RECIPES_PER_PAGE);
    }

    /**
     * The watched recipes in the order this sweep polls them: starting after the
     * recipe the previous sweep ended with, so a recipe that uses up the read budget
     * (or a sweep stopped by an outage) does not leave the same recipes unread every
     * sweep.
     */
    static List<WorkatoRecipe> inTurn(List<WorkatoRecipe> watched, Long last) {
        int start = 0;
        for (int i = 0; last != null && i < watched.size(); i++) {
            if (watched.get(i).id() == last) {
                start = (i + 1) % watched.size();
                break;
            }
        }
        List<WorkatoRecipe> order = new ArrayList<>(watched.subList(start, watched.size()));
        order.addAll(watched.subList(0, start));
        return order;
    }

    /** Each watched recipe's counts, from the listing the sweep made anyway: no extra call. */
    private void publishStats(List<WorkatoRecipe> recipes) {
        Instant takenAt = clock.instant();
        tx.executeWithoutResult(status -> recipes.forEach(r -> outbox.append(Topics.RECIPE_EVENTS,
                String.valueOf(r.id()), RecipeEvent.RecipeStatsSnapshot.of(workspace, r.id(), r.name(), r.folderId(),
                        Boolean.TRUE.equals(r.running()), r.jobSucceededCount() == null ? 0 : r.jobSucceededCount(),
                        r.failedCount(), r.lastRunAt(), takenAt))));
        log.info("Published stats snapshots of {} recipe(s)", recipes.size());
    }

    private void pollRecipe(WorkatoRecipe recipe, FailureTriage.Reads reads) {
        Optional<Cursor> cursor = cursor(recipe.id());
        watchStop(recipe, cursor);
        boolean resuming = cursor.isPresent() && cursor.get().resumeJobId() != null;
        if (!resuming && cursor.isPresent() && cursor.get().lastFailedCount() == recipe.failedCount()
                && props.strategy() == CollationProperties.Strategy.DELTA) {
            return;
        }
        if (cursor.isEmpty() && recipe.failedCount() == 0) {
            tx.executeWithoutResult(status -> saveCursor(recipe, null));
            return;
        }
        String stopAt = cursor.map(c -> c.newestFailedJobId()).orElse(null);
        Instant notBefore = cursor.isEmpty() ? clock.instant().minus(props.initialLookback())
                : cursor.get().lookbackFrom();
        // a gap left by an earlier sweep is read first, from where that sweep stopped
        String newest = resuming ? cursor.get().resumeNewestJobId() : null;
        JobQuery query = resuming ? JobQuery.failed().olderThan(cursor.get().resumeJobId()) : JobQuery.failed();
        List<FailureTriage.Plan> fresh = new ArrayList<>();
        String lastRead = null;
        long readFromTop = 0;
        boolean closed = false;
        boolean detailCap = false;
        int detailReads = 0;
        int failedRead = 0;   // failed jobs read this sweep, new or collected already (for the estimate of what is behind)
        FailureTriage.RootStillRunning held = null;
        WorkatoApiException interrupted = null;
        pages:
        for (int page = 0; page < props.maxPagesPerRecipe(); page++) {
            WorkatoJobPage jobs;
            try {
                jobs = workato.listJobs(recipe.id(), query);
            } catch (WorkatoApiException e) {
                if (resuming && page == 0 && FailureTriage.isNotFound(e)) {
                    // the job the gap resumes from is gone from Workato: read the gap again from the newest job
                    // down to the cursor (what was collected already is a duplicate, nothing is skipped)
                    log.warn("Recipe {}: the resume point {} is gone from Workato; reading from the newest job",
                            recipe.id(), cursor.get().resumeJobId());
                    cursors.forgetResumePoint(recipe.id());
                    return;
                }
                interrupted = e;
                break;
            }
            List<WorkatoJob> items = jobs.itemsOrEmpty();
            if (items.isEmpty()) {
                closed = true;
                break;
            }
            readFromTop += resuming ? 0 : items.size();
            // collected already (a verified webhook, or a gap read again after its resume point was lost): no read
            java.util.Set<String> known = collected(items);
            detailReads += readAhead(recipe.id(), items, known, stopAt, notBefore, reads, detailReads);
            for (WorkatoJob job : items) {
                if (newest == null) {
                    newest = job.id();
                }
                if (job.id().equals(stopAt)) {
                    closed = true;
                    break pages;
                }
                Instant when = job.completedAt() != null ? job.completedAt() : job.startedAt();
                if (notBefore != null && when != null && when.isBefore(notBefore)) {
                    closed = true;
                    break pages;
                }
                if (job.isFailed() && known.contains(job.id())) {
                    failedRead++;
                    triage.countDuplicate(JobFailed.CollectionSource.POLL);
                } else if (job.isFailed()) {
                    if (triage.needsDetail(job, reads, recipe.id())) {
                        if (detailReads >= props.maxDetailReadsPerRecipe()) {
                            detailCap = true;   // the rest is read next sweep, from here: the others get their turn
                            break pages;
                        }
                        detailReads++;
                    }
                    try {
                        WorkatoJob read = triage.withDetail(recipe.id(), job, reads);
                        fresh.add(triage.plan(toEvent(recipe, read), read, reads));
                        failedRead++;
                    } catch (FailureTriage.RootStillRunning e) {
                        held = e;   // read again next sweep, when its workflow root may have finished
                        break pages;
                    } catch (WorkatoApiException e) {
                        interrupted = e;   // not guessed: this job is read again next sweep
                        break pages;
                    }
                }
                lastRead = job.id();
            }
            if (!resuming && jobs.jobFailedCount() != null && readFromTop >= jobs.jobFailedCount()) {
                closed = true;   // every failed job of the recipe was on these pages: nothing older to read
                break;
            }
            query = query.olderThan(items.get(items.size() - 1).id());
        }
        boolean done = closed;
        String last = lastRead;
        String newestSeen = newest;
        int read = failedRead;
        Long behind = tx.execute(status -> {
            int published = 0;
            // oldest first, so the orchestrator sees an original before its repeats
            for (int i = fresh.size() - 1; i >= 0; i--) {
                if (triage.apply(fresh.get(i))) {
                    published++;
                }
            }
            Long stillBehind = null;
            if (done && !resuming) {
                saveCursor(recipe, newestSeen != null ? newestSeen : stopAt);
            } else if (done) {
                // the gap is closed up to the newest job seen when it opened; jobs newer than that were not read
                // by this sweep, so the next one reads from the newest job whatever the count says
                Cursor c = cursor.get();
                long upToCursor = c.closedFailedCount() == null ? recipe.failedCount()
                        : c.closedFailedCount() + c.gapRead() + read;
                saveCursor(recipe, newestSeen != null ? newestSeen : stopAt, -1, upToCursor);
            } else if (last != null) {
                stillBehind = saveResumePoint(recipe, cursor, last, newestSeen, notBefore, read);
            } else if (cursor.isEmpty()) {
                // first sight, stopped at its newest job (a called job waiting for its running root, or Workato
                // could not answer): without a cursor the next sweep would be a first sight again, whose lookback
                // starts later; once the root had run longer than the lookback, the job would fall out of it and
                // the cursor close above it, unpublished. The cursor keeps this sight's lookback start instead
                cursors.keepFirstSight(recipe, notBefore);
            }
            if (published > 0) {
                log.info("Recipe {} '{}': {} new failed job(s)", recipe.id(), recipe.name(), published);
            }
            return stillBehind;
        });
        if (held != null) {
            log.info("Recipe {} '{}': {}; it and the jobs older than it are read next sweep", recipe.id(),
                    recipe.name(), held.getMessage());
        }
        if (done || behind != null) {
            recordBehind(recipe, done ? 0 : behind, interrupted == null && held == null && !done && !detailCap,
                    detailCap);
        }
        if (interrupted != null) {
            throw interrupted;   // the sweep pauses; what was read is kept, the rest is read next sweep
        }
    }

    /**
     * Reads ahead, several at once, the details this page's loop would read one after another: the failed jobs
     * above the cursor and the lookback, not collected yet, within what is left of the sweep's cap for the
     * recipe ({@code spent} of it used). Returns the reads spent.
     */
    private int readAhead(long recipeId, List<WorkatoJob> items, java.util.Set<String> known, String stopAt,
                          Instant notBefore, FailureTriage.Reads reads, int spent) {
        List<WorkatoJob> wanted = new ArrayList<>();
        for (WorkatoJob job : items) {
            Instant when = job.completedAt() != null ? job.completedAt() : job.startedAt();
            if (job.id().equals(stopAt) || (notBefore != null && when != null && when.isBefore(notBefore))
                    || spent + wanted.size() >= props.maxDetailReadsPerRecipe()) {
                break;
            }
            if (job.isFailed() && !known.contains(job.id()) && triage.needsDetail(job, reads, recipeId)) {
                wanted.add(job);
            }
        }
        return triage.readAhead(recipeId, wanted, reads);
    }

    /**
     * The sweep stopped before the cursor (page cap, or Workato could not answer):
     * the cursor stays where it is and the next sweep continues older than
     * {@code lastRead}; returns about how many failed jobs are still unread.
     */
    private long saveResumePoint(WorkatoRecipe recipe, Optional<Cursor> cursor, String lastRead, String newest,
                                 Instant lookbackFrom, int read) {
        long base = cursor.map(c -> c.closedFailedCount() != null ? c.closedFailedCount() : -1L).orElse(-1L);
        long gapRead = cursor.map(c -> c.resumeJobId() != null ? c.gapRead() : 0L).orElse(0L) + read;
        cursors.saveResumePoint(recipe, lastRead, newest, lookbackFrom, gapRead);
        // failed jobs Workato counts beyond the last closed cursor, less those read since; unknown on first sight
        return base < 0 ? -1 : Math.max(0, recipe.failedCount() - base - gapRead);
    }

    private void recordBehind(WorkatoRecipe recipe, long behind, boolean capReached, boolean detailCap) {
        if (behind == 0) {
            if (behindByRecipe.remove(recipe.id()) != null) {
                log.info("Recipe {} '{}': caught up with its failed jobs", recipe.id(), recipe.name());
            }
            return;
        }
        behindByRecipe.put(recipe.id(), Math.max(behind, 0));
        if (detailCap) {
            detailCapReached.increment();
            log.warn("Recipe {} '{}': read {} job detail(s), the cap for one sweep; {} failed job(s) still behind; "
                            + "the next sweep continues where this one stopped", recipe.id(), recipe.name(),
                    props.maxDetailReadsPerRecipe(), behind < 0 ? "an unknown number of" : "about " + behind);
        }
        if (capReached) {
            pageCapReached.increment();
            log.warn("Recipe {} '{}': read {} page(s), the cap, before reaching the jobs collected last time; {} "
                            + "failed job(s) still behind; the next sweep continues where this one stopped",
                    recipe.id(), recipe.name(), props.maxPagesPerRecipe(), behind < 0 ? "an unknown number of"
                            : "about " + behind);
        }
    }

    /**
     * Trigger errors create no job: a recipe that Workato stopped ({@code stop_cause})
     * is published as {@code RecipeStopped}, once per stop.
     */
    private void watchStop(WorkatoRecipe recipe, Optional<Cursor> cursor) {
        if (recipe.stopCause() == null || recipe.stopCause().isBlank() || Boolean.TRUE.equals(recipe.running())) {
            if (cursor.isPresent() && cursor.get().stopCause() != null) {
                Instant was = cursor.get().stoppedAt();
                tx.executeWithoutResult(status -> {
                    cursors.clearStop(recipe.id());
                    if (was != null && Boolean.TRUE.equals(recipe.running())) {
                        // someone started it again: the incident its stop opened closes by itself
                        outbox.append(Topics.RECIPE_EVENTS, String.valueOf(recipe.id()),
                                RecipeEvent.RecipeRunningAgain.of(workspace, recipe.id(), recipe.name(), was));
                    }
                });
                log.info("Recipe {} '{}' stopped by Workato runs again", recipe.id(), recipe.name());
            }
            return;
        }
        // seconds: the database keeps microseconds, Workato may send more; the incident id uses seconds too
        Instant stoppedAt = (recipe.stoppedAt() != null ? recipe.stoppedAt() : Instant.EPOCH)
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (cursor.isPresent() && recipe.stopCause().equals(cursor.get().stopCause()) && cursor.get().stoppedAt() != null
                && stoppedAt.equals(cursor.get().stoppedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))) {
            return;
        }
        tx.executeWithoutResult(status -> {
            if (cursor.isEmpty()) {
                saveCursorCount(recipe, cursor);
            }
            cursors.markStopped(recipe.id(), recipe.stopCause(), stoppedAt);
            outbox.append(Topics.RECIPE_EVENTS, String.valueOf(recipe.id()), RecipeStopped.of(workspace,
                    recipe.id(), recipe.name(), recipe.folderId(), recipe.stopCause(), recipe.stoppedAt()));
        });
        log.warn("Recipe {} '{}' was stopped by Workato: {}", recipe.id(), recipe.name(), recipe.stopCause());
    }

    private void saveCursorCount(WorkatoRecipe recipe, Optional<Cursor> cursor) {
        cursors.createIfAbsent(recipe, cursor.isPresent() ? cursor.get().lastFailedCount() : -1);
    }

    /** Which of these jobs were collected already (by a webhook, or by an earlier read of the same gap). */
    private java.util.Set<String> collected(List<WorkatoJob> jobs) {
        return collectedJobs.collectedAmong(jobs.stream().filter(WorkatoJob::isFailed).map(WorkatoJob::id).toList());
    }

    private JobFailed toEvent(WorkatoRecipe recipe, WorkatoJob job) {
        String errorType = job.errorTypeId();
        return JobFailed.of(workspace, recipe.id(), recipe.name(), recipe.folderId(), job.id(), job.masterJobId(),
                job.error(), errorType, job.httpStatus(), job.startedAt(), job.completedAt(),
                JobFailed.CollectionSource.POLL).withJobDetail(job);
    }

    private Optional<Cursor> cursor(long recipeId) {
        return cursors.find(recipeId);
    }

    private void saveCursor(WorkatoRecipe recipe, String newestFailedJobId) {
        cursors.close(recipe, newestFailedJobId, recipe.failedCount(), recipe.failedCount());
    }

    private void saveCursor(WorkatoRecipe recipe, String newestFailedJobId, long lastFailedCount,
                            long closedFailedCount) {
        cursors.close(recipe, newestFailedJobId, lastFailedCount, closedFailedCount);
    }
}
