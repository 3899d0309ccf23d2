package io.aof.notifier.delivery;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.FakeSlack;
import io.aof.notifier.NotifierHarness;
import io.aof.notifier.NotifierParts;
import io.aof.notifier.intake.NotificationStoreTest;
import io.aof.notifier.intake.Router;
import io.aof.notifier.intake.RouterTest;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dispatcher on a real PostgreSQL (its own migrations, emptied for each test) against a real HTTP fake
 * of Slack's Web API: what a refusal does to the refused row, to the rows behind it, and who is told.
 */
class NotificationDispatcherTest extends NotifierHarness {

    /** Without grouping. */
    @Override
    public Notifier notifier(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(Map.of("aof.notifier.grouping.enabled", "false"));
        p.putAll(extra);
        return super.notifier(p);
    }

    void tell(Notifier notifier, String job, String destination) {
        NotificationRequested n = NotificationStoreTest.alert(job, Kind.FIRST_FAILURE, Audience.OPS);
        tx.executeWithoutResult(s -> notifier.parts().intake().store(n, EventCodec.encode(n), List.of(destination)));
    }

    List<String> states(String destination) {
        return jdbc.queryForList("SELECT state || ' ' || COALESCE(last_error, '-') FROM notification "
                + "WHERE channel = ? ORDER BY seq", String.class, destination);
    }

    @Test
    void aChannelThatIsNotFoundFailsThoseRowsForGoodTellsTheAdminOnceAndLaterAlertsStillGo() {
        Notifier notifier = notifier(Map.of());
        slack.refuse("#ops", "channel_not_found", 3);
        for (String job : List.of("j-1", "j-2", "j-3", "j-4", "j-5")) {
            tell(notifier, job, "slack:#ops");
        }

        rounds(notifier, 3);

        // the two alerts behind the refused ones are delivered, in order
        assertThat(slack.delivered("#ops")).extracting(FakeSlack.Call::text)
                .satisfiesExactly(t -> assertThat(t).contains("j-4"), t -> assertThat(t).contains("j-5"));
        assertThat(states("slack:#ops")).containsExactly(
                "FAILED Slack answered channel_not_found", "FAILED Slack answered channel_not_found",
                "FAILED Slack answered channel_not_found", "DELIVERED -", "DELIVERED -");
        assertThat(slack.to("#ops")).hasSize(5);   // each refused row was tried once, never again
        rounds(notifier, 2);
        assertThat(slack.to("#ops")).hasSize(5);
        // the admin is told once for the burst, in the admin channel (another destination than the one failing)
        assertThat(slack.delivered("#admin")).filteredOn(c -> c.text().contains("Notifications undeliverable"))
                .singleElement().satisfies(c -> assertThat(c.text()).contains("slack:#ops")
                        .contains("channel_not_found"));
        // an AOF_TROUBLE like the others: one escalation, repeated until acknowledged, under its trouble id
        assertThat(jdbc.queryForList("SELECT incident_id FROM escalation", String.class)).singleElement()
                .satisfies(id -> assertThat(id).startsWith("aof:refusal:slack:#ops:channel_not_found:"));
        assertThat(meters.counter("aof.notifications.failed.permanent", "channel", "slack", "reason",
                "channel_not_found").count()).isEqualTo(3.0);
        // what was refused is not lost: each refused alert is copied to the fallback (by default the admin channel)
        assertThat(slack.delivered("#admin")).filteredOn(c -> c.text().contains(
                "[fallback: slack:#ops refused it for good: Slack answered channel_not_found]")).hasSize(3);
        // once the channel is fixed, the operator sends them again, in their order
        assertThat(notifier.parts().notifications().requeueFailed(null, "slack:#ops")).isEqualTo(3);
        rounds(notifier, 1);
        assertThat(slack.delivered("#ops")).extracting(FakeSlack.Call::text).hasSize(5).last().satisfies(
                t -> assertThat(t).contains("j-3"));
        assertThat(states("slack:#ops")).allSatisfy(st -> assertThat(st).startsWith("DELIVERED"));
    }

    /**
     * Slack took the message, then the notifier's database connection died before the delivery was recorded (a
     * crash or the database lost between the two): the row is still pending. The next round asks Slack (the
     * notification's id is in the message's metadata) and records the message it finds instead of posting it
     * again; the same for a reply in the incident's thread.
     */
    @Test
    void aMessageSlackTookWhoseAnswerWasLostIsFoundAtSlackAndNotPostedAgain() {
        Notifier notifier = notifier(Map.of());
        String channel = "C0042";   // named by id, as conversations.history needs it
        slack.beforeAnswer = once(this::killTheDispatchersConnection);
        tell(notifier, "j-1", "slack:" + channel);   // incident w:7:j-1's first message

        rounds(notifier, 1);
        assertThat(slack.delivered(channel)).hasSize(1);
        assertThat(states("slack:" + channel)).containsExactly("PENDING -");   // what Slack said was lost

        rounds(notifier, 2);
        assertThat(slack.delivered(channel)).hasSize(1);
        assertThat(states("slack:" + channel)).containsExactly("DELIVERED -");
        String parentTs = slack.delivered(channel).get(0).ts();
        assertThat(jdbc.queryForObject("SELECT parent_ref FROM incident_thread WHERE destination = ?", String.class,
                "slack:" + channel)).isEqualTo(parentTs);

        // the incident ends: the first message updated, a reply in its thread, and that answer lost the same way
        slack.beforeAnswer = once(this::killTheDispatchersConnection);
        NotificationRequested end = NotificationStoreTest.alert("j-1", Kind.RECOVERED, Audience.OPS);
        tx.executeWithoutResult(s -> notifier.parts().intake().store(end, EventCodec.encode(end), List.of("slack:" + channel)));
        rounds(notifier, 3);

        assertThat(slack.delivered(channel)).filteredOn(c -> c.method().equals("chat.postMessage"))
                .extracting(FakeSlack.Call::threadTs).containsExactly(null, parentTs);
        assertThat(states("slack:" + channel)).containsExactly("DELIVERED -", "DELIVERED -");
        assertThat(meters.counter("aof.notifications.lost.answers", "channel", "slack", "outcome", "found").count())
                .isEqualTo(2.0);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification_try", Integer.class)).isZero();
    }

    /** Where Slack cannot be asked (a channel named by name, never answered for before): sent again, and said. */
    @Test
    void aLostAnswerSlackCannotBeAskedAboutIsSentAgainAndCounted() {
        Notifier notifier = notifier(Map.of());
        slack.beforeAnswer = once(this::killTheDispatchersConnection);
        tell(notifier, "j-1", "slack:#ops");

        rounds(notifier, 3);

        assertThat(slack.delivered("#ops")).hasSize(2);
        assertThat(states("slack:#ops")).containsExactly("DELIVERED -");
        assertThat(meters.counter("aof.notifications.lost.answers", "channel", "slack", "outcome", "unknown").count())
                .isEqualTo(1.0);
    }

    /** Ends the dispatcher's open transaction from outside, as a crash of its database would. */
    void killTheDispatchersConnection() {
        jdbc.queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                + "AND datname = current_database() AND state = 'idle in transaction'");
    }

    static Runnable once(Runnable r) {
        AtomicBoolean done = new AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                r.run();
            }
        };
    }

    @Test
    void aRefusedTokenHoldsTheRowsPausesEverySlackDestinationAndTellsTheAdminElsewhere() {
        Notifier notifier = notifier(Map.of("aof.notifier.fallback.destination", "webhook:oncall",
                "aof.notifier.webhooks.oncall.url", slack.apiUrl() + "hook"));
        slack.refuse("#ops", "invalid_auth", 1);
        tell(notifier, "j-1", "slack:#ops");
        tell(notifier, "j-2", "slack:#other");

        rounds(notifier, 2);

        // one try: the token is refused, so #other is not even tried, and nothing is failed for good
        assertThat(slack.calls).filteredOn(c -> c.channel() != null && c.channel().startsWith("#")).singleElement()
                .satisfies(c -> assertThat(c.error()).isEqualTo("invalid_auth"));
        assertThat(states("slack:#ops")).containsExactly("PENDING Slack answered invalid_auth");
        assertThat(states("slack:#other")).containsExactly("PENDING -");
        // the admin is told through the fallback webhook, not through Slack, whose token is refused
        assertThat(jdbc.queryForList("SELECT channel FROM notification WHERE kind = 'AOF_TROUBLE'", String.class))
                .containsExactly("webhook:oncall");
        assertThat(notifier.dispatcher().paused()).containsOnlyKeys("slack");
        assertThat(meters.counter("aof.notifications.refused.credentials", "channel", "slack").count())
                .isEqualTo(1.0);
    }

    @Test
    void withNobodyElseToTellARefusalIsSaidInHealth() {
        Notifier notifier = notifier(Map.of("aof.notifier.fallback.destination", "none"));
        RefusalAlerts refusals = new RefusalAlerts(notifier.parts().refusals(), new Router(RouterTest.bind(Map.of(
                "aof.notifier.slack.admin-channel", "#admin", "aof.notifier.fallback.destination", "none"))),
                notifier.parts().intake(), RouterTest.bind(Map.of("aof.notifier.fallback.destination", "none")),
                meters, Clock.systemUTC(), NotifierParts.aof());
        slack.refuse("#admin", "is_archived", 1);
        NotificationRequested n = NotificationStoreTest.alert("j-1", Kind.EXHAUSTED, Audience.SUPER_ADMIN);
        tx.executeWithoutResult(s -> notifier.parts().intake().store(n, EventCodec.encode(n), List.of("slack:#admin")));

        rounds(notifier, 1);

        assertThat(states("slack:#admin")).containsExactly("FAILED Slack answered is_archived");
        assertThat(jdbc.queryForList("SELECT channel FROM notification WHERE kind = 'AOF_TROUBLE'")).isEmpty();
        assertThat(refusals.health(Map.of()).getStatus().getCode()).isEqualTo("DOWN");
        assertThat(refusals.health(Map.of()).getDetails().toString()).contains("NOBODY");
        assertThat(meters.counter("aof.notifications.refusal.alerts", "to", "none").count()).isEqualTo(1.0);
    }

    @Test
    void aNulInSlacksAnswerIsCleanedWhereItEntersSoTheTryIsStillRecorded() {
        Notifier notifier = notifier(Map.of());
        slack.refuse("#ops", "odd\\u0000code", 1);   // JSON-escaped: Slack's answer carries a real U+0000
        tell(notifier, "j-1", "slack:#ops");

        rounds(notifier, 1);

        // PostgreSQL refuses U+0000 in text: unclean, the try's bookkeeping would roll back every round
        assertThat(jdbc.queryForMap("SELECT attempts, last_error FROM notification"))
                .containsEntry("attempts", 1).containsEntry("last_error", "Slack answered oddcode");
    }
}
