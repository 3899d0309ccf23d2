package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import io.aof.testsupport.AofTestInfrastructure;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * An installation upgraded with incidents already SUPPRESSED: those whose window is still open wait for it
 * and are released when it ends, like incidents suppressed after the upgrade; those whose window ended before
 * the upgrade stay as they were (releasing them would repeat jobs of long ago that nobody asked for).
 */
class SuppressionUpgradeTest {

    @Test
    void incidentsSuppressedBeforeTheUpgradeWaitForTheirWindowIfItIsStillOpen() {
        PGSimpleDataSource ds = AofTestInfrastructure.get().newSchema("orch_up");
        String schema = ds.getCurrentSchema();
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

        OrchestratorDb db = new OrchestratorDb(ds);
        IncidentSweeps sweeps = SuppressionReleaseTest.sweeps(db);
        // recipe 1's window is still on; recipe 2's ended before the upgrade, but its incident is not taken
        assertThat(sweeps.releaseBatch()).isZero();
        assertThat(db.incident("w:1:j").closedAt()).isNull();   // open again: it waits for its window

        assertThat(db.endWindow(1)).isTrue();        // recipe 1's window ends
        assertThat(sweeps.releaseBatch()).isEqualTo(1);
        assertThat(db.incident("w:1:j").state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThat(db.incident("w:2:j").state()).isEqualTo(IncidentState.SUPPRESSED);
        assertThat(db.incident("w:2:j").closedAt()).isNotNull();
        assertThat(sweeps.releaseBatch()).isZero();
    }
}
