package io.aof.common.retention;

import io.aof.testsupport.AofTestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Retention on a real PostgreSQL: old rows go in batches, young and excluded rows stay. */
class RetentionJobTest {

    JdbcTemplate jdbc;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void schema() {
        PGSimpleDataSource ds = AofTestInfrastructure.get().newSchema("retention");
        jdbc = new JdbcTemplate(ds);
        jdbc.execute("CREATE TABLE thing (id BIGSERIAL PRIMARY KEY, state TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)");
    }

    @Test
    void deletesOnlyRowsOlderThanThePeriodThatMatchTheCondition() {
        jdbc.update("INSERT INTO thing (state, at) SELECT 'DONE', now() - interval '20 days' FROM generate_series(1, ?)",
                RetentionJob.BATCH + 7);
        jdbc.update("INSERT INTO thing (state, at) VALUES ('PENDING', now() - interval '20 days'), "
                + "('DONE', now() - interval '1 day')");
        RetentionRule rule = RetentionRule.of("thing", "at", Duration.ofDays(30)).onlyWhere("state = 'DONE'");
        RetentionJob job = new RetentionJob(jdbc, List.of(rule), Map.of("thing", Duration.ofDays(14)), meters);

        assertThat(job.purge(rule)).isEqualTo(RetentionJob.BATCH + 7);

        assertThat(jdbc.queryForList("SELECT state FROM thing ORDER BY id", String.class))
                .containsExactly("PENDING", "DONE");
        assertThat(meters.get("aof.retention.deleted").tag("table", "thing").counter().count())
                .isEqualTo(RetentionJob.BATCH + 7);
    }

    @Test
    void theDefaultPeriodHoldsWhenNoneIsConfigured() {
        jdbc.update("INSERT INTO thing (state, at) VALUES ('DONE', now() - interval '20 days')");
        RetentionRule rule = RetentionRule.of("thing", "at", Duration.ofDays(30));
        assertThat(new RetentionJob(jdbc, List.of(rule), Map.of(), meters).purge(rule)).isZero();
    }

    @Test
    void aPeriodForAnUnknownTableOrNotPositiveStopsTheStart() {
        RetentionRule rule = RetentionRule.of("thing", "at", Duration.ofDays(30));
        assertThatThrownBy(() -> new RetentionJob(jdbc, List.of(rule), Map.of("thnig", Duration.ofDays(1)), meters))
                .hasMessageContaining("aof.retention.periods.thnig").hasMessageContaining("[thing]");
        assertThatThrownBy(() -> new RetentionJob(jdbc, List.of(rule), Map.of("thing", Duration.ZERO), meters))
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> RetentionRule.of("thing; DROP TABLE x", "at", Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
