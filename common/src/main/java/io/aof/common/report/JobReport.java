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
 * @param moreRecipes   recipe lines left out of {@code recipes} by {@link #capped} ("and N more")
 * @param moreGotWorse  lines left out of {@code gotWorse} by {@link #capped}
 */
public record JobReport(String schedule, String workspace, String zone, Instant from, Instant to, Totals totals,
                        List<RecipeLine> recipes, List<CategoryCount> topCategories, List<Worse> gotWorse,
                        int moreRecipes, int moreGotWorse) {

    /**
     * Recipe lines a report sent through Kafka carries at most (the rest are counted in {@code moreRecipes});
     * with recipe names cut to {@link #MAX_NAME_CHARS} the report stays far below Kafka's 1 MiB record size
     * whatever the number of recipes. The whole report is on {@code GET /api/reports}.
     */
    public static final int MAX_RECIPE_LINES = 200;
    /** "Got worse" lines a report sent through Kafka carries at most. */
    public static final int MAX_WORSE_LINES = 50;
    /** Recipe names in a report sent through Kafka are cut to this many characters. */
    public static final int MAX_NAME_CHARS = 200;

    /** A report with nothing left out. */
    public JobReport(String schedule, String workspace, String zone, Instant from, Instant to, Totals totals,
                     List<RecipeLine> recipes, List<CategoryCount> topCategories, List<Worse> gotWorse) {
        this(schedule, workspace, zone, from, to, totals, recipes, topCategories, gotWorse, 0, 0);
    }

    /** All recipes, counting those left out in the capped lists. */
    public int recipeCount() {
        return recipes.size() + moreRecipes;
    }

    /** This report as sent through Kafka: at most the capped lines (the worst first, as listed), names cut. */
    public JobReport capped() {
        List<RecipeLine> lines = recipes.stream().limit(MAX_RECIPE_LINES).map(l -> new RecipeLine(l.recipeId(),
                cut(l.recipeName()), l.jobsSucceeded(), l.jobsFailed(), l.incidentsOpened(), l.recovered(),
                l.exhausted(), l.nonRetryable(), l.resolvedManually(), l.stillOpen(), l.meanSecondsToRecovery(),
                l.p95SecondsToRecovery(), l.topCategories())).toList();
        List<Worse> worse = gotWorse.stream().limit(MAX_WORSE_LINES).map(w -> new Worse(w.recipeId(),
                cut(w.recipeName()), w.jobsFailedBefore(), w.jobsFailed(), w.incidentsOpenedBefore(),
                w.incidentsOpened(), w.exhaustedBefore(), w.exhausted())).toList();
        return new JobReport(schedule, workspace, zone, from, to, totals, lines, topCategories, worse,
                moreRecipes + recipes.size() - lines.size(), moreGotWorse + gotWorse.size() - worse.size());
    }

    private static String cut(String name) {
        return name == null ? null : io.aof.common.text.ExternalText.clean(name, MAX_NAME_CHARS);
    }

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
