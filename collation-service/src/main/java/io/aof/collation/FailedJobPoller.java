package io.aof.collation;

import io.aof.common.events.JobFailed;
import io.aof.common.events.RecipeEvent;
import io.aof.common.events.RecipeStopped;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.aof.common.messaging.AofProperties;
import io.aof.common.workato.JobQuery;
import io.aof.common.workato.WorkatoApiException;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import io.aof.common.workato.WorkatoJobPage;
import io.aof.common.workato.WorkatoRecipe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Polls the workspace for failed jobs without scraping every recipe: one
 * {@code GET /recipes} page gives 100 recipes' {@code job_failed_count}, and
 * only recipes whose count moved get their failed-job list read, newest first,
 * back to the newest failed job seen last time (the cursor). The cursor and the
 * last count live in the collation schema and change in the same transaction as
 * the events, so a restart neither misses nor re-emits a failure.
 */
@Component
class FailedJobPoller {

    private static final Logger log = LoggerFactory.getLogger(FailedJobPoller.class);
    private static final int RECIPES_PER_PAGE = 100;

    private final WorkatoClient workato;
    private final FailureCollector collector;
    private final Outbox outbox;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final CollationProperties props;
    private final String workspace;
    private final WatchScope scope;
    private Instant nextStatsAt = Instant.EPOCH;

    FailedJobPoller(WorkatoClient workato, FailureCollector collector, Outbox outbox, JdbcTemplate jdbc,
                    TransactionTemplate tx, CollationProperties props, AofProperties aof) {
        this.workato = workato;
        this.collector = collector;
        this.outbox = outbox;
        this.jdbc = jdbc;
        this.tx = tx;
        this.props = props;
        this.workspace = aof.workspace();
        this.scope = new WatchScope(props.watch());
    }

    @Scheduled(fixedDelayString = "${aof.collation.poll-interval:30s}", initialDelayString = "${aof.collation.initial-delay:1s}")
    void sweep() {
        boolean statsDue = Instant.now().isAfter(nextStatsAt);
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
            if (statsDue) {
                publishStats(watched);
                nextStatsAt = Instant.now().plus(props.statsInterval());
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
                    pollRecipe(recipe);
                }
            }
        } while (recipes.size() == RECIPES_PER_PAGE);
    }

    /** Each watched recipe's counts, from the listing the sweep made anyway: no extra call. */
    private void publishStats(List<WorkatoRecipe> recipes) {
        Instant takenAt = Instant.now();
        tx.executeWithoutResult(status -> recipes.forEach(r -> outbox.append(Topics.RECIPE_EVENTS,
                String.valueOf(r.id()), RecipeEvent.RecipeStatsSnapshot.of(workspace, r.id(), r.name(), r.folderId(),
                        Boolean.TRUE.equals(r.running()), r.jobSucceededCount() == null ? 0 : r.jobSucceededCount(),
                        r.failedCount(), r.lastRunAt(), takenAt))));
        log.info("Published stats snapshots of {} recipe(s)", recipes.size());
    }

    private void pollRecipe(WorkatoRecipe recipe) {
        Optional<Cursor> cursor = cursor(recipe.id());
        watchStop(recipe, cursor);
        if (cursor.isPresent() && cursor.get().lastFailedCount == recipe.failedCount()
                && props.strategy() == CollationProperties.Strategy.DELTA) {
            return;
        }
        if (cursor.isEmpty() && recipe.failedCount() == 0) {
            tx.executeWithoutResult(status -> saveCursor(recipe, null));
            return;
        }
        String stopAt = cursor.map(c -> c.newestFailedJobId).orElse(null);
        Instant notBefore = cursor.isPresent() ? null : Instant.now().minus(props.initialLookback());
        List<WorkatoJob> fresh = new ArrayList<>();
        String newest = null;
        JobQuery query = JobQuery.failed();
        pages:
        for (int page = 0; page < props.maxPagesPerRecipe(); page++) {
            WorkatoJobPage jobs = workato.listJobs(recipe.id(), query);
            List<WorkatoJob> items = jobs.itemsOrEmpty();
            for (WorkatoJob job : items) {
                if (newest == null) {
                    newest = job.id();
                }
                if (job.id().equals(stopAt)) {
                    break pages;
                }
                Instant when = job.completedAt() != null ? job.completedAt() : job.startedAt();
                if (notBefore != null && when != null && when.isBefore(notBefore)) {
                    break pages;
                }
                if (job.isFailed()) {
                    fresh.add(withStepError(recipe.id(), job));
                }
            }
            if (items.isEmpty()) {
                break;
            }
            query = query.olderThan(items.get(items.size() - 1).id());
        }
        String newCursor = newest != null ? newest : stopAt;
        tx.executeWithoutResult(status -> {
            int published = 0;
            // oldest first, so the orchestrator sees an original before its repeats
            for (int i = fresh.size() - 1; i >= 0; i--) {
                if (collector.collect(toEvent(recipe, fresh.get(i)))) {
                    published++;
                }
            }
            saveCursor(recipe, newCursor);
            if (published > 0) {
                log.info("Recipe {} '{}': {} new failed job(s)", recipe.id(), recipe.name(), published);
            }
        });
    }

    /**
     * Trigger errors create no job: a recipe that Workato stopped ({@code stop_cause})
     * is published as {@code RecipeStopped}, once per stop.
     */
    private void watchStop(WorkatoRecipe recipe, Optional<Cursor> cursor) {
        if (recipe.stopCause() == null || recipe.stopCause().isBlank() || Boolean.TRUE.equals(recipe.running())) {
            if (cursor.isPresent() && cursor.get().stopCause != null) {
                jdbc.update("UPDATE recipe_cursor SET stop_cause = NULL, stopped_at = NULL WHERE recipe_id = ?",
                        recipe.id());
            }
            return;
        }
        // seconds: the database keeps microseconds, Workato may send more; the incident id uses seconds too
        Instant stoppedAt = (recipe.stoppedAt() != null ? recipe.stoppedAt() : Instant.EPOCH)
                .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (cursor.isPresent() && recipe.stopCause().equals(cursor.get().stopCause) && cursor.get().stoppedAt != null
                && stoppedAt.equals(cursor.get().stoppedAt.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))) {
            return;
        }
        tx.executeWithoutResult(status -> {
            if (cursor.isEmpty()) {
                saveCursorCount(recipe, cursor);
            }
            jdbc.update("UPDATE recipe_cursor SET stop_cause = ?, stopped_at = ? WHERE recipe_id = ?",
                    recipe.stopCause(), java.sql.Timestamp.from(stoppedAt), recipe.id());
            outbox.append(Topics.RECIPE_EVENTS, String.valueOf(recipe.id()), RecipeStopped.of(workspace,
                    recipe.id(), recipe.name(), recipe.folderId(), recipe.stopCause(), recipe.stoppedAt()));
        });
        log.warn("Recipe {} '{}' was stopped by Workato: {}", recipe.id(), recipe.name(), recipe.stopCause());
    }

    /**
     * A list item may lack the failed step's {@code error_type_id} and HTTP code,
     * which classify best; then the job detail is read, if the API budget allows.
     */
    private WorkatoJob withStepError(long recipeId, WorkatoJob job) {
        if (job.errorTypeId() != null) {
            return job;   // the error type classifies best; the HTTP code alone is not worth a call
        }
        try {
            WorkatoJob detail = workato.getJob(recipeId, job.handle() != null ? job.handle() : job.id());
            return detail.errorTypeId() != null || detail.httpStatus() != null ? detail : job;
        } catch (WorkatoApiException e) {
            log.debug("No detail for job {}: {}", job.id(), e.getMessage());
            return job;
        }
    }

    private void saveCursorCount(WorkatoRecipe recipe, Optional<Cursor> cursor) {
        jdbc.update("INSERT INTO recipe_cursor (recipe_id, recipe_name, folder_id, last_failed_count, updated_at) "
                + "VALUES (?, ?, ?, ?, now()) ON CONFLICT (recipe_id) DO NOTHING", recipe.id(), recipe.name(),
                recipe.folderId(), cursor.isPresent() ? cursor.get().lastFailedCount : -1);
    }

    private JobFailed toEvent(WorkatoRecipe recipe, WorkatoJob job) {
        String errorType = job.errorTypeId();
        return JobFailed.of(workspace, recipe.id(), recipe.name(), recipe.folderId(), job.id(), job.masterJobId(),
                job.error(), errorType, job.httpStatus(), job.startedAt(), job.completedAt(),
                JobFailed.CollectionSource.POLL);
    }

    private Optional<Cursor> cursor(long recipeId) {
        return jdbc.query("SELECT last_failed_count, newest_failed_job_id, stop_cause, stopped_at FROM recipe_cursor "
                        + "WHERE recipe_id = ?",
                (rs, i) -> new Cursor(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getTimestamp(4) == null ? null : rs.getTimestamp(4).toInstant()), recipeId)
                .stream().findFirst();
    }

    private void saveCursor(WorkatoRecipe recipe, String newestFailedJobId) {
        jdbc.update("INSERT INTO recipe_cursor (recipe_id, recipe_name, folder_id, last_failed_count, "
                        + "newest_failed_job_id, updated_at) VALUES (?, ?, ?, ?, ?, now()) "
                        + "ON CONFLICT (recipe_id) DO UPDATE SET recipe_name = excluded.recipe_name, "
                        + "folder_id = excluded.folder_id, last_failed_count = excluded.last_failed_count, "
                        + "newest_failed_job_id = excluded.newest_failed_job_id, updated_at = now()",
                recipe.id(), recipe.name(), recipe.folderId(), recipe.failedCount(), newestFailedJobId);
    }

    private record Cursor(long lastFailedCount, String newestFailedJobId, String stopCause, Instant stoppedAt) {
    }
}
