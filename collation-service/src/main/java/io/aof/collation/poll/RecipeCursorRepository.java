package io.aof.collation.poll;

import io.aof.common.workato.WorkatoRecipe;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code recipe_cursor}: per recipe, how far the sweep has read its failed jobs
 * (closed at a job, or a resume point inside a gap left by a page cap), the
 * failed count Workato reported, and the stop Workato last reported.
 */
@Repository
public class RecipeCursorRepository {

    /**
     * One recipe's cursor. {@code lastFailedCount} is what the DELTA strategy compares with next sweep;
     * {@code newestFailedJobId} where the cursor is closed; {@code resumeJobId}/{@code resumeNewestJobId}/
     * {@code lookbackFrom}/{@code gapRead} the open gap, if any; {@code closedFailedCount} about how many failed
     * jobs the recipe had up to the cursor (for the estimate of what is behind).
     */
    record Cursor(long lastFailedCount, String newestFailedJobId, String stopCause, Instant stoppedAt,
                  String resumeJobId, String resumeNewestJobId, Instant lookbackFrom, Long closedFailedCount,
                  long gapRead) {
    }

    private final JdbcTemplate jdbc;

    public RecipeCursorRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    Optional<Cursor> find(long recipeId) {
        return jdbc.query("SELECT last_failed_count, newest_failed_job_id, stop_cause, stopped_at, resume_job_id, "
                        + "resume_newest_job_id, lookback_from, closed_failed_count, gap_read FROM recipe_cursor "
                        + "WHERE recipe_id = ?",
                (rs, i) -> new Cursor(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getTimestamp(4) == null ? null : rs.getTimestamp(4).toInstant(), rs.getString(5),
                        rs.getString(6), rs.getTimestamp(7) == null ? null : rs.getTimestamp(7).toInstant(),
                        (Long) rs.getObject(8), rs.getLong(9)), recipeId)
                .stream().findFirst();
    }

    /** The recipe's name as last seen by a sweep (null when never swept). */
    public String recipeName(long recipeId) {
        return jdbc.query("SELECT recipe_name FROM recipe_cursor WHERE recipe_id = ?", (rs, i) -> rs.getString(1),
                recipeId).stream().findFirst().orElse(null);
    }

    /**
     * The cursor is closed at {@code newestFailedJobId}: everything at or before it was read; any gap is
     * forgotten.
     */
    void close(WorkatoRecipe recipe, String newestFailedJobId, long lastFailedCount, long closedFailedCount) {
        jdbc.update("INSERT INTO recipe_cursor (recipe_id, recipe_name, folder_id, last_failed_count, "
                        + "newest_failed_job_id, updated_at, closed_failed_count) VALUES (?, ?, ?, ?, ?, now(), ?) "
                        + "ON CONFLICT (recipe_id) DO UPDATE SET recipe_name = excluded.recipe_name, "
                        + "folder_id = excluded.folder_id, last_failed_count = excluded.last_failed_count, "
                        + "newest_failed_job_id = excluded.newest_failed_job_id, updated_at = now(), "
                        + "resume_job_id = NULL, resume_newest_job_id = NULL, lookback_from = NULL, gap_read = 0, "
                        + "closed_failed_count = excluded.closed_failed_count",
                recipe.id(), recipe.name(), recipe.folderId(), lastFailedCount, newestFailedJobId, closedFailedCount);
    }

    /** The sweep stopped inside a gap: the next one continues older than {@code lastRead}. */
    void saveResumePoint(WorkatoRecipe recipe, String lastRead, String newest, Instant lookbackFrom, long gapRead) {
        jdbc.update("INSERT INTO recipe_cursor (recipe_id, recipe_name, folder_id, last_failed_count, "
                        + "newest_failed_job_id, updated_at, resume_job_id, resume_newest_job_id, lookback_from, "
                        + "gap_read) VALUES (?, ?, ?, ?, NULL, now(), ?, ?, ?, ?) "
                        + "ON CONFLICT (recipe_id) DO UPDATE SET recipe_name = excluded.recipe_name, "
                        + "folder_id = excluded.folder_id, last_failed_count = excluded.last_failed_count, "
                        + "updated_at = now(), resume_job_id = excluded.resume_job_id, "
                        + "resume_newest_job_id = excluded.resume_newest_job_id, lookback_from = excluded.lookback_from, "
                        + "gap_read = excluded.gap_read",
                recipe.id(), recipe.name(), recipe.folderId(), recipe.failedCount(), lastRead, newest,
                lookbackFrom == null ? null : Timestamp.from(lookbackFrom), gapRead);
    }

    /**
     * A recipe seen for the first time whose sweep stopped before it read a job it could resume below: the next
     * sweep reads it again from the newest job back to {@code lookbackFrom}, this first sight's lookback start,
     * whatever the count says (no job is closed yet); a stop already recorded is kept.
     */
    void keepFirstSight(WorkatoRecipe recipe, Instant lookbackFrom) {
        jdbc.update("INSERT INTO recipe_cursor (recipe_id, recipe_name, folder_id, last_failed_count, "
                        + "newest_failed_job_id, updated_at, lookback_from) VALUES (?, ?, ?, -1, NULL, now(), ?) "
                        + "ON CONFLICT (recipe_id) DO UPDATE SET recipe_name = excluded.recipe_name, "
                        + "folder_id = excluded.folder_id, last_failed_count = -1, updated_at = now(), "
                        + "lookback_from = excluded.lookback_from",
                recipe.id(), recipe.name(), recipe.folderId(), lookbackFrom == null ? null
                        : Timestamp.from(lookbackFrom));
    }

    /** The job the gap resumed from is gone: the next sweep reads the gap again from the newest job. */
    void forgetResumePoint(long recipeId) {
        jdbc.update("UPDATE recipe_cursor SET resume_job_id = NULL, resume_newest_job_id = NULL WHERE recipe_id = ?",
                recipeId);
    }

    /** A cursor for a recipe seen for the first time, without reading its jobs (if none exists). */
    void createIfAbsent(WorkatoRecipe recipe, long lastFailedCount) {
        jdbc.update("INSERT INTO recipe_cursor (recipe_id, recipe_name, folder_id, last_failed_count, updated_at) "
                + "VALUES (?, ?, ?, ?, now()) ON CONFLICT (recipe_id) DO NOTHING", recipe.id(), recipe.name(),
                recipe.folderId(), lastFailedCount);
    }

    void markStopped(long recipeId, String stopCause, Instant stoppedAt) {
        jdbc.update("UPDATE recipe_cursor SET stop_cause = ?, stopped_at = ? WHERE recipe_id = ?", stopCause,
                Timestamp.from(stoppedAt), recipeId);
    }

    void clearStop(long recipeId) {
        jdbc.update("UPDATE recipe_cursor SET stop_cause = NULL, stopped_at = NULL WHERE recipe_id = ?", recipeId);
    }
}
