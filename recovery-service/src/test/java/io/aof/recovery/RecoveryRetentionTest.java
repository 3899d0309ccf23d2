package io.aof.recovery;

import io.aof.common.retention.RetentionJob;
import io.aof.common.retention.RetentionRule;
import io.aof.recovery.repeat.RecoveryInstance;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 12 #14: finished and cancelled repeat requests and tombstones go after their period; live ones stay. */
class RecoveryRetentionTest {

    @Test
    void onlyFinishedOrCancelledRequestsAndOldTombstonesArePurged() {
        JdbcTemplate jdbc = new JdbcTemplate(RecoveryInstance.newSchema());
        RecoveryRetention config = new RecoveryRetention();
        List<RetentionRule> rules = List.of(config.repeatRequestRetention(), config.repeatCancellationRetention());
        RetentionJob job = new RetentionJob(jdbc, rules, Map.of(), new SimpleMeterRegistry());
        row(jdbc, "done-old", "DONE", "now() - interval '31 days'");
        row(jdbc, "cancelled-old", "CANCELLED", "now() - interval '31 days'");
        row(jdbc, "done-recent", "DONE", "now() - interval '29 days'");
        row(jdbc, "accepted-old", "ACCEPTED", "NULL");
        row(jdbc, "pending-old", "PENDING", "NULL");
        jdbc.update("INSERT INTO repeat_cancellation (incident_id, up_to_attempt, cancelled_at) VALUES "
                + "('t-old', 1, now() - interval '31 days'), ('t-recent', 1, now() - interval '1 day')");

        job.scheduled();

        assertThat(jdbc.queryForList("SELECT incident_id FROM repeat_request ORDER BY incident_id", String.class))
                .containsExactly("accepted-old", "done-recent", "pending-old");
        assertThat(jdbc.queryForList("SELECT incident_id FROM repeat_cancellation", String.class))
                .containsExactly("t-recent");
    }

    private static void row(JdbcTemplate jdbc, String incident, String state, String finishedAt) {
        jdbc.update("INSERT INTO repeat_request (incident_id, attempt, workspace, recipe_id, job_id, state, "
                + "requested_at, finished_at) VALUES (?, 1, 'w', 7, 'j', ?, now() - interval '60 days', "
                + finishedAt + ")", incident, state);
    }
}
