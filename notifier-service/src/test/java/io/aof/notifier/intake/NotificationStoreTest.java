package io.aof.notifier.intake;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierDb;
import io.aof.notifier.NotifierParts;
import io.aof.notifier.grouping.Digest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The notifier's bookkeeping on a real PostgreSQL (its own migrations, emptied for
 * each test): grouping into digests, Alertmanager-style reminders of a
 * group's open incidents, and escalation repeats until acknowledged or resolved.
 */
public class NotificationStoreTest {

    JdbcTemplate jdbc;

    @BeforeEach
    void schema() {
        javax.sql.DataSource ds = NotifierDb.emptied();
        jdbc = new JdbcTemplate(ds);
    }

    NotifierParts store(Map<String, String> props) {
        return NotifierParts.of(jdbc, RouterTest.bind(props), new SimpleMeterRegistry(), java.time.Clock.systemUTC());
    }

    public static NotificationRequested alert(String job, Kind kind, Audience audience) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", 7L, job,
                "w:7:" + job, 1, audience, kind, Severity.WARNING, "w:7:" + job + ":" + kind + ":" + audience,
                "t", "Orders", "TIMEOUT", 5, "504", null, null, null);
    }

    void tell(NotifierParts store, NotificationRequested n, String destination) {
        store.intake().store(n, EventCodec.encode(n), List.of(destination));
    }

    List<String> states(String destination) {
        return jdbc.queryForList("SELECT kind || ' ' || state FROM notification WHERE channel = ? ORDER BY seq",
                String.class, destination);
    }

    @Test
    void theFirstAlertOfAGroupGoesAloneTheOthersWaitForOneDigest() {
        NotifierParts store = store(Map.of("aof.notifier.grouping.group-interval", "1h"));
        tell(store, alert("j-1", Kind.FIRST_FAILURE, Audience.OPS), "slack:#ops");
        tell(store, alert("j-2", Kind.FIRST_FAILURE, Audience.OPS), "slack:#ops");
        tell(store, alert("j-3", Kind.FIRST_FAILURE, Audience.OPS), "slack:#ops");
        tell(store, alert("j-1", Kind.ATTEMPT_FAILED, Audience.OPS), "slack:#ops");   // j-1 has its own thread
        tell(store, alert("j-2", Kind.EXHAUSTED, Audience.OPS), "slack:#ops");        // j-2 stays in digests
        tell(store, alert("j-4", Kind.FIRST_FAILURE, Audience.OPS), "slack:#other");  // another destination
        assertThat(states("slack:#ops")).containsExactly("FIRST_FAILURE PENDING", "FIRST_FAILURE GROUPED",
                "FIRST_FAILURE GROUPED", "ATTEMPT_FAILED PENDING", "EXHAUSTED GROUPED");
        assertThat(states("slack:#other")).containsExactly("FIRST_FAILURE PENDING");
        assertThat(store.digests().buildDue()).isZero();   // due at the end of the group's hour

        jdbc.update("UPDATE alert_group SET digest_due_at = now() - interval '1 second' WHERE destination = 'slack:#ops'");
        assertThat(store.digests().buildDue()).isEqualTo(1);
        assertThat(states("slack:#ops")).containsExactly("FIRST_FAILURE PENDING", "FIRST_FAILURE DIGESTED",
                "FIRST_FAILURE DIGESTED", "ATTEMPT_FAILED PENDING", "EXHAUSTED DIGESTED", "DIGEST PENDING");
        Digest d = lastDigest();
        assertThat(d.alerts()).isEqualTo(3);
        assertThat(d.byKind()).containsEntry("FIRST_FAILURE", 2L).containsEntry("EXHAUSTED", 1L);
        assertThat(d.incidents()).extracting(Digest.Item::incidentId).containsExactly("w:7:j-2", "w:7:j-3");
        assertThat(d.incidents().get(0).kind()).isEqualTo("EXHAUSTED");   // each incident at its latest
    }

    /**
     * Found by the proof run: the final alert of an incident that lives in a group's digests, arriving after that
     * digest went out, stayed GROUPED forever (the group had no digest due any more, so nothing ever took it).
     */
    @Test
    void aLaterAlertOfAGroupedIncidentGoesInTheGroupsNextDigest() {
        NotifierParts store = store(Map.of("aof.notifier.grouping.group-interval", "1h"));
        tell(store, alert("j-1", Kind.FIRST_FAILURE, Audience.OPS), "slack:#ops");   // alone, opens the window
        tell(store, alert("j-2", Kind.FIRST_FAILURE, Audience.OPS), "slack:#ops");   // grouped
        jdbc.update("UPDATE alert_group SET digest_due_at = now() - interval '1 second'");
        assertThat(store.digests().buildDue()).isEqualTo(1);   // j-2's first alert in a digest; the group is quiet now

        tell(store, alert("j-2", Kind.EXHAUSTED, Audience.OPS), "slack:#ops");   // j-2 stays in digests
        assertThat(jdbc.queryForObject("SELECT digest_due_at IS NOT NULL FROM alert_group", Boolean.class))
                .as("the group has a digest due for it").isTrue();
        jdbc.update("UPDATE alert_group SET digest_due_at = now() - interval '1 second'");   // the window's end
        assertThat(store.digests().buildDue()).isEqualTo(1);
        assertThat(states("slack:#ops")).containsExactly("FIRST_FAILURE PENDING", "FIRST_FAILURE DIGESTED",
                "DIGEST PENDING", "EXHAUSTED DIGESTED", "DIGEST PENDING");
        assertThat(lastDigest().incidents()).extracting(Digest.Item::kind).containsExactly("EXHAUSTED");
    }

    @Test
    void aQuietGroupIsRemindedOfItsOpenIncidentsUntilTheyAreResolved() throws Exception {
        NotifierParts store = store(Map.of("aof.notifier.grouping.group-interval", "1h",
                "aof.notifier.grouping.repeat-interval", "1s"));
        tell(store, alert("j-1", Kind.EXHAUSTED, Audience.OPS), "slack:#ops");
        tell(store, alert("j-2", Kind.NON_RETRYABLE, Audience.OPS), "slack:#ops");
        jdbc.update("UPDATE alert_group SET digest_due_at = now() - interval '1 second'");
        store.digests().buildDue();   // j-2's digest
        Thread.sleep(1100);

        assertThat(store.digests().buildDue()).isEqualTo(1);   // a reminder: both still open
        Digest reminder = lastDigest();
        assertThat(reminder.reminder()).isTrue();
        assertThat(reminder.incidents()).extracting(Digest.Item::incidentId).containsExactly("w:7:j-1", "w:7:j-2");
        assertThat(store.digests().buildDue()).isZero();   // not again before repeat-interval

        tell(store, alert("j-1", Kind.RESOLVED_MANUALLY, Audience.OPS), "slack:#ops");
        tell(store, alert("j-2", Kind.RECOVERED, Audience.OPS), "slack:#ops");
        Thread.sleep(1100);
        assertThat(store.digests().buildDue()).isZero();   // nothing open: nobody reminded
    }

    @Test
    void anEscalationRepeatsUntilAcknowledgedAndStopsWhenResolved() {
        NotifierParts store = store(Map.of("aof.notifier.escalation.repeat-interval", "0s",
                "aof.notifier.escalation.max-repeats", "3"));
        tell(store, alert("j-9", Kind.EXHAUSTED, Audience.SUPER_ADMIN), "slack:#admin");
        assertThat(store.escalations().queueRepeats()).isEqualTo(1);
        assertThat(store.escalations().queueRepeats()).isEqualTo(1);
        assertThat(jdbc.queryForList("SELECT dedup_key FROM notification WHERE channel = 'slack:#admin' ORDER BY seq",
                String.class)).containsExactly("w:7:j-9:EXHAUSTED:SUPER_ADMIN", "w:7:j-9:EXHAUSTED:SUPER_ADMIN:repeat:1",
                "w:7:j-9:EXHAUSTED:SUPER_ADMIN:repeat:2");
        jdbc.update("UPDATE escalation SET acked_at = now(), acked_by = 'erin'");
        assertThat(store.escalations().queueRepeats()).isZero();

        // escalated again (a replay exhausted again), then resolved: no more repeats either
        tell(store, alert("j-9", Kind.EXHAUSTED, Audience.SUPER_ADMIN).withTitle("again"), "slack:#admin");
        tell(store, alert("j-9", Kind.RECOVERED, Audience.OPS), "slack:#ops");
        assertThat(store.escalations().queueRepeats()).isZero();
    }

    /**
     * Escalation reminders go through storm control: the reminder of an incident that lives in its group's digests
     * goes in the group's next digest, not alone. Found as a new user: 100 AUTH failures of one recipe made about
     * 100 admin messages an hour, for up to a day (issue 17).
     */
    @Test
    void remindersOfEscalationsKeptInAGroupsDigestsAreOneDigestNotOneMessageEach() {
        NotifierParts store = store(Map.of("aof.notifier.grouping.group-interval", "1h",
                "aof.notifier.escalation.repeat-interval", "0s", "aof.notifier.escalation.max-repeats", "3"));
        for (int i = 1; i <= 5; i++) {
            tell(store, alert("j-" + i, Kind.NON_RETRYABLE, Audience.SUPER_ADMIN), "slack:#admin");
        }
        jdbc.update("UPDATE alert_group SET digest_due_at = now() - interval '1 second'");
        assertThat(store.digests().buildDue()).isEqualTo(1);   // j-2 .. j-5 told in one digest
        long before = jdbc.queryForObject("SELECT max(seq) FROM notification", Long.class);

        assertThat(store.escalations().queueRepeats()).isEqualTo(5);   // five escalations reminded

        // j-1 (its own thread) is reminded in it; the four others wait for their group's next digest
        assertThat(jdbc.queryForList("SELECT incident_id || ' ' || state FROM notification WHERE seq > ? "
                + "ORDER BY incident_id", String.class, before)).containsExactly("w:7:j-1 PENDING",
                "w:7:j-2 GROUPED", "w:7:j-3 GROUPED", "w:7:j-4 GROUPED", "w:7:j-5 GROUPED");
        jdbc.update("UPDATE alert_group SET digest_due_at = now() - interval '1 second' WHERE digest_due_at IS NOT NULL");
        assertThat(store.digests().buildDue()).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification WHERE seq > ? AND state = 'PENDING'",
                Integer.class, before)).as("messages the reminder round sends: j-1's reply and one digest")
                .isEqualTo(2);
        assertThat(lastDigest().incidents()).extracting(Digest.Item::incidentId)
                .containsExactly("w:7:j-2", "w:7:j-3", "w:7:j-4", "w:7:j-5");
    }

    @Test
    void aStuckAlertIsCopiedToTheFallbackOnlyWhileTheFallbackItselfWorks() {
        NotifierParts store = store(Map.of("aof.notifier.fallback.after", "0s",
                "aof.notifier.grouping.enabled", "false"));   // fallback: the admin channel, by default
        tell(store, alert("j-1", Kind.FIRST_FAILURE, Audience.OPS), "slack:#aof-ops");
        tell(store, alert("j-2", Kind.EXHAUSTED, Audience.SUPER_ADMIN), "slack:#aof-admin");
        // Slack is down: both heads have been tried and wait
        jdbc.update("UPDATE notification SET attempts = 1, last_error = 'Slack HTTP 503'");
        assertThat(store.fallbacks().queueStuck()).isZero();   // a copy to a failing fallback would only double the backlog

        jdbc.update("UPDATE notification SET state = 'DELIVERED' WHERE channel = 'slack:#aof-admin'");
        assertThat(store.fallbacks().queueStuck()).isEqualTo(1);
        assertThat(states("slack:#aof-admin")).containsExactly("EXHAUSTED DELIVERED", "FIRST_FAILURE PENDING");
    }

    private Digest lastDigest() {
        return EventCodec.mapper().readValue(jdbc.queryForObject("SELECT digest FROM notification WHERE kind = 'DIGEST' "
                + "ORDER BY seq DESC LIMIT 1", String.class), Digest.class);
    }
}
