package io.aof.notifier;

import io.aof.common.retention.RetentionJob;
import io.aof.common.retention.RetentionRule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The notifier's retention rules on a real PostgreSQL: old finished rows go, nothing a live thread, an open
 * escalation or a pending digest still needs does.
 */
class NotifierRetentionTest {

    JdbcTemplate jdbc;
    NotifierApplication app = new NotifierApplication();
    RetentionRule notification = app.notificationRetention();
    RetentionRule thread = app.incidentThreadRetention();
    RetentionRule group = app.alertGroupRetention();
    RetentionRule escalation = app.escalationRetention();
    RetentionRule refusal = app.refusalRetention();
    RetentionRule storm = app.signatureStormRetention();
    RetentionRule sighting = app.signatureSightingRetention();
    RetentionJob job;

    @BeforeEach
    void schema() {
        javax.sql.DataSource ds = NotifierDb.emptied();
        jdbc = new JdbcTemplate(ds);
        job = new RetentionJob(jdbc, List.of(notification, thread, group, escalation, refusal, storm, sighting),
                Map.of(), new SimpleMeterRegistry());
    }

    UUID row(String name, String incident, String state, int daysOld) {
        UUID id = UUID.randomUUID();
        jdbc.update("INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, request, state, "
                + "created_at) VALUES (?, ?, ?, 'OPS', 'FIRST_FAILURE', 'slack:#ops', '{}', ?, "
                + "now() - (? * interval '1 day'))", id, name, incident, state, daysOld);
        return id;
    }

    void thread(String incident, String lastKind, int daysQuiet, UUID parent, String groupKey) {
        jdbc.update("INSERT INTO incident_thread (destination, incident_id, mode, group_key, last_kind, parent_id, "
                + "updated_at) VALUES ('slack:#ops', ?, 'THREAD', ?, ?, ?, now() - (? * interval '1 day'))",
                incident, groupKey, lastKind, parent, daysQuiet);
    }

    List<String> left(String sql) {
        return jdbc.queryForList(sql, String.class);
    }

    @Test
    void finishedRowsGoAfterTheirPeriodRowsStillNeededStay() {
        row("old-delivered", "w:1:a", "DELIVERED", 31);
        row("old-failed", null, "FAILED", 31);
        row("old-digested", "w:1:e", "DIGESTED", 31);
        row("old-pending", "w:1:f", "PENDING", 31);
        row("old-grouped", "w:1:f", "GROUPED", 31);
        row("new-delivered", "w:1:g", "DELIVERED", 29);
        row("old-superseded", "outage-1", "SUPERSEDED", 31);
        row("new-superseded", "outage-2", "SUPERSEDED", 29);
        UUID resolvedParent = row("parent-of-resolved", "w:1:r", "DELIVERED", 60);
        UUID openParent = row("parent-of-open", "w:1:b", "DELIVERED", 60);
        row("open-escalation", "w:1:c", "DELIVERED", 31);
        thread("w:1:r", "RECOVERED", 31, resolvedParent, null);            // resolved a month ago: goes
        thread("w:1:b", "EXHAUSTED", 60, openParent, "slack:#ops|1|X");    // still open: reminders need it
        thread("w:1:d", "RESOLVED_MANUALLY", 5, null, null);               // resolved lately
        thread("outage-1", "OUTAGE_ENDED", 31, null, null);                 // an outage ended a month ago: goes
        thread("outage-2", "OUTAGE_UPDATED", 60, null, null);               // an outage still on: stays
        jdbc.update("INSERT INTO escalation (incident_id, request, next_repeat_at, opened_at) VALUES "
                + "('w:1:c', '{}', now(), now() - interval '40 days')");
        jdbc.update("INSERT INTO escalation (incident_id, request, next_repeat_at, closed_at) VALUES "
                + "('w:1:x', '{}', now(), now() - interval '31 days'), ('w:1:y', '{}', now(), now() - interval '2 days')");
        jdbc.update("INSERT INTO alert_group (group_key, destination, last_sent_at) VALUES "
                + "('slack:#ops|1|X', 'slack:#ops', now() - interval '60 days'), "
                + "('slack:#ops|2|Y', 'slack:#ops', now() - interval '60 days'), "
                + "('slack:#ops|3|Z', 'slack:#ops', now() - interval '1 day')");
        jdbc.update("INSERT INTO refusal (scope, reason, last_at) VALUES ('slack:#gone', 'channel_not_found', "
                + "now() - interval '31 days'), ('slack:#ops', 'msg_too_long', now())");

        job.purge(notification);
        job.purge(thread);
        job.purge(group);
        job.purge(escalation);
        job.purge(refusal);

        assertThat(left("SELECT dedup_key FROM notification ORDER BY dedup_key")).containsExactly(
                "new-delivered", "new-superseded", "old-grouped", "old-pending", "open-escalation", "parent-of-open",
                "parent-of-resolved");   // the resolved thread's parent goes once its thread has gone: next run
        assertThat(left("SELECT incident_id FROM incident_thread ORDER BY 1")).containsExactly("outage-2", "w:1:b",
                "w:1:d");
        assertThat(left("SELECT group_key FROM alert_group ORDER BY 1")).containsExactly("slack:#ops|1|X",
                "slack:#ops|3|Z");
        assertThat(left("SELECT incident_id FROM escalation ORDER BY 1")).containsExactly("w:1:c", "w:1:y");
        assertThat(left("SELECT scope FROM refusal")).containsExactly("slack:#ops");

        job.purge(notification);
        assertThat(left("SELECT dedup_key FROM notification ORDER BY dedup_key")).doesNotContain(
                "parent-of-resolved");
    }

    /**
     * A signature storm goes 30 days after it ended, its incidents' list with it, unless an incident told inside it
     * is still open or a row of it still waits; a recipe's sighting of a signature after a day; a stormed alert after
     * 30 days like a delivered one.
     */
    @Test
    void aStormGoesAMonthAfterItEndedUnlessItStillHasOpenIncidentsOrRowsToSend() {
        UUID gone = storm(31);
        UUID openIncident = storm(31);
        UUID rowWaiting = storm(31);
        UUID recent = storm(2);
        UUID open = storm(-1);
        for (UUID s : List.of(gone, openIncident, rowWaiting, recent, open)) {
            jdbc.update("INSERT INTO storm_incident (storm_id, incident_id, kind, told) VALUES (?, ?, 'NON_RETRYABLE', "
                    + "'STORM')", s, "w:9:" + s);
        }
        jdbc.update("INSERT INTO incident_thread (destination, incident_id, mode, storm_id, last_kind) VALUES "
                + "('slack:#ops', 'w:9:open', 'STORM', ?, 'NON_RETRYABLE'), "
                + "('slack:#ops', 'w:9:closed', 'STORM', ?, 'RESOLVED_MANUALLY')", openIncident, gone);
        jdbc.update("INSERT INTO notification (id, dedup_key, audience, kind, channel, state, storm_id) VALUES "
                + "(?, 'storm-ended', 'OPS', 'STORM_ENDED', 'slack:#ops', 'PENDING', ?)", UUID.randomUUID(), rowWaiting);
        row("old-stormed", "w:9:a", "STORMED", 31);
        row("new-stormed", "w:9:b", "STORMED", 29);
        jdbc.update("INSERT INTO signature_sighting (destination, signature, recipe_id, last_at) VALUES "
                + "('slack:#ops', 'a', 1, now() - interval '2 days'), ('slack:#ops', 'a', 2, now())");

        job.purge(storm);
        job.purge(sighting);
        job.purge(notification);

        assertThat(jdbc.queryForList("SELECT id FROM signature_storm", UUID.class))
                .containsExactlyInAnyOrder(openIncident, rowWaiting, recent, open);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM storm_incident", Integer.class)).isEqualTo(4);
        assertThat(left("SELECT recipe_id::text FROM signature_sighting")).containsExactly("2");
        assertThat(left("SELECT dedup_key FROM notification WHERE state = 'STORMED'")).containsExactly("new-stormed");
    }

    /** A storm that ended {@code daysAgo} days ago (negative: still open). */
    UUID storm(int daysAgo) {
        UUID id = UUID.randomUUID();
        jdbc.update("INSERT INTO signature_storm (id, destination, signature, text, since_at, ended_at) VALUES "
                + "(?, 'slack:#ops', ?, 'x', now(), CASE WHEN ? < 0 THEN NULL ELSE now() - (? * interval '1 day') END)",
                id, id.toString(), daysAgo, daysAgo);
        return id;
    }
}
