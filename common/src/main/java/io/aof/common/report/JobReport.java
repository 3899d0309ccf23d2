package io.aof.common.report;

import java.time.Instant;
import java.util.List;

/**
 * The periodic job report (CALL-007) for one workspace and one period
 * {@code [from, to)}: what the logger computed from the event log, and what the
 * notifier renders for Slack and e-mail. Durations are whole seconds.
 *
 * @param schedule      the schedule that produced it ({@code on-demand} for the API)
 * @param zone          the zone the period was cut in (for display)
 * @param totals        the workspace's totals
 * @param recipes       one line per recipe with anything to report, worst first
 * @param topCategories error categories of the incidents opened in the period, most first
 * @param gotWorse      recipes that did worse than in the previous period of the same length
 */
public record JobReport(String schedule, String workspace, String zone, Instant from, Instant to, Totals totals,
                        List<RecipeLine> recipes, List<CategoryCount> topCategories, List<Worse> gotWorse) {

    /**
     * @param jobsSucceeded         jobs Workato counted as succeeded in the period (from stats snapshots)
     * @param jobsFailed            jobs Workato counted as failed in the period (from stats snapshots)
     * @param incidentsOpened       incidents opened in the period
     * @param recovered             incidents AOF recovered by repeating a job in the period
     * @param exhausted             incidents whose retries ran out in the period
     * @param nonRetryable          incidents opened as not worth repeating in the period
     * @param resolvedManually      incidents an operator resolved in the period
     * @param stillOpen             incidents neither recovered nor resolved at the end of the period
     * @param meanSecondsToRecovery mean time from opening to recovery of the incidents recovered in the period
     * @param p95SecondsToRecovery  95th percentile (nearest rank) of the same
     */
    public record Totals(long jobsSucceeded, long jobsFailed, long incidentsOpened, long recovered, long exhausted,
                         long nonRetryable, long resolvedManually, long stillOpen, Long meanSecondsToRecovery,
                         Long p95SecondsToRecovery) {
    }

    /** One recipe's figures; the counts mean what they mean in {@link Totals}. */
    public record RecipeLine(long recipeId, String recipeName, long jobsSucceeded, long jobsFailed,
                             long incidentsOpened, long recovered, long exhausted, long nonRetryable,
                             long resolvedManually, long stillOpen, Long meanSecondsToRecovery,
                             Long p95SecondsToRecovery, List<CategoryCount> topCategories) {
    }

    public record CategoryCount(String category, long incidents) {
    }

    /** A recipe with more failed jobs, incidents or exhausted incidents than in the previous period. */
    public record Worse(long recipeId, String recipeName, long jobsFailedBefore, long jobsFailed,
                        long incidentsOpenedBefore, long incidentsOpened, long exhaustedBefore, long exhausted) {
    }
}
