package io.aof.notifier.grouping;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.FakeSlack;
import io.aof.notifier.NotifierHarness;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.delivery.SlackMessage;
import io.aof.notifier.intake.Router;
import io.aof.notifier.intake.RouterTest;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Signature storms from the request to what Slack gets, on a real PostgreSQL (the notifier's migrations, emptied
 * for each test) against the HTTP fake of Slack's Web API: issue 17's wave (one error text across 20 recipes,
 * told to the ops and the admin channel) is one storm thread per channel, its first message edited to the final
 * figures, every incident listed; fewer recipes or other signatures are grouped per recipe as before.
 */
class SignatureStormTest extends NotifierHarness {

    static final String INVALID = "Invalid value for field %d on record %s";
    /**
     * Failures per recipe in the wave after the first ones: 15 (320 failures) keeps the test quick; the issue's
     * figure, 10,020 failures, is {@code -Daof.test.storm.jobs-per-recipe=500} (4 messages per channel too).
     */
    static final int JOBS_PER_RECIPE = Integer.getInteger("aof.test.storm.jobs-per-recipe", 15);

    /** Storms' defaults; a group's digest an hour after its first alert, no fallback. */
    @Override
    public Notifier notifier(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(Map.of(
                "aof.notifier.grouping.group-interval", "1h",
                "aof.notifier.fallback.destination", "none"));
        p.putAll(extra);
        return super.notifier(p);
    }

    /** A failure of {@code recipe}'s job: told once to ops (#ops) and once to the super admin (#admin). */
    static List<NotificationRequested> failure(long recipe, String job, String error, String category) {
        String incident = "w:" + recipe + ":" + job;
        return List.of(
                alert(recipe, job, incident, Kind.NON_RETRYABLE, Audience.OPS, error, category),
                alert(recipe, job, incident, Kind.NON_RETRYABLE, Audience.SUPER_ADMIN, error, category));
    }

    static NotificationRequested alert(long recipe, String job, String incident, Kind kind, Audience audience,
                                       String error, String category) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", recipe, job,
                incident, 1, audience, kind, audience == Audience.SUPER_ADMIN ? Severity.CRITICAL : Severity.WARNING,
                incident + ":" + kind + ":" + audience, "Job failed; not retryable", "Recipe " + recipe, category, 5,
                error, null, null, null);
    }

    /** As the listener does (routing by audience: #ops, #admin), one transaction per request. */
    void tell(Notifier notifier, NotificationRequested n) {
        String destination = n.audience() == Audience.OPS ? "slack:#ops" : "slack:#admin";
        tx.executeWithoutResult(s -> notifier.parts().intake().store(n, EventCodec.encode(n), List.of(destination)));
    }

    /** The storms' edits and follow-ups due now, not after update-interval: what the clock would do, at once. */
    void stormsDue() {
        jdbc.update("UPDATE signature_storm SET update_due_at = now() WHERE update_due_at IS NOT NULL");
        jdbc.update("UPDATE signature_storm SET followup_due_at = now() WHERE followup_due_at IS NOT NULL");
    }

    /** Also the groups' digests due now (the end of their window). */
    void dueNow() {
        stormsDue();
        jdbc.update("UPDATE alert_group SET digest_due_at = now() WHERE digest_due_at IS NOT NULL");
    }

    /** Every window over: storms end, groups are quiet. */
    void windowsOver() {
        jdbc.update("UPDATE signature_storm SET last_alert_at = now() - interval '2 hours' WHERE ended_at IS NULL");
        dueNow();
    }

    /**
     * Issue 17's wave: one error text (with its own field number and record id in each job) across 20 recipes in
     * half a minute, to ops and the super admin. Two recipes fail first, ten jobs each (their first alert goes at
     * once, the others wait for their recipe's digest), then all twenty, interleaved. Returns the failures' incidents.
     */
    Set<String> wave(Notifier notifier, int jobsPerRecipe) {
        Set<String> incidents = new HashSet<>();
        List<List<NotificationRequested>> failures = new ArrayList<>();
        for (long recipe : new long[]{100, 101}) {
            for (int j = 0; j < 10; j++) {
                failures.add(failure(recipe, "early-" + j, INVALID.formatted(j, UUID.randomUUID()), "DATA_VALIDATION"));
            }
        }
        for (int j = 0; j < jobsPerRecipe; j++) {
            for (long recipe = 100; recipe < 120; recipe++) {
                failures.add(failure(recipe, "j-" + j, INVALID.formatted(recipe + j, UUID.randomUUID()),
                        "DATA_VALIDATION"));
            }
        }
        int i = 0;
        for (List<NotificationRequested> f : failures) {
            f.forEach(n -> tell(notifier, n));
            incidents.add(f.get(0).incidentId());
            if (++i % 100 == 0) {   // the dispatcher runs meanwhile: the storm's first message goes, then its edits
                stormsDue();
                rounds(notifier, 1);
            }
        }
        return incidents;
    }

    @Test
    void aWaveOfOneErrorAcrossTwentyRecipesIsOneStormThreadPerChannelAtMostFourMessages() {
        Notifier notifier = notifier(Map.of());
        Set<String> incidents = wave(notifier, JOBS_PER_RECIPE);
        int total = 20 + 20 * JOBS_PER_RECIPE;
        String jobs = SlackMessage.number(total) + " jobs, 20 recipes";
        assertThat(incidents).hasSize(total);
        rounds(notifier, 2);
        windowsOver();
        rounds(notifier, 3);

        for (String channel : List.of("#ops", "#admin")) {
            List<FakeSlack.Call> posts = posts(channel);
            // recipes 100 and 101 were told alone before the storm was recognised (at recipe 102's first failure);
            // then the storm's first message, and its closing reply: four messages, no digest
            assertThat(posts).as(channel).hasSize(4);
            assertThat(posts.get(0).text()).contains("Recipe 100");
            assertThat(posts.get(1).text()).contains("Recipe 101");
            FakeSlack.Call first = posts.get(2);
            assertThat(first.threadTs()).isNull();
            assertThat(first.text()).startsWith(":cyclone: Storm: 'invalid value for field # on record &lt;uuid&gt;' "
                    + "(DATA_VALIDATION): ");
            FakeSlack.Call closing = posts.get(3);
            assertThat(closing.threadTs()).isEqualTo(first.ts());
            assertThat(closing.text()).startsWith(":white_check_mark: Storm over: 'invalid value for field # on "
                    + "record &lt;uuid&gt;' (DATA_VALIDATION): " + jobs + ", from ");
            // the first message was edited in place as the storm grew, the last time to its final figures
            List<FakeSlack.Call> edits = edits(channel);
            assertThat(edits).hasSizeGreaterThan(2).extracting(FakeSlack.Call::ts).containsOnly(first.ts());
            assertThat(edits.get(edits.size() - 1).text()).startsWith(":white_check_mark: Storm over · :cyclone: "
                    + "Storm: 'invalid value for field # on record &lt;uuid&gt;' (DATA_VALIDATION): " + jobs
                    + ", since ");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification WHERE kind = 'DIGEST'", Integer.class))
                .as("the early failures waiting for their recipe's digest moved into the storm").isZero();
        assertThat(jdbc.queryForList("SELECT DISTINCT state FROM notification WHERE request IS NOT NULL",
                String.class)).containsOnly("DELIVERED", "STORMED");

        // every incident is listed with its storm, page by page (viewer's endpoint)
        for (String destination : List.of("slack:#ops", "slack:#admin")) {
            UUID storm = jdbc.queryForObject("SELECT id FROM signature_storm WHERE destination = ?", UUID.class,
                    destination);
            Set<String> listed = new HashSet<>();
            Integer offset = 0;
            int pages = 0;
            while (offset != null) {
                Storm.Page page = notifier.api().storm(storm.toString(), offset, 300);
                assertThat(page.total()).isEqualTo(total);
                page.incidents().forEach(i -> listed.add(i.incidentId()));
                offset = page.next();
                pages++;
            }
            assertThat(pages).isEqualTo((total + 299) / 300);
            assertThat(listed).isEqualTo(incidents);
            Storm.Page first = notifier.api().storm(storm.toString(), 0, 2);
            assertThat(first.incidents()).extracting(Storm.Incident::told).containsExactly("THREAD", "STORM");
            assertThat(first.storm().recipes()).isEqualTo(20);
            assertThat(first.storm().toldBefore()).isEqualTo(2);
            assertThat(first.storm().ended()).isTrue();
        }
        assertThat(notifier.api().storms()).hasSize(2);
        assertThatThrownBy(() -> notifier.api().storm("nope", 0, 10)).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> notifier.api().storm(UUID.randomUUID().toString(), 0, 5000))
                .isInstanceOf(ErrorResponseException.class);
        assertThat(meters.counter("aof.notifications.storms", "channel", "slack").count()).isEqualTo(2.0);
        // the super admin's items still escalate: one open escalation per incident, told inside the storm
        assertThat(jdbc.queryForObject("SELECT count(*) FROM escalation WHERE closed_at IS NULL", Integer.class))
                .isEqualTo(total);
        System.out.printf("signature storm: %d failures of one error across 20 recipes, to #ops and #admin: "
                + "%d and %d Slack messages (%d and %d edits of the storm's first message)%n", total,
                posts("#ops").size(), posts("#admin").size(), edits("#ops").size(), edits("#admin").size());
    }

    /** The figure before: the same wave without signature storms, a first alert and a digest per recipe. */
    @Test
    void withoutSignatureStormsTheSameWaveIsAFirstAlertAndADigestPerRecipeInEachChannel() {
        Notifier notifier = notifier(Map.of("aof.notifier.storms.enabled", "false"));
        int total = wave(notifier, JOBS_PER_RECIPE).size();
        rounds(notifier, 2);
        windowsOver();
        rounds(notifier, 3);
        System.out.printf("without signature storms: %d failures of one error across 20 recipes, to #ops and #admin:"
                + " %d and %d Slack messages%n", total, posts("#ops").size(), posts("#admin").size());

        for (String channel : List.of("#ops", "#admin")) {
            assertThat(posts(channel)).as(channel).hasSize(40);
            assertThat(posts(channel)).filteredOn(c -> c.text().contains("more alert(s)")).hasSize(20);
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM signature_storm", Integer.class)).isZero();
    }

    @Test
    void fewerRecipesOrOtherSignaturesAreGroupedPerRecipeAsBefore() {
        Notifier notifier = notifier(Map.of());
        // one text, two recipes (fewer than min-recipes 3)
        for (int j = 0; j < 5; j++) {
            for (long recipe : new long[]{200, 201}) {
                failure(recipe, "a-" + j, INVALID.formatted(j, UUID.randomUUID()), "DATA_VALIDATION")
                        .forEach(n -> tell(notifier, n));
            }
        }
        // three recipes, each its own error text
        String[] texts = {"Required field Amount is missing", "Duplicate value for key %d", "Malformed JSON at %d"};
        for (int j = 0; j < 5; j++) {
            for (int r = 0; r < 3; r++) {
                failure(300 + r, "b-" + j, texts[r].formatted(j), "DATA_VALIDATION").forEach(n -> tell(notifier, n));
            }
        }
        // one text, three recipes, but each its own category: three signatures
        String[] categories = {"DATA_VALIDATION", "NOT_FOUND", "AUTH"};
        for (int j = 0; j < 5; j++) {
            for (int r = 0; r < 3; r++) {
                failure(400 + r, "c-" + j, "Record %d rejected".formatted(j), categories[r])
                        .forEach(n -> tell(notifier, n));
            }
        }
        rounds(notifier, 2);
        windowsOver();
        rounds(notifier, 3);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM signature_storm", Integer.class)).isZero();
        for (String channel : List.of("#ops", "#admin")) {
            // eight recipes: a first alert and one digest (of its four other failures) each
            assertThat(posts(channel)).as(channel).hasSize(16);
            assertThat(posts(channel)).filteredOn(c -> c.text().startsWith(":warning: 4 more alert(s) for 4 "
                    + "incident(s)")).hasSize(8);
        }
        assertThat(edits("#ops")).isEmpty();
    }

    @Test
    void theSameRequestStoredAgainDoesNotCountOrTellTwice() {
        Notifier notifier = notifier(Map.of());
        List<NotificationRequested> told = new ArrayList<>();
        for (long recipe = 500; recipe < 505; recipe++) {
            for (int j = 0; j < 4; j++) {
                List<NotificationRequested> f = failure(recipe, "j-" + j, INVALID.formatted(j, UUID.randomUUID()),
                        "DATA_VALIDATION");
                f.forEach(n -> tell(notifier, n));
                told.addAll(f);
            }
        }
        String figures = "SELECT count(*) || ' ' || sum(alerts) FROM storm_incident";
        String before = jdbc.queryForObject(figures, String.class);
        int rows = jdbc.queryForObject("SELECT count(*) FROM notification", Integer.class);

        // redelivered as it was, and the same decision taken again (a new event, the same dedup key)
        told.forEach(n -> tell(notifier, n));
        told.forEach(n -> tell(notifier, new NotificationRequested(UUID.randomUUID(), n.occurredAt(),
                n.schemaVersion(), n.workspace(), n.recipeId(), n.jobId(), n.incidentId(), n.attempt(), n.audience(),
                n.kind(), n.severity(), n.dedupKey(), n.title(), n.recipeName(), n.category(), n.maxAttempts(),
                n.error(), n.folderId(), n.nextRetryAt(), n.report())));

        assertThat(jdbc.queryForObject(figures, String.class)).isEqualTo(before).isEqualTo("40 40");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification", Integer.class)).isEqualTo(rows);
        windowsOver();
        rounds(notifier, 3);
        assertThat(posts("#ops")).hasSize(4);
        assertThat(posts("#ops").get(3).text()).contains(": 20 jobs, 5 recipes, from ");
    }

    /**
     * After the storm: its incidents' later alerts (a resolution by hand, say) and the super admin's escalation
     * reminders are one follow-up reply in the storm's thread, not a message per incident nor per recipe; the
     * incidents told on their own get theirs in their own thread, as before.
     */
    @Test
    void laterAlertsAndRemindersOfAStormsIncidentsAreOneFollowUpInItsThread() {
        Notifier notifier = notifier(Map.of());
        List<NotificationRequested> told = new ArrayList<>();
        for (int j = 0; j < 10; j++) {
            for (long recipe = 600; recipe < 606; recipe++) {
                List<NotificationRequested> f = failure(recipe, "j-" + j, INVALID.formatted(j, UUID.randomUUID()),
                        "DATA_VALIDATION");
                f.forEach(n -> tell(notifier, n));
                told.addAll(f);
            }
        }
        windowsOver();
        rounds(notifier, 3);
        assertThat(posts("#admin")).hasSize(4);
        String thread = posts("#admin").get(2).ts();

        // every escalation is reminded (its repeat-interval passed): in the storm, one reply for the 58 told inside it
        jdbc.update("UPDATE escalation SET next_repeat_at = now()");
        assertThat(notifier.parts().escalations().queueRepeats()).isEqualTo(50);
        assertThat(notifier.parts().escalations().queueRepeats()).isEqualTo(10);
        dueNow();
        rounds(notifier, 2);
        List<FakeSlack.Call> admin = posts("#admin");
        assertThat(admin).hasSize(4 + 2 + 1);
        assertThat(admin).filteredOn(c -> thread.equals(c.threadTs())).last().satisfies(c -> assertThat(c.text())
                .isEqualTo(":hourglass: 58 incident(s) of this storm still open"));

        // ops resolves them all by hand: one follow-up in the ops storm's thread
        String opsThread = posts("#ops").get(2).ts();
        told.stream().filter(n -> n.audience() == Audience.OPS).forEach(n -> tell(notifier, alert(n.recipeId(),
                n.jobId(), n.incidentId(), Kind.RESOLVED_MANUALLY, Audience.OPS, null, n.category())));
        dueNow();
        rounds(notifier, 2);
        assertThat(posts("#ops")).hasSize(4 + 2 + 1);
        assertThat(posts("#ops")).filteredOn(c -> opsThread.equals(c.threadTs())).last()
                .satisfies(c -> assertThat(c.text()).isEqualTo(":warning: 58 more alert(s) for 58 incident(s) of "
                        + "this storm"));
        assertThat(notifier.api().storm(jdbc.queryForObject("SELECT id::text FROM signature_storm WHERE destination "
                + "= 'slack:#ops'", String.class), 0, 1000).storm().byKind()).containsEntry("RESOLVED_MANUALLY", 60L);
        assertThat(jdbc.queryForList("SELECT DISTINCT state FROM notification WHERE request IS NOT NULL",
                String.class)).containsOnly("DELIVERED", "STORMED", "DIGESTED");
    }

    /**
     * Found by the full proof run: an edit of a storm queued before the storm ended, sent after it ended, showed
     * the ended storm, and the end then edited the first message again with the same text (a Slack call twice).
     * The end's edit alone shows it.
     */
    @Test
    void anEditQueuedBeforeTheStormEndedIsNotSentAfterItsEnd() {
        Notifier notifier = notifier(Map.of());
        for (int j = 0; j < 3; j++) {
            for (long recipe = 800; recipe < 804; recipe++) {
                failure(recipe, "j-" + j, INVALID.formatted(j, UUID.randomUUID()), "DATA_VALIDATION")
                        .forEach(n -> tell(notifier, n));
            }
            if (j == 0) {
                rounds(notifier, 2);   // the storm's first message goes
            }
        }
        stormsDue();
        tx.executeWithoutResult(s -> notifier.parts().storms().buildDue());   // its edit queued, not yet sent
        assertThat(jdbc.queryForObject("SELECT count(*) FROM notification WHERE kind = 'STORM_UPDATED' "
                + "AND channel = 'slack:#ops' AND state = 'PENDING'", Integer.class)).isEqualTo(1);
        windowsOver();

        rounds(notifier, 3);

        assertThat(edits("#ops")).extracting(FakeSlack.Call::text)
                .filteredOn(t -> t.startsWith(":white_check_mark: Storm over")).hasSize(1);
        assertThat(posts("#ops")).last().satisfies(p -> assertThat(p.text()).startsWith(
                ":white_check_mark: Storm over: "));
        assertThat(jdbc.queryForObject("SELECT state FROM notification WHERE kind = 'STORM_UPDATED' "
                + "AND channel = 'slack:#ops'", String.class)).isEqualTo("SUPERSEDED");
    }

    /**
     * Slack down while the storm raged: its first message waits (the storm's edits are not queued behind it: it
     * shows the latest figures when it goes); when Slack is back, it goes with the final figures, then the end.
     */
    @Test
    void aStormThatEndedWhileSlackWasDownIsStillOneFirstMessageAndOneReply() {
        Notifier notifier = notifier(Map.of());
        slack.refuse("#ops", "internal_error", 1);
        for (int j = 0; j < 5; j++) {
            for (long recipe = 700; recipe < 704; recipe++) {
                failure(recipe, "j-" + j, INVALID.formatted(j, UUID.randomUUID()), "DATA_VALIDATION")
                        .forEach(n -> tell(notifier, n));
                if (recipe == 700 && j == 0) {
                    rounds(notifier, 1);   // the first alert is refused once, and waits
                }
            }
            stormsDue();
            rounds(notifier, 1);
        }
        windowsOver();
        jdbc.update("UPDATE notification SET next_try_at = now()");   // Slack is back
        rounds(notifier, 3);

        List<FakeSlack.Call> posts = posts("#ops");
        assertThat(posts).hasSize(4);
        assertThat(posts.get(2).text()).startsWith(":white_check_mark: Storm over · :cyclone: Storm: ")
                .contains(": 20 jobs, 4 recipes, since ");
        assertThat(posts.get(3).threadTs()).isEqualTo(posts.get(2).ts());
        assertThat(jdbc.queryForList("SELECT kind FROM notification WHERE storm_id IS NOT NULL AND request IS NULL "
                + "AND channel = 'slack:#ops' ORDER BY seq", String.class))
                .containsExactly("STORM_STARTED", "STORM_ENDED");
    }

    @Test
    void theSettingsAreChecked() {
        assertThat(RouterTest.bind(Map.of()).storms()).satisfies(s -> {
            assertThat(s.enabled()).isTrue();
            assertThat(s.minRecipes()).isEqualTo(3);
            assertThat(s.window()).isEqualTo(java.time.Duration.ofMinutes(5));   // the group interval
        });
        assertThat(RouterTest.bind(Map.of("aof.notifier.grouping.enabled", "false")).storms().enabled()).isFalse();
        assertThatThrownBy(() -> RouterTest.bind(Map.of("aof.notifier.storms.min-recipes", "1")))
                .hasStackTraceContaining("min-recipes must be at least 2");
        assertThatThrownBy(() -> RouterTest.bind(Map.of("aof.notifier.storms.update-interval", "100ms")))
                .hasStackTraceContaining("update-interval must be at least 1s");
        NotifierProperties only = RouterTest.bind(Map.of("aof.notifier.storms.destinations", "slack:#noisy"));
        assertThat(only.storms().in("slack:#noisy")).isTrue();
        assertThat(only.storms().in("slack:#aof-ops")).isFalse();
        assertThatThrownBy(() -> new Router(RouterTest.bind(Map.of("aof.notifier.storms.destinations", "#noisy"))))
                .hasMessageContaining("aof.notifier.storms.destinations");
    }
}
