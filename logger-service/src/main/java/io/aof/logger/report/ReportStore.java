package io.aof.logger.report;

import io.aof.common.events.Topics;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.sql.Array;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the job report reads from the event log ({@code event_log}, the logger's only source for it): the
 * incident events of a period, the incidents still open at its end, the recipes' stats snapshots and their last
 * known names. {@link ReportBuilder} does the arithmetic.
 */
@Repository
class ReportStore {

    private static final String SNAPSHOT = "RecipeStatsSnapshot";

    private final JdbcTemplate jdbc;

    ReportStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * An incident event that counts in the report.
     *
     * @param type       {@code IncidentOpened}, {@code RecipeStoppedEscalated}, {@code IncidentRecovered},
     *                   {@code RetriesExhausted}, {@code IncidentNonRetryable} or {@code ResolvedManually}
     * @param category   the failure's category, or null
     * @param recipeName the recipe's name as the event carries it, or null
     * @param openedAt   for {@code IncidentRecovered}, when the incident was opened (if that is logged); else null
     */
    record IncidentFact(String type, String incidentId, long recipeId, String category, String recipeName,
                        Instant occurredAt, Instant openedAt) {
    }

    /**
     * A recipe's {@code RecipeStatsSnapshot}: its name and its job counters since Workato started counting.
     */
    record Snapshot(String name, long succeeded, long failed) {
    }

    /** Each incident event of the workspace in {@code [from, to)} that counts in the report, as it is read. */
    void incidentFacts(String workspace, Instant from, Instant to, Consumer<IncidentFact> each) {
        jdbc.query("SELECT e.event_type, e.incident_id, e.recipe_id, e.category, e.payload->>'recipeName', "
                        + "e.occurred_at, CASE WHEN e.event_type = 'IncidentRecovered' THEN (SELECT min(o.occurred_at) "
                        + "FROM event_log o WHERE o.incident_id = e.incident_id AND o.event_type = 'IncidentOpened') "
                        + "END FROM event_log e WHERE e.topic = ? AND e.workspace = ? AND e.occurred_at >= ? "
                        + "AND e.occurred_at < ? AND e.recipe_id IS NOT NULL AND e.event_type IN ('IncidentOpened', "
                        + "'RecipeStoppedEscalated', 'IncidentRecovered', 'RetriesExhausted', 'IncidentNonRetryable', "
                        + "'ResolvedManually')",
                rs -> {
                    Timestamp opened = rs.getTimestamp(7);
                    each.accept(new IncidentFact(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                            rs.getString(5), rs.getTimestamp(6).toInstant(),
                            opened == null ? null : opened.toInstant()));
                }, Topics.Names.INCIDENT_EVENTS, workspace, Timestamp.from(from), Timestamp.from(to));
    }

    /**
     * Per recipe, how many of the workspace's incidents are still open before {@code end}: their last event leaves
     * them neither recovered nor resolved by hand.
     */
    Map<Long, Long> stillOpenByRecipe(String workspace, Instant end) {
        Map<Long, Long> byRecipe = new HashMap<>();
        jdbc.query("SELECT recipe_id, count(*) FROM (SELECT DISTINCT ON (incident_id) incident_id, recipe_id, "
                        + "payload->>'state' AS state FROM event_log WHERE topic = ? AND workspace = ? "
                        + "AND occurred_at < ? AND incident_id IS NOT NULL AND recipe_id IS NOT NULL "
                        + "ORDER BY incident_id, occurred_at DESC, id DESC) last "
                        + "WHERE state NOT IN ('RECOVERED', 'MANUALLY_RESOLVED') GROUP BY recipe_id",
                rs -> {
                    byRecipe.put(rs.getLong(1), rs.getLong(2));
                }, Topics.Names.INCIDENT_EVENTS, workspace, Timestamp.from(end));
        return byRecipe;
    }

    /** The first or last stats snapshot of each recipe of the workspace in {@code [from, to)}, by recipe id. */
    Map<Long, Snapshot> snapshots(String workspace, Instant from, Instant to, boolean lastOne) {
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

    /** The last name the log knows of each of these recipes (recipes it knows no name of are left out). */
    Map<Long, String> lastNames(List<Long> recipeIds) {
        Map<Long, String> names = new HashMap<>();
        jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT DISTINCT ON (recipe_id) recipe_id, payload->>'recipeName' "
                    + "FROM event_log WHERE recipe_id = ANY (?) AND payload->>'recipeName' IS NOT NULL "
                    + "ORDER BY recipe_id, occurred_at DESC");
            Array ids = con.createArrayOf("bigint", recipeIds.toArray());
            ps.setArray(1, ids);
            return ps;
        }, rs -> {
            names.put(rs.getLong(1), rs.getString(2));
        });
        return names;
    }
}
