package io.aof.logger.report;

import io.aof.common.report.JobReport;
import io.aof.common.report.JobReport.CategoryCount;
import io.aof.common.report.JobReport.RecipeLine;
import io.aof.common.report.JobReport.Totals;
import io.aof.common.report.JobReport.Worse;
import io.aof.logger.report.ReportStore.Snapshot;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Computes the periodic job report from the event log alone (read through the {@link ReportStore}):
 * <ul>
 * <li>jobs succeeded/failed per recipe: the last {@code RecipeStatsSnapshot} in the period minus the last one
 * before it (or, for a recipe first seen in the period, its first one in the period);</li>
 * <li>incidents opened ({@code IncidentOpened}, {@code RecipeStoppedEscalated}), recovered, exhausted,
 * non-retryable and resolved by hand: incidents with that event in the period;</li>
 * <li>still open: incidents whose last event before the end of the period leaves them neither recovered nor
 * resolved (retrying, exhausted, escalated, non-retryable or suppressed);</li>
 * <li>time to recovery: from {@code IncidentOpened} to {@code IncidentRecovered}, for the incidents recovered in
 * the period; mean and 95th percentile (nearest rank), in whole seconds;</li>
 * <li>got worse: more failed jobs, incidents opened or exhausted incidents than in the previous period of the
 * same length.</li>
 * </ul>
 */
@Component
public class ReportBuilder {

    private static final List<String> OPENED = List.of("IncidentOpened", "RecipeStoppedEscalated");

    private final ReportStore store;
    private final ReportProperties props;

    ReportBuilder(ReportStore store, ReportProperties props) {
        this.store = store;
        this.props = props;
    }

    public JobReport build(String schedule, String workspace, String zone, Instant from, Instant to) {
        Duration length = Duration.between(from, to);
        Map<Long, Figures> now = figures(workspace, from, to, true);
        Map<Long, Figures> before = figures(workspace, from.minus(length), from, false);
        names(now);

        List<RecipeLine> lines = new ArrayList<>();
        Figures all = new Figures(0);
        for (Figures f : now.values()) {
            if (f.isEmpty()) {
                continue;
            }
            lines.add(f.line(3));
            all.add(f);
        }
        lines.sort(Comparator.comparingLong((RecipeLine l) -> l.exhausted() + l.stillOpen()).reversed()
                .thenComparing(Comparator.comparingLong(RecipeLine::jobsFailed).reversed())
                .thenComparing(Comparator.comparingLong(RecipeLine::incidentsOpened).reversed())
                .thenComparingLong(RecipeLine::recipeId));

        List<Worse> worse = new ArrayList<>();
        for (Figures f : now.values()) {
            Figures b = before.getOrDefault(f.recipeId, new Figures(f.recipeId));
            if (f.jobsFailed > b.jobsFailed || f.opened.size() > b.opened.size()
                    || f.exhausted.size() > b.exhausted.size()) {
                worse.add(new Worse(f.recipeId, f.name, b.jobsFailed, f.jobsFailed, b.opened.size(), f.opened.size(),
                        b.exhausted.size(), f.exhausted.size()));
            }
        }
        worse.sort(Comparator.comparingLong((Worse w) -> w.jobsFailed() - w.jobsFailedBefore()).reversed()
                .thenComparing(Comparator.comparingLong((Worse w) -> w.incidentsOpened() - w.incidentsOpenedBefore())
                        .reversed())
                .thenComparingLong(Worse::recipeId));

        Totals totals = new Totals(all.jobsSucceeded, all.jobsFailed, all.opened.size(), all.recovered.size(),
                all.exhausted.size(), all.nonRetryable.size(), all.resolved.size(), all.stillOpen, all.meanTtr(),
                all.p95Ttr());
        return new JobReport(schedule, workspace, zone, from, to, totals, lines,
                all.topCategories(props.topCategories()), worse);
    }

    /** Every recipe's figures for {@code [from, to)}; still-open counts only when asked (they need a longer scan). */
    private Map<Long, Figures> figures(String workspace, Instant from, Instant to, boolean withStillOpen) {
        Map<Long, Figures> byRecipe = new TreeMap<>();
        Function<Long, Figures> get = id -> byRecipe.computeIfAbsent(id, Figures::new);

        Duration length = Duration.between(from, to);
        Map<Long, Snapshot> base = store.snapshots(workspace, from.minus(length), from, true);
        Map<Long, Snapshot> first = store.snapshots(workspace, from, to, false);
        Map<Long, Snapshot> last = store.snapshots(workspace, from, to, true);
        last.forEach((recipeId, end) -> {
            Snapshot start = base.getOrDefault(recipeId, first.get(recipeId));
            Figures f = get.apply(recipeId);
            f.name = end.name();
            f.jobsSucceeded = Math.max(0, end.succeeded() - start.succeeded());
            f.jobsFailed = Math.max(0, end.failed() - start.failed());
        });

        store.incidentFacts(workspace, from, to, e -> {
            String type = e.type();
            String incident = e.incidentId();
            Figures f = get.apply(e.recipeId());
            if (OPENED.contains(type)) {
                if (f.opened.add(incident)) {
                    f.categories.merge(e.category() == null ? "UNKNOWN" : e.category(), 1L, Long::sum);
                }
                if (f.name == null) {
                    f.name = e.recipeName();
                }
            } else if (type.equals("IncidentRecovered")) {
                if (f.recovered.add(incident) && e.openedAt() != null) {
                    f.ttrSeconds.add(Duration.between(e.openedAt(), e.occurredAt()).toSeconds());
                }
            } else if (type.equals("RetriesExhausted")) {
                f.exhausted.add(incident);
            } else if (type.equals("IncidentNonRetryable")) {
                f.nonRetryable.add(incident);
            } else {
                f.resolved.add(incident);
            }
        });

        if (withStillOpen) {
            store.stillOpenByRecipe(workspace, to).forEach((recipeId, n) -> get.apply(recipeId).stillOpen = n);
        }
        return byRecipe;
    }

    /** Recipes known only by id so far (still-open incidents from older periods) get their last known name. */
    private void names(Map<Long, Figures> figures) {
        List<Long> unnamed = figures.values().stream().filter(f -> f.name == null && !f.isEmpty())
                .map(f -> f.recipeId).toList();
        if (unnamed.isEmpty()) {
            return;
        }
        store.lastNames(unnamed).forEach((recipeId, name) -> figures.get(recipeId).name = name);
    }

    /** One recipe's (or the workspace's) figures while they are counted. */
    private static final class Figures {
        final long recipeId;
        String name;
        long jobsSucceeded;
        long jobsFailed;
        long stillOpen;
        final Set<String> opened = new HashSet<>();
        final Set<String> recovered = new HashSet<>();
        final Set<String> exhausted = new HashSet<>();
        final Set<String> nonRetryable = new HashSet<>();
        final Set<String> resolved = new HashSet<>();
        final List<Long> ttrSeconds = new ArrayList<>();
        final Map<String, Long> categories = new LinkedHashMap<>();

        Figures(long recipeId) {
            this.recipeId = recipeId;
        }

        boolean isEmpty() {
            return jobsSucceeded == 0 && jobsFailed == 0 && stillOpen == 0 && opened.isEmpty()
                    && recovered.isEmpty() && exhausted.isEmpty() && nonRetryable.isEmpty() && resolved.isEmpty();
        }

        void add(Figures f) {
            jobsSucceeded += f.jobsSucceeded;
            jobsFailed += f.jobsFailed;
            stillOpen += f.stillOpen;
            opened.addAll(f.opened);
            recovered.addAll(f.recovered);
            exhausted.addAll(f.exhausted);
            nonRetryable.addAll(f.nonRetryable);
            resolved.addAll(f.resolved);
            ttrSeconds.addAll(f.ttrSeconds);
            f.categories.forEach((c, n) -> categories.merge(c, n, Long::sum));
        }

        RecipeLine line(int topCategories) {
            return new RecipeLine(recipeId, name, jobsSucceeded, jobsFailed, opened.size(), recovered.size(),
                    exhausted.size(), nonRetryable.size(), resolved.size(), stillOpen, meanTtr(), p95Ttr(),
                    topCategories(topCategories));
        }

        Long meanTtr() {
            return ttrSeconds.isEmpty() ? null
                    : Math.round(ttrSeconds.stream().mapToLong(Long::longValue).average().orElseThrow());
        }

        Long p95Ttr() {
            if (ttrSeconds.isEmpty()) {
                return null;
            }
            List<Long> sorted = ttrSeconds.stream().sorted().toList();
            return sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1);
        }

        List<CategoryCount> topCategories(int n) {
            return categories.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                            .thenComparing(Map.Entry.comparingByKey()))
                    .limit(n).map(e -> new CategoryCount(e.getKey(), e.getValue())).toList();
        }
    }
}
