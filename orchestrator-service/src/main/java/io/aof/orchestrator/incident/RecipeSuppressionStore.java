package io.aof.orchestrator.incident;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The question every failure asks of maintenance windows, as a plain statement: whether its recipe has one on
 * now. Most recipes have none, and the JPA query that reads the window ({@link RecipeSuppressionRepository#findActive})
 * cost a failure more CPU than any other step of opening its incident (the pipeline benchmark's profile); it is
 * asked only when this says there is one. Same condition and clock: {@code until > now()}, the transaction's
 * {@code now()}, which is HQL's {@code instant}. Windows are written at once (set: flushed; ended: a bulk
 * delete), so this sees the transaction's own.
 */
@Repository
class RecipeSuppressionStore {

    private final JdbcTemplate jdbc;

    RecipeSuppressionStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    boolean hasActive(long recipeId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM recipe_suppression "
                + "WHERE recipe_id = ? AND until > now())", Boolean.class, recipeId));
    }
}
