package io.aof.logger.report;

import io.aof.common.events.Topics;
import io.aof.common.report.JobReport;
import io.aof.common.report.JobReport.CategoryCount;
import io.aof.common.report.JobReport.RecipeLine;
import io.aof.common.report.JobReport.Totals;
import io.aof.common.report.JobReport.Worse;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Array;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Computes the periodic job report from the event log alone:
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

    private static final String SNAPSHOT = "RecipeStatsSnapshot";
    private static final List<String> OPENED = List.of("IncidentOpened", "RecipeStoppedEscalated");

    private final JdbcTemplate jdbc;
    private final ReportProperties props;

    ReportBuilder(JdbcTemplate jdbc, ReportProperties props) {
        this.jdbc = jdbc;
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
        Map<Long, Snapshot> base = snapshots(workspace, from.minus(length), from, true);
        Map<Long, Snapshot> first = snapshots(workspace, from, to, false);
        Map<Long, Snapshot> last = snapshots(workspace, from, to, true);
        last.forEach((recipeId, end) -> {
            Snapshot start = base.getOrDefault(recipeId, first.get(recipeId));
            Figures f = get.apply(recipeId);
            f.name = end.name();
            f.jobsSucceeded = Math.max(0, end.succeeded() - start.succeeded());
            f.jobsFailed = Math.max(0, end.failed() - start.failed());
        });

        jdbc.query("SELECT e.event_type, e.incident_id, e.recipe_id, e.category, e.payload->>'recipeName', "
                        + "e.occurred_at, CASE WHEN e.event_type = 'IncidentRecovered' THEN (SELECT min(o.occurred_at) "
                        + "FROM event_log o WHERE o.incident_id = e.incident_id AND o.event_type = 'IncidentOpened') "
                        + "END FROM event_log e WHERE e.topic = ? AND e.workspace = ? AND e.occurred_at >= ? "
                        + "AND e.occurred_at < ? AND e.recipe_id IS NOT NULL AND e.event_type IN ('IncidentOpened', "
                        + "'RecipeStoppedEscalated', 'IncidentRecovered', 'RetriesExhausted', 'IncidentNonRetryable', "
                        + "'ResolvedManually')",
                rs -> {
                    String type = rs.getString(1);
                    String incident = rs.getString(2);
                    Figures f = get.apply(rs.getLong(3));
                    if (OPENED.contains(type)) {
                        if (f.opened.add(incident)) {
                            f.categories.merge(rs.getString(4) == null ? "UNKNOWN" : rs.getString(4), 1L, Long::sum);
                        }
                        if (f.name == null) {
                            f.name = rs.getString(5);
                        }
                    } else if (type.equals("IncidentRecovered")) {
                        Timestamp opened = rs.getTimestamp(7);
                        if (f.recovered.add(incident) && opened != null) {
                            f.ttrSeconds.add(Duration.between(opened.toInstant(), rs.getTimestamp(6).toInstant())
                                    .toSeconds());
                        }
                    } else if (type.equals("RetriesExhausted")) {
                        f.exhausted.add(incident);
                    } else if (type.equals("IncidentNonRetryable")) {
                        f.nonRetryable.add(incident);
                    } else {
                        f.resolved.add(incident);
                    }
                }, Topics.Names.INCIDENT_EVENTS, workspace, Timestamp.from(from), Timestamp.from(to));

        if (withStillOpen) {
            jdbc.query("SELECT recipe_id, count(*) FROM (SELECT DISTINCT ON (incident_id) incident_id, recipe_id, "
                            + "payload->>'state' AS state FROM event_log WHERE topic = ? AND workspace = ? "
                            + "AND occurred_at < ? AND incident_id IS NOT NULL AND recipe_id IS NOT NULL "
                            + "ORDER BY incident_id, occurred_at DESC, id DESC) last "
                            + "WHERE state NOT IN ('RECOVERED', 'MANUALLY_RESOLVED') GROUP BY recipe_id",
                    rs -> {
                        get.apply(rs.getLong(1)).stillOpen = rs.getLong(2);
                    }, Topics.Names.INCIDENT_EVENTS, workspace, Timestamp.from(to));
        }
        return byRecipe;
    }

    /** The first or last stats snapshot of each recipe in {@code [from, to)}. */
    private Map<Long, Snapshot> snapshots(String workspace, Instant from, Instant to, boolean lastOne) {
        String order = lastOne ? "DESC" : "ASC";
        Map<Long, Snapshot> out = new HashMap<>();
        jdbc.query("SELECT DISTINCT ON (recipe_id) recipe_id, payload->>'recipeName', "
                        + "(payload->>'jobSucceededCount')::bigint, (payload->>'jobFailedCount')::bigint "
                        + "FROM event_log WHERE event_type = ? AND workspace = ? AND occurred_at >= ? "
                        + "AND occurred_at < ? AND recipe_id IS NOT NULL "
                        + "ORDER BY recipe_id, occurred_at " + order + ", id " + order,
                rs -> {
                    out.put(rs.getLong(1), new Snapshot(rs.getString(2), rs.getLong(3), rs.getLong(4)));
                }, SNAPSHOT, workspace, Timestamp.from(from), Timestamp.from(to));
        return out;
    }

    /** Recipes known only by id so far (still-open incidents from older periods) get their last known name. */
    private void names(Map<Long, Figures> figures) {
        List<Long> unnamed = figures.values().stream().filter(f -> f.name == null && !f.isEmpty())
                .map(f -> f.recipeId).toList();
        if (unnamed.isEmpty()) {
            return;
        }
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT DISTINCT ON (recipe_id) recipe_id, payload->>'recipeName' "
                    + "FROM event_log WHERE recipe_id = ANY (?) AND payload->>'recipeName' IS NOT NULL "
                    + "ORDER BY recipe_id, occurred_at DESC");
            Array ids = con.createArrayOf("bigint", unnamed.toArray());
            ps.setArray(1, ids);
            return ps;
        }, rs -> {
            figures.get(rs.getLong(1)).name = rs.getString(2);
        });
    }

    private record Snapshot(String name, long succeeded, long failed) {
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
