package io.aof.orchestrator.incident;

import io.aof.testsupport.AofTestInfrastructure;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An installation upgraded with incidents already SUPPRESSED: those whose window is still open wait for it
 * and are released when it ends, like incidents suppressed after the upgrade; those whose window ended before
 * the upgrade stay as they were (releasing them would repeat jobs of long ago that nobody asked for).
 */
class SuppressionUpgradeTest {

    @Test
    void incidentsSuppressedBeforeTheUpgradeWaitForTheirWindowIfItIsStillOpen() {
        String schema = "orch_up_" + UUID.randomUUID().toString().substring(0, 8);
        AofTestInfrastructure infra = AofTestInfrastructure.get();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(infra.jdbcUrl() + (infra.jdbcUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema);
        ds.setUser(infra.dbUser());
        ds.setPassword(infra.dbPassword());
        Flyway.configure().dataSource(ds).schemas(schema).defaultSchema(schema).target("3")
                .locations("classpath:db/common", "classpath:db/orchestrator").load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(ds);
        jdbc.update("INSERT INTO recipe_suppression (recipe_id, until, reason, requested_by) VALUES "
                + "(1, now() + interval '1 hour', 'upgrade tonight', 'carol'), "
                + "(2, now() - interval '1 day', 'last week', 'carol')");
        for (long recipe : new long[] {1, 2}) {
            jdbc.update("INSERT INTO incident (id, workspace, recipe_id, original_job_id, category, state, "
                    + "max_attempts, opened_at, updated_at, closed_at) VALUES (?, 'w', ?, ?, 'TIMEOUT', 'SUPPRESSED', "
                    + "5, now(), now(), now())", "w:" + recipe + ":j", recipe, "j");
        }

        Flyway.configure().dataSource(ds).schemas(schema).defaultSchema(schema)
                .locations("classpath:db/common", "classpath:db/orchestrator").load().migrate();

        assertThat(jdbc.queryForObject("SELECT suppressed_until IS NOT NULL FROM incident WHERE recipe_id = 1",
                Boolean.class)).isTrue();
        assertThat(jdbc.queryForObject("SELECT suppressed_until FROM incident WHERE recipe_id = 2",
                java.sql.Timestamp.class)).isNull();
    }
}
