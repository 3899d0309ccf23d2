package io.aof.notifier;

import com.sun.net.httpserver.HttpServer;
import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.NotificationRequested;
import io.aof.common.messaging.Outbox;
import io.aof.notifier.escalation.EscalationStore;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.intake.NotificationStoreTest;
import io.aof.notifier.intake.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outages (kinds {@code OUTAGE_STARTED}, {@code OUTAGE_UPDATED}, {@code OUTAGE_ENDED}) from the request to what
 * Slack and PagerDuty get: routed by the {@link Router}, stored by the intake, sent by the dispatcher, on a real
 * PostgreSQL (the notifier's migrations, emptied for each test) against the real HTTP fake of Slack's Web API
 * and a PagerDuty-style receiver over HTTP.
 */
class OutageNotificationTest extends NotifierHarness {

    static final String OUTAGE = "outage-6f1c2d9e-0b7a-4c55-9e0e-1a2b3c4d5e6f";

    HttpServer pagerDuty;
    final List<String> pagerDutyBodies = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startPagerDuty() throws Exception {
        pagerDuty = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pagerDuty.createContext("/", exchange -> {
            pagerDutyBodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        pagerDuty.start();
    }

    @AfterEach
    void stopPagerDuty() {
        pagerDuty.stop(0);
    }

    /** Without grouping, unless a test turns it on. */
    @Override
    public Notifier notifier(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(Map.of("aof.notifier.grouping.enabled", "false"));
        p.putAll(extra);
        return super.notifier(p);
    }

    /** What the orchestrator sends for an outage: no recipe, job or attempt; a dedup key unique per message. */
    static NotificationRequested outage(Kind kind, int seq, String title, String detail, String category,
                                        Audience audience) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", null, null,
                OUTAGE, null, audience, kind, audience == Audience.SUPER_ADMIN ? Severity.CRITICAL : Severity.WARNING,
                OUTAGE + ":" + kind + ":" + seq + (audience == Audience.SUPER_ADMIN ? ":SUPER_ADMIN" : ""), title, null,
                category, null, detail, null, null, null);
    }

    static NotificationRequested outage(Kind kind, int seq, String title) {
        return outage(kind, seq, title, "probe " + seq + ": connect timed out", "TIMEOUT", Audience.OPS);
    }

    static final String FIGURES_0 = "netsuite unreachable: 3 jobs, 1 recipes, since 10:02 UTC — probing every 5 min";
    static final String FIGURES_1 = "netsuite unreachable: 12 jobs, 4 recipes, since 10:02 UTC — probing every 5 min";
    static final String FIGURES_2 = "netsuite unreachable: 37 jobs, 9 recipes, since 10:02 UTC — probing every 5 min";
    static final String ENDED = "netsuite reachable again after 47 min: 37 jobs, 9 recipes released";

    /** As the listener does: routed, then stored in one transaction. */
    void tell(Notifier notifier, NotificationRequested n) {
        tx.executeWithoutResult(s -> notifier.parts().intake().store(n, EventCodec.encode(n),
                notifier.router().destinations(n)));
    }

    List<String> states(String destination) {
        return jdbc.queryForList("SELECT kind || ' ' || state FROM notification WHERE channel = ? ORDER BY seq",
                String.class, destination);
    }

    @Test
    void aStartTwoUpdatesAndTheEndAreTwoSlackMessagesAndTheFirstOneShowsTheLatestFigures() {
        Notifier notifier = notifier(Map.of());

        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0));
        rounds(notifier, 1);
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1));
        rounds(notifier, 1);
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 2, FIGURES_2));
        rounds(notifier, 1);
        assertThat(edits("#ops")).last().satisfies(e -> assertThat(e.text()).contains("37 jobs, 9 recipes"));
        tell(notifier, outage(Kind.OUTAGE_ENDED, 3, ENDED, "released 37 jobs of 9 recipes", "TIMEOUT",
                Audience.OPS));
        rounds(notifier, 1);

        // exactly two messages: the thread's first one, and the end as a reply in its thread
        List<FakeSlack.Call> posts = posts("#ops");
        assertThat(posts).hasSize(2);
        String parent = posts.get(0).ts();
        assertThat(posts.get(0).threadTs()).isNull();
        assertThat(posts.get(0).text()).isEqualTo(":red_circle: " + FIGURES_0);
        assertThat(posts.get(1).threadTs()).isEqualTo(parent);
        assertThat(posts.get(1).text()).isEqualTo(":large_green_circle: " + ENDED);
        // the first message was edited in place: each update's figures, then the end on top of the latest ones
        assertThat(edits("#ops")).extracting(FakeSlack.Call::ts).containsOnly(parent);
        assertThat(edits("#ops")).extracting(FakeSlack.Call::text).containsExactly(
                ":red_circle: " + FIGURES_1,
                ":red_circle: " + FIGURES_2,
                ":large_green_circle: " + ENDED + " · :red_circle: " + FIGURES_2);
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED DELIVERED", "OUTAGE_UPDATED DELIVERED",
                "OUTAGE_UPDATED DELIVERED", "OUTAGE_ENDED DELIVERED");
        // one thread, keyed by the outage's id, resolved (kept 30 days from now, then removed)
        assertThat(jdbc.queryForMap("SELECT mode, group_key, last_kind, parent_ref FROM incident_thread "
                + "WHERE incident_id = ?", OUTAGE)).containsEntry("mode", "THREAD").containsEntry("group_key", null)
                .containsEntry("last_kind", "OUTAGE_ENDED").containsEntry("parent_ref", parent);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM escalation", Integer.class))
                .as("an outage told to ops is no escalation").isZero();
    }

    /**
     * Slack failed while the outage started: its update and its end were stored behind the start, which is sent
     * when Slack is back, showing the latest figures; the updates are overtaken (nothing to edit that the end does
     * not edit), and the end is one reply with the first message updated: still two messages.
     */
    @Test
    void anOutageThatEndedBeforeItsFirstMessageWentOutIsStillOneFirstMessageAndOneReply() {
        Notifier notifier = notifier(Map.of());
        slack.refuse("#ops", "internal_error", 1);
        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0));
        rounds(notifier, 1);
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED PENDING");

        tell(notifier, outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1));
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 2, FIGURES_2));
        tell(notifier, outage(Kind.OUTAGE_ENDED, 3, ENDED));
        rounds(notifier, 1);
        assertThat(posts("#ops")).as("the start's retry is not due yet: nothing overtakes it").isEmpty();

        jdbc.update("UPDATE notification SET next_try_at = now()");   // its backoff is over
        rounds(notifier, 1);

        List<FakeSlack.Call> posts = posts("#ops");
        assertThat(posts).hasSize(2);
        assertThat(posts.get(0).threadTs()).isNull();
        assertThat(posts.get(0).text()).as("the first message shows the latest figures, not the start's")
                .isEqualTo(":red_circle: " + FIGURES_2);
        assertThat(posts.get(1).threadTs()).isEqualTo(posts.get(0).ts());
        assertThat(posts.get(1).text()).startsWith(":large_green_circle: " + ENDED);
        assertThat(edits("#ops")).singleElement().satisfies(e -> {
            assertThat(e.ts()).isEqualTo(posts.get(0).ts());
            assertThat(e.text()).isEqualTo(":large_green_circle: " + ENDED + " · :red_circle: " + FIGURES_2);
        });
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED DELIVERED", "OUTAGE_UPDATED SUPERSEDED",
                "OUTAGE_UPDATED SUPERSEDED", "OUTAGE_ENDED DELIVERED");
        assertThat(meters.counter("aof.notifications.superseded", "channel", "slack").count()).isEqualTo(2.0);
    }

    /**
     * Slack refused the start for good (here: too long), and the outage was over before the next round: the end
     * is the one message about it, with the latest figures; the start sent again by hand later is overtaken
     * (never a second first message).
     */
    @Test
    void anOutageWhoseStartWasRefusedForGoodIsToldOnceAndTheStartSentAgainIsNotASecondFirstMessage() {
        Notifier notifier = notifier(Map.of("aof.notifier.fallback.destination", "none"));
        slack.refuse("#ops", "msg_too_long", 1);
        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0));
        rounds(notifier, 1);
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED FAILED");

        tell(notifier, outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1));
        tell(notifier, outage(Kind.OUTAGE_ENDED, 2, ENDED));
        rounds(notifier, 1);

        assertThat(posts("#ops")).singleElement().satisfies(m -> {
            assertThat(m.threadTs()).isNull();
            assertThat(m.text()).isEqualTo(":large_green_circle: " + ENDED + " · :red_circle: " + FIGURES_1);
        });
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED FAILED", "OUTAGE_UPDATED SUPERSEDED",
                "OUTAGE_ENDED DELIVERED");

        // the operator sends the failed start again: the thread has its first message, so nothing is posted
        assertThat(notifier.parts().notifications().requeueFailed(null, "slack:#ops")).isEqualTo(1);
        rounds(notifier, 1);
        assertThat(posts("#ops")).hasSize(1);
        assertThat(edits("#ops")).isEmpty();
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED SUPERSEDED", "OUTAGE_UPDATED SUPERSEDED",
                "OUTAGE_ENDED DELIVERED");
    }

    /**
     * The start failed for good and the outage goes on: its next update becomes the thread's first message (it
     * is not lost waiting for a start that will not come, nor held in front of the destination's other rows);
     * the updates after it edit it.
     */
    @Test
    void anUpdateWithoutAFirstMessageBecomesTheFirstMessage() {
        Notifier notifier = notifier(Map.of("aof.notifier.fallback.destination", "none"));
        slack.refuse("#ops", "invalid_blocks", 1);
        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0));
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1));
        rounds(notifier, 1);
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 2, FIGURES_2));
        rounds(notifier, 1);

        assertThat(posts("#ops")).singleElement().satisfies(m -> {
            assertThat(m.threadTs()).isNull();
            assertThat(m.text()).isEqualTo(":red_circle: " + FIGURES_1);
        });
        assertThat(edits("#ops")).singleElement().satisfies(e -> {
            assertThat(e.ts()).isEqualTo(posts("#ops").get(0).ts());
            assertThat(e.text()).isEqualTo(":red_circle: " + FIGURES_2);
        });
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED FAILED", "OUTAGE_UPDATED DELIVERED",
                "OUTAGE_UPDATED DELIVERED");
    }

    /** The same requests again (a redelivery, or the orchestrator's decision published twice): told once. */
    @Test
    void aRedeliveredStartUpdateOrEndIsToldOnce() {
        Notifier notifier = notifier(Map.of());
        NotificationRequested started = outage(Kind.OUTAGE_STARTED, 0, FIGURES_0);
        NotificationRequested updated = outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1);
        NotificationRequested ended = outage(Kind.OUTAGE_ENDED, 2, ENDED);

        for (NotificationRequested n : List.of(started, updated, ended)) {
            tell(notifier, n);
            rounds(notifier, 1);
            tell(notifier, n);   // the same event again
            tell(notifier, copyWithNewEventId(n));   // the same message (dedup key) under a new event id
            rounds(notifier, 1);
        }
        tell(notifier, copyWithNewEventId(started));   // a late copy of the start after the end
        rounds(notifier, 2);

        assertThat(posts("#ops")).hasSize(2);
        assertThat(edits("#ops")).hasSize(2);   // the update, and the end
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED DELIVERED", "OUTAGE_UPDATED DELIVERED",
                "OUTAGE_ENDED DELIVERED");
        assertThat(jdbc.queryForObject("SELECT last_kind FROM incident_thread WHERE incident_id = ?", String.class,
                OUTAGE)).as("the ended outage stays ended").isEqualTo("OUTAGE_ENDED");
    }

    static NotificationRequested copyWithNewEventId(NotificationRequested n) {
        return new NotificationRequested(UUID.randomUUID(), n.occurredAt(), n.schemaVersion(), n.workspace(),
                n.recipeId(), n.jobId(), n.incidentId(), n.attempt(), n.audience(), n.kind(), n.severity(),
                n.dedupKey(), n.title(), n.recipeName(), n.category(), n.maxAttempts(), n.error(), n.folderId(),
                n.nextRetryAt(), n.report());
    }

    /**
     * An outage during a storm of incident alerts of the same category: the storm is grouped (its first alert
     * alone, the rest in one digest), the outage is never: its start goes at once in its own thread, no digest
     * names it, and it opens no storm-control group.
     */
    @Test
    void anOutageIsNeverGroupedOrDigestedWithAStormOfIncidentAlerts() {
        Notifier notifier = notifier(Map.of("aof.notifier.grouping.enabled", "true",
                "aof.notifier.grouping.group-interval", "1h"));
        for (int i = 1; i <= 10; i++) {
            tell(notifier, NotificationStoreTest.alert("j-" + i, Kind.FIRST_FAILURE, Audience.OPS));   // TIMEOUT
        }
        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0));   // TIMEOUT too, while the group's window is open
        tell(notifier, NotificationStoreTest.alert("j-11", Kind.FIRST_FAILURE, Audience.OPS));
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1));

        assertThat(jdbc.queryForList("SELECT kind || ' ' || state FROM notification WHERE incident_id = ? "
                + "ORDER BY seq", String.class, OUTAGE)).containsExactly("OUTAGE_STARTED PENDING",
                "OUTAGE_UPDATED PENDING");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification WHERE state = 'GROUPED'", Integer.class))
                .isEqualTo(10);   // j-2 .. j-11
        assertThat(jdbc.queryForList("SELECT group_key FROM alert_group", String.class))
                .containsExactly("slack:#ops|7|TIMEOUT");
        assertThat(jdbc.queryForList("SELECT mode || ' ' || COALESCE(group_key, '-') FROM incident_thread "
                + "WHERE incident_id = ?", String.class, OUTAGE)).containsExactly("THREAD -");

        rounds(notifier, 1);
        // the storm's first alert and the outage's first message, at once; the outage's update edits it
        assertThat(posts("#ops")).extracting(FakeSlack.Call::text).satisfiesExactly(
                t -> assertThat(t).contains("j-1"), t -> assertThat(t).isEqualTo(":red_circle: " + FIGURES_1));
        jdbc.update("UPDATE alert_group SET digest_due_at = now() - interval '1 second'");
        rounds(notifier, 1);
        Digest digest = EventCodec.mapper().readValue(jdbc.queryForObject("SELECT digest FROM notification "
                + "WHERE kind = 'DIGEST'", String.class), Digest.class);
        assertThat(digest.incidents()).hasSize(10).extracting(Digest.Item::incidentId).doesNotContain(OUTAGE);
        assertThat(posts("#ops")).hasSize(3);   // + the digest

        tell(notifier, outage(Kind.OUTAGE_ENDED, 2, ENDED));
        rounds(notifier, 1);
        assertThat(posts("#ops")).last().satisfies(m -> {
            assertThat(m.threadTs()).isEqualTo(posts("#ops").get(1).ts());
            assertThat(m.text()).startsWith(":large_green_circle: ");
        });
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification WHERE incident_id = ? AND state <> "
                + "'DELIVERED'", Integer.class, OUTAGE)).isZero();
    }

    /**
     * Routes that match on category, recipe or recipe name do not take an outage (it has no recipe, and here no
     * category) and do not fail on it; a final-only route (PagerDuty and an on-call channel) gets the start and
     * the end, not the updates, yet its thread's first message is edited by them; PagerDuty gets one trigger and
     * one resolve under the outage's id.
     */
    @Test
    void routesByCategoryOrRecipeSkipAnOutageWithoutOneAndAFinalOnlyRouteGetsItsStartAndEnd() {
        String pd = "http://127.0.0.1:" + pagerDuty.getAddress().getPort() + "/v2/enqueue";
        Notifier notifier = notifier(Map.ofEntries(
                Map.entry("aof.notifier.webhooks.pd.url", pd),
                Map.entry("aof.notifier.webhooks.pd.format", "PAGERDUTY"),
                Map.entry("aof.notifier.webhooks.pd.routing-key", "R0UT1NG"),
                Map.entry("aof.notifier.routes[0].match.categories", "AUTH"),
                Map.entry("aof.notifier.routes[0].to", "slack:#auth"),
                Map.entry("aof.notifier.routes[1].match.recipe-ids", "7"),
                Map.entry("aof.notifier.routes[1].match.recipe-name", "Orders.*"),
                Map.entry("aof.notifier.routes[1].to", "slack:#orders"),
                Map.entry("aof.notifier.routes[2].match.audiences", "OPS"),
                Map.entry("aof.notifier.routes[2].final-only", "true"),
                Map.entry("aof.notifier.routes[2].to", "slack:#oncall,webhook:pd"),
                Map.entry("aof.notifier.routes[2].continue-matching", "true"),
                Map.entry("aof.notifier.routes[3].match.audiences", "OPS"),
                Map.entry("aof.notifier.routes[3].to", "slack:#ops")));

        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0, null, null, Audience.OPS));
        rounds(notifier, 1);
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1, null, null, Audience.OPS));
        rounds(notifier, 1);
        tell(notifier, outage(Kind.OUTAGE_ENDED, 2, ENDED, null, null, Audience.OPS));
        rounds(notifier, 1);

        assertThat(jdbc.queryForList("SELECT DISTINCT channel FROM notification ORDER BY 1", String.class))
                .containsExactly("slack:#oncall", "slack:#ops", "webhook:pd");
        assertThat(states("slack:#ops")).containsExactly("OUTAGE_STARTED DELIVERED", "OUTAGE_UPDATED DELIVERED",
                "OUTAGE_ENDED DELIVERED");
        // the update was not routed to the final-only route, but its thread's first message shows it
        assertThat(jdbc.queryForList("SELECT kind || ' ' || state || ' ' || update_only FROM notification "
                + "WHERE channel = 'slack:#oncall' ORDER BY seq", String.class)).containsExactly(
                "OUTAGE_STARTED DELIVERED false", "OUTAGE_UPDATED DELIVERED true", "OUTAGE_ENDED DELIVERED false");
        for (String channel : List.of("#ops", "#oncall")) {
            assertThat(posts(channel)).as(channel).hasSize(2);
            assertThat(edits(channel)).as(channel).extracting(FakeSlack.Call::text).containsExactly(
                    ":red_circle: " + FIGURES_1, ":large_green_circle: " + ENDED + " · :red_circle: " + FIGURES_1);
        }
        assertThat(pagerDutyBodies).hasSize(2);
        JsonNode trigger = EventCodec.readTree(pagerDutyBodies.get(0));
        assertThat(trigger.get("event_action").asString()).isEqualTo("trigger");
        assertThat(trigger.get("dedup_key").asString()).isEqualTo(OUTAGE);
        assertThat(trigger.get("payload").get("summary").asString()).isEqualTo(FIGURES_0);
        assertThat(trigger.get("payload").has("group")).isFalse();   // no category
        JsonNode resolve = EventCodec.readTree(pagerDutyBodies.get(1));
        assertThat(resolve.get("event_action").asString()).isEqualTo("resolve");
        assertThat(resolve.get("dedup_key").asString()).isEqualTo(OUTAGE);
        assertThat(pagerDutyBodies).allSatisfy(b -> assertThat(b).doesNotContain("null"));
    }

    /**
     * An outage past its maximum is told to the super admin as a start: an escalation, reminded in its thread in
     * the admin channel (with the latest figures) until the outage ends; the end, told to ops, closes it and
     * updates the admin thread's first message. An outage told to ops only is no escalation.
     */
    @Test
    void anOutageToldToTheSuperAdminIsEscalatedUntilItEnds() {
        Notifier notifier = notifier(Map.of("aof.notifier.escalation.repeat-interval", "1h"));
        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0));
        tell(notifier, outage(Kind.OUTAGE_UPDATED, 1, FIGURES_1));
        assertThat(jdbc.queryForObject("SELECT count(*) FROM escalation", Integer.class)).isZero();

        tell(notifier, outage(Kind.OUTAGE_STARTED, 2, FIGURES_1, "past its maximum of 30 min", "TIMEOUT",
                Audience.SUPER_ADMIN));
        assertThat(jdbc.queryForList("SELECT incident_id FROM escalation WHERE closed_at IS NULL", String.class))
                .containsExactly(OUTAGE);
        rounds(notifier, 1);
        assertThat(posts("#admin")).singleElement().satisfies(m -> assertThat(m.text())
                .isEqualTo(":red_circle: " + FIGURES_1));

        tell(notifier, outage(Kind.OUTAGE_UPDATED, 3, FIGURES_2));   // to ops; the admin thread is edited too
        rounds(notifier, 1);
        assertThat(edits("#admin")).extracting(FakeSlack.Call::text).containsExactly(":red_circle: " + FIGURES_2);

        jdbc.update("UPDATE escalation SET next_repeat_at = now()");   // an hour later
        rounds(notifier, 1);
        // the reminder is a reply in the admin thread, with the latest figures; a reminder is never overtaken
        List<FakeSlack.Call> adminPosts = posts("#admin");
        assertThat(adminPosts).hasSize(2);
        assertThat(adminPosts.get(1).threadTs()).isEqualTo(adminPosts.get(0).ts());
        assertThat(adminPosts.get(1).text()).startsWith(":red_circle: Still unresolved after ")
                .contains("(reminder 1): ").endsWith(FIGURES_2);

        tell(notifier, outage(Kind.OUTAGE_ENDED, 4, ENDED));   // to ops only
        rounds(notifier, 1);
        assertThat(jdbc.queryForObject("SELECT closed_at IS NOT NULL FROM escalation WHERE incident_id = ?",
                Boolean.class, OUTAGE)).isTrue();
        jdbc.update("UPDATE escalation SET next_repeat_at = now()");
        assertThat(notifier.parts().escalations().queueRepeats()).isZero();
        rounds(notifier, 1);
        assertThat(posts("#admin")).hasSize(2);
        // the admin thread's first message says the outage ended, with its latest figures (not the reminder's)
        assertThat(edits("#admin")).extracting(FakeSlack.Call::text).containsExactly(":red_circle: " + FIGURES_2,
                ":large_green_circle: " + ENDED + " · :red_circle: " + FIGURES_2);
        assertThat(posts("#ops")).hasSize(2);
        assertThat(states("slack:#admin")).containsExactly("OUTAGE_STARTED DELIVERED", "OUTAGE_UPDATED DELIVERED",
                "OUTAGE_STARTED DELIVERED", "OUTAGE_ENDED DELIVERED");
    }

    /**
     * An escalated outage is acknowledged alone: it has no recipe, so no group of incidents is swept with it, and
     * it is never swept into a group of incidents of its category.
     */
    @Test
    void anEscalatedOutageIsAcknowledgedAloneNeverWithAGroup() {
        Notifier notifier = notifier(Map.of());
        tell(notifier, NotificationStoreTest.alert("j-1", Kind.NON_RETRYABLE, Audience.SUPER_ADMIN));   // TIMEOUT
        tell(notifier, NotificationStoreTest.alert("j-2", Kind.NON_RETRYABLE, Audience.SUPER_ADMIN));
        tell(notifier, outage(Kind.OUTAGE_STARTED, 0, FIGURES_0, null, "TIMEOUT", Audience.SUPER_ADMIN));
        NotifierActions actions = new NotifierActions(tx, notifier.parts().notifications(), new EscalationStore(jdbc),
                new Outbox(jdbc, "notifier-service"), NotifierParts.aof());

        assertThat(actions.acknowledgeGroup("olga", "w:7:j-1", null)).containsExactlyInAnyOrder("w:7:j-1", "w:7:j-2");
        assertThat(jdbc.queryForList("SELECT incident_id FROM escalation WHERE acked_at IS NULL", String.class))
                .containsExactly(OUTAGE);
        assertThat(actions.acknowledgeGroup("olga", OUTAGE, null)).containsExactly(OUTAGE);
    }
}
