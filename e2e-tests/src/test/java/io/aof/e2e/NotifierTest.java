package io.aof.e2e;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.IncidentId;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The notifier against the Slack sink (Slack's Web API shape) and the mail
 * catcher: exact Block Kit, one thread per incident with the parent updated when
 * it ends, 429 honoured, Slack down (fallback, then the backlog in order), super-admin
 * escalations repeated until acknowledged, and a storm of 5,000 failures (three signature storms).
 */
class NotifierTest extends SuiteTest {

    static final String APP = "https://app.workato.com";

    @Test
    void anIncidentIsOneThreadWhoseParentIsUpdatedWhenItRecovers() {
        long recipe = sim.addRecipe("Threaded orders", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"504 Gateway Timeout: <!channel> <@U123> <http://x|y> & co\","
                + "\"errorTypeId\":\"err.http.response.timeout\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        awaitIncidentState(incident, "RECOVERED");
        await().atMost(Duration.ofSeconds(20)).until(() -> messagesAbout("#e2e-threads", job).size() == 3);

        List<JsonNode> m = messagesAbout("#e2e-threads", job);
        JsonNode parent = m.get(0);
        JsonNode update = m.get(1);
        JsonNode reply = m.get(2);
        String ts = parent.get("ts").asString();

        // the first message: exact Block Kit, everything from the job escaped
        JsonNode request = firstFailureRequest(incident);
        Instant next = Instant.parse(request.get("nextRetryAt").asString()).truncatedTo(
                java.time.temporal.ChronoUnit.SECONDS);
        String expected = """
                [{"type":"header","text":{"type":"plain_text","text":":warning: Job failed; retrying","emoji":true}},
                 {"type":"section","fields":[
                   {"type":"mrkdwn","text":"*Recipe*\\n<%1$s/recipes/%2$d|Threaded orders>"},
                   {"type":"mrkdwn","text":"*Job*\\n<%1$s/recipes/%2$d/job/%3$s|%3$s>"},
                   {"type":"mrkdwn","text":"*Category*\\nTIMEOUT"},
                   {"type":"mrkdwn","text":"*Attempt*\\n1 of 5"},
                   {"type":"mrkdwn","text":"*Next retry*\\n<!date^%4$d^{date_short_pretty} {time_secs}|%5$s>"}]},
                 {"type":"section","text":{"type":"mrkdwn","text":"*Error*\\n```504 Gateway Timeout: &lt;!channel&gt; &lt;@U123&gt; &lt;http://x|y&gt; &amp; co```"}},
                 {"type":"context","elements":[{"type":"mrkdwn","text":"Incident `%6$s` · %7$s · AOF"}]}]
                """.formatted(APP, recipe, job, next.getEpochSecond(), next, incident,
                request.get("severity").asString());
        assertThat(parent.get("method").asString()).isEqualTo("chat.postMessage");
        assertThat(parent.get("thread_ts").isNull()).isTrue();
        assertThat(Http.JSON.readTree(parent.get("blocks").asString())).isEqualTo(Http.JSON.readTree(expected));

        // the end: the parent updated in place, and a reply in its thread
        assertThat(update.get("method").asString()).isEqualTo("chat.update");
        assertThat(update.get("ts").asString()).isEqualTo(ts);
        assertThat(update.get("text").asString()).startsWith(":white_check_mark: Job recovered · ");
        JsonNode updated = Http.JSON.readTree(update.get("blocks").asString());
        assertThat(updated.get(1).get("text").get("text").asString())
                .startsWith(":white_check_mark: *Job recovered* after attempt 1 of 5 · <!date^");
        assertThat(updated.size()).isEqualTo(5);
        assertThat(reply.get("method").asString()).isEqualTo("chat.postMessage");
        assertThat(reply.get("thread_ts").asString()).isEqualTo(ts);
        assertThat(reply.get("text").asString()).startsWith(":white_check_mark: Job recovered (job " + job);
    }

    @Test
    void slacksRateLimitIsHonoured() {
        sim.slackTrouble("#e2e-ratelimited", 429, 2, 1);
        long recipe = sim.addRecipe("Ratelimited sync", "{\"kind\":\"AUTH_ERROR\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        await().atMost(Duration.ofSeconds(30)).until(() -> messagesAbout("#e2e-ratelimited", job).size() == 1);

        JsonNode failed = await().atMost(Duration.ofSeconds(10)).until(() -> notificationEvent(incident,
                "NotificationFailed", "slack:#e2e-ratelimited"), e -> e != null);
        JsonNode delivered = await().atMost(Duration.ofSeconds(10)).until(() -> notificationEvent(incident,
                "NotificationDelivered", "slack:#e2e-ratelimited"), e -> e != null);
        assertThat(failed.get("error").asString()).isEqualTo("Slack HTTP 429");
        Instant failedAt = Instant.parse(failed.get("occurredAt").asString());
        Instant nextTry = Instant.parse(failed.get("nextTryAt").asString());
        assertThat(Duration.between(failedAt, nextTry)).isGreaterThanOrEqualTo(Duration.ofMillis(1990));
        assertThat(Instant.parse(delivered.get("occurredAt").asString())).isAfterOrEqualTo(nextTry);
        assertThat(delivered.get("deliveryAttempts").asInt()).isEqualTo(2);
    }

    @Test
    void whileSlackIsDownTheFallbackIsToldAndTheBacklogArrivesInOrderOnceBack() {
        sim.slackTrouble("#e2e-down", 503, 0, 0);
        List<String> jobs = new ArrayList<>();
        try {
            for (String name : List.of("A", "B", "C")) {
                long recipe = sim.addRecipe("Slackdown " + name, "{\"kind\":\"AUTH_ERROR\"}");
                String job = sim.trigger(recipe);
                jobs.add(job);
                String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
                // stored one after the other, so the order to keep is known
                await().atMost(Duration.ofSeconds(30)).until(() -> suite.db.queryForObject("SELECT count(*) FROM "
                        + "notifier.notification WHERE incident_id = ? AND channel = 'slack:#e2e-down'",
                        Integer.class, incident) == 1);
            }
            // past fallback.after (3 s) each is copied to the fallback e-mail, once
            await().atMost(Duration.ofSeconds(30)).until(() -> jobs.stream().allMatch(j -> fallbackMails(j) == 1));
            assertThat(sim.slackMessages("#e2e-down")).isEmpty();
        } finally {
            sim.slackBack("#e2e-down");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> sim.slackMessages("#e2e-down").size() == 3);
        List<JsonNode> delivered = sim.slackMessages("#e2e-down");
        for (int i = 0; i < 3; i++) {
            assertThat(delivered.get(i).get("text").asString()).contains(jobs.get(i));
        }
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                .until(() -> sim.slackMessages("#e2e-down").size() == 3);
        assertThat(jobs).allSatisfy(j -> assertThat(fallbackMails(j)).isEqualTo(1));
        JsonNode mail = sim.mails(AofSuite.FALLBACK_MAIL).stream()
                .filter(m -> m.get("text").asString().contains(jobs.get(0))).findFirst().orElseThrow();
        assertThat(mail.get("subject").asString()).contains("[fallback: slack:#e2e-down is failing: Slack HTTP 503]");
    }

    @Test
    void anEscalationIsRepeatedUntilAcknowledged() {
        long recipe = sim.addRecipe("Escalated onboarding", "{\"kind\":\"AUTH_ERROR\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        // the escalation, then (every 4 s) a reminder in its thread
        await().atMost(Duration.ofSeconds(30)).until(() -> messagesAbout(AofSuite.ADMIN_CHANNEL, job).stream()
                .anyMatch(m -> m.get("text").asString().contains("Still unresolved after")));
        List<JsonNode> admin = messagesAbout(AofSuite.ADMIN_CHANNEL, job);
        String parentTs = admin.get(0).get("ts").asString();
        assertThat(admin.get(1).get("thread_ts").asString()).isEqualTo(parentTs);

        Http.Response ack = Http.post(suite.url("notifier") + "/api/escalations/" + incident + "/ack",
                "{\"by\":\"erin\",\"reason\":\"on it\"}");
        assertThat(ack.status()).isEqualTo(200);
        assertThat(Http.post(suite.url("notifier") + "/api/escalations/" + incident + "/ack",
                "{\"by\":\"erin\"}").status()).isEqualTo(409);
        assertThat(Http.post(suite.url("notifier") + "/api/escalations/nope/ack", "{\"by\":\"erin\"}").status())
                .isEqualTo(404);
        assertThat(awaitAudit("incidentId=" + incident + "&action=ESCALATION_ACK", 1))
                .containsExactly("ops ESCALATION_ACK escalation of " + incident + " (notifier)");
        int seen = messagesAbout(AofSuite.ADMIN_CHANNEL, job).size();
        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
                .until(() -> messagesAbout(AofSuite.ADMIN_CHANNEL, job).size() == seen);

        // resolving it by hand updates the escalation's first message too
        assertThat(Http.post(suite.url("orchestrator") + "/api/incidents/" + incident + "/resolve",
                "{\"requestedBy\":\"erin\",\"reason\":\"token renewed\"}").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> messagesAbout(AofSuite.ADMIN_CHANNEL, job).stream()
                .anyMatch(m -> m.get("method").asString().equals("chat.update")
                        && m.get("ts").asString().equals(parentTs)
                        && m.get("text").asString().startsWith(":heavy_check_mark: Incident resolved by hand")));
    }

    /** Three escalated AUTH failures of one recipe: one acknowledgement with {@code group} stops all three. */
    @Test
    void oneAcknowledgementCoversTheEscalationsOfAGroup() {
        long recipe = sim.addRecipe("Escalated group (expired token)", "{\"kind\":\"AUTH_ERROR\"}");
        List<String> incidents = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            incidents.add(AofSuite.WORKSPACE + ":" + recipe + ":" + sim.trigger(recipe));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> suite.db.queryForObject("SELECT count(*) FROM "
                + "notifier.escalation WHERE incident_id = ANY (?)", Integer.class,
                (Object) incidents.toArray(String[]::new)) == 3);

        Http.Response ack = Http.post(suite.url("notifier") + "/api/escalations/" + incidents.get(0) + "/ack",
                "{\"reason\":\"token renewed for the whole recipe\",\"group\":true}");
        assertThat(ack.status()).isEqualTo(200);
        List<String> acked = new java.util.ArrayList<>();
        ack.json().get("acknowledged").forEach(n -> acked.add(n.asString()));
        assertThat(acked).containsExactlyInAnyOrderElementsOf(incidents);
        for (String incident : incidents) {
            assertThat(awaitAudit("incidentId=" + incident + "&action=ESCALATION_ACK", 1)).hasSize(1)
                    .allMatch(line -> line.startsWith("ops ESCALATION_ACK escalation of " + incident));
        }
        assertThat(suite.db.queryForObject("SELECT count(*) FROM notifier.escalation WHERE incident_id = ANY (?) "
                + "AND acked_at IS NULL", Integer.class, (Object) incidents.toArray(String[]::new))).isZero();
    }

    @Test
    void deadLettersAreAofsOwnTroubleForTheSuperAdmin() {
        suite.publish(Topics.Names.JOB_FAILURES, "garbage", "this is not an event");
        await().atMost(Duration.ofSeconds(40)).until(() -> sim.slackTexts(AofSuite.ADMIN_CHANNEL).stream()
                .anyMatch(t -> t.startsWith(":fire: Dead letters are piling up")));
        assertThat(sim.mails(AofSuite.ADMIN_MAIL)).anySatisfy(m -> assertThat(m.get("text").asString())
                .contains("aof.job-failures.dlt: "));
    }

    /**
     * 5,000 failures within a minute (in 20 s, so that they fit in one 60 s group interval, not two minutes) across
     * 10 recipes and 3 categories, each category with one error text across all 10 recipes (401 token expired, 422
     * email invalid, 404 record gone): three error signatures, each shared by 10 recipes. Before signature storms
     * this was 30 groups (recipe and category), a first alert and a digest each: 60 messages. Now each signature
     * is a storm once its third recipe fails (storms.min-recipes 3): the first alerts of the two recipes before it
     * went at once and stay, their later failures move from their recipe's digest into the storm, and every other
     * failure is told inside it. Per signature: 2 first alerts, the storm's first message (edited in place as it
     * grows) and its closing reply once quiet for the window (10 s): 4 messages, 12 in all. Every incident is named
     * in a message or in the full list its storm (or a digest) links.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
    void aStormOfFiveThousandFailuresIsThreeSignatureStormsOfFourMessagesAndNamesEveryIncident() throws Exception {
        long base = 7_000_000 + (System.currentTimeMillis() / 1000 % 100_000) * 10;
        String[][] categories = {{"401", "401 Unauthorized: token expired"},
                {"422", "422 Unprocessable Entity: email is invalid"}, {"404", "404 Not Found: record gone"}};
        Set<String> incidents = new HashSet<>();
        int total = 5000;
        Instant start = Instant.now();
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(java.util.Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                suite.infra.kafkaBootstrapServers(), org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG,
                "all"), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            for (int i = 0; i < total; i++) {
                long recipe = base + i % 10;
                String[] c = categories[(i / 10) % 3];
                String job = "j-storm-" + base + "-" + i;
                String incident = IncidentId.of(AofSuite.WORKSPACE, recipe, job, null);
                incidents.add(incident);
                Instant now = Instant.now();
                JobFailed f = new JobFailed(UUID.randomUUID(), now, AofEvent.SCHEMA_VERSION, AofSuite.WORKSPACE,
                        recipe, "Storm " + (recipe - base), 1L, job, null, incident, c[1], null,
                        Integer.parseInt(c[0]), now.minusSeconds(1), now, JobFailed.CollectionSource.WEBHOOK, null, null, null);
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.Names.JOB_FAILURES,
                        incident, EventCodec.encode(f)));
                // spread evenly over 20 s
                long dueMillis = (i + 1) * 20_000L / total;
                long sleep = dueMillis - Duration.between(start, Instant.now()).toMillis();
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
            producer.flush();
        }
        Instant published = Instant.now();
        // every failure became an incident, and was told: alone, in its group's digest, or inside its storm (whose
        // end, with the final figures, went out)
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(2)).until(() ->
                suite.db.queryForObject("SELECT count(*) FROM notifier.notification WHERE channel = 'slack:#e2e-storm' "
                        + "AND request IS NOT NULL AND (state = 'DELIVERED' OR (state = 'DIGESTED' AND digest_id IN "
                        + "(SELECT id FROM notifier.notification WHERE state = 'DELIVERED')) OR (state = 'STORMED' "
                        + "AND storm_id IN (SELECT storm_id FROM notifier.notification WHERE kind = 'STORM_ENDED' "
                        + "AND state = 'DELIVERED')))", Integer.class) == total);

        List<JsonNode> messages = sim.slackMessages("#e2e-storm");
        List<JsonNode> posts = messages.stream().filter(m -> m.get("method").asString().equals("chat.postMessage"))
                .toList();
        List<JsonNode> edits = messages.stream().filter(m -> m.get("method").asString().equals("chat.update"))
                .toList();
        // per signature: the first alerts of the 2 recipes before the storm was recognised, the storm's first
        // message and its closing reply (was 60: a first alert and a digest for each of the 30 groups)
        assertThat(posts).hasSize(12);
        List<JsonNode> stormFirst = posts.stream().filter(m -> m.get("text").asString().startsWith(":cyclone: Storm: "))
                .toList();
        assertThat(stormFirst).hasSize(3).allSatisfy(m -> assertThat(m.get("thread_ts").isNull()).isTrue());
        Set<String> stormTs = new HashSet<>();
        stormFirst.forEach(m -> stormTs.add(m.get("ts").asString()));
        assertThat(posts).filteredOn(m -> m.get("text").asString().startsWith(":white_check_mark: Storm over: "))
                .hasSize(3).allSatisfy(m -> assertThat(stormTs).contains(m.get("thread_ts").asString()));
        // edits are no new messages: each storm's first message, to its latest figures (at most every 5 s while it
        // grows for 20 s, and once when it ends), the last one its final figures
        assertThat(edits).hasSizeLessThanOrEqualTo(3 * 12)
                .allSatisfy(m -> assertThat(stormTs).contains(m.get("ts").asString()));
        for (String ts : stormTs) {
            JsonNode last = edits.stream().filter(m -> m.get("ts").asString().equals(ts)).reduce((a, b) -> b)
                    .orElseThrow();
            assertThat(last.get("text").asString()).startsWith(":white_check_mark: Storm over · :cyclone: Storm: ");
        }
        Set<String> named = new HashSet<>();
        long storms = 0;
        for (JsonNode m : posts) {
            String blocks = Http.JSON.readTree(m.get("blocks").asString()).toString();
            incidents.stream().filter(blocks::contains).forEach(named::add);
            int link = blocks.indexOf("/api/digests/");
            if (link >= 0) {
                String id = blocks.substring(link + "/api/digests/".length(), link + "/api/digests/".length() + 36);
                JsonNode digest = Http.getJson(suite.url("notifier") + "/api/digests/" + id);
                digest.get("incidents").forEach(i -> named.add(i.get("incidentId").asString()));
            }
            link = m.get("thread_ts").isNull() ? blocks.indexOf("/api/storms/") : -1;
            if (link >= 0) {
                String id = blocks.substring(link + "/api/storms/".length(), link + "/api/storms/".length() + 36);
                storms++;
                // the storm's full list, page by page
                Integer offset = 0;
                while (offset != null) {
                    JsonNode page = Http.getJson(suite.url("notifier") + "/api/storms/" + id + "?offset=" + offset
                            + "&limit=1000");
                    page.get("incidents").forEach(i -> named.add(i.get("incidentId").asString()));
                    JsonNode next = page.get("next");
                    offset = next == null || next.isNull() ? null : next.asInt();
                }
            }
        }
        assertThat(storms).isEqualTo(3);
        assertThat(named).containsAll(incidents);
        Instant lastStored = suite.db.queryForObject("SELECT max(created_at) FROM notifier.notification "
                + "WHERE channel = 'slack:#e2e-storm' AND request IS NOT NULL", java.sql.Timestamp.class).toInstant();
        System.out.printf("storm: %d failures published in %s; the last alert stored %s after that; "
                        + "%d Slack messages (%d edits of the storms' first messages)%n", total,
                Duration.between(start, published), Duration.between(published, lastStored), posts.size(),
                edits.size());
    }

    private static long fallbackMails(String job) {
        return sim.mails(AofSuite.FALLBACK_MAIL).stream().filter(m -> m.get("text").asString().contains(job)).count();
    }

    private static List<JsonNode> messagesAbout(String channel, String job) {
        return sim.slackMessages(channel).stream().filter(m -> m.get("text").asString().contains(job)
                || (m.get("blocks") != null && !m.get("blocks").isNull() && m.get("blocks").asString().contains(job)))
                .toList();
    }

    private static JsonNode firstFailureRequest(String incident) {
        for (JsonNode e : Http.getJson(suite.url("logger") + "/api/incidents/" + incident + "/timeline")) {
            if (e.get("type").asString().equals("NotificationRequested")
                    && e.get("payload").get("kind").asString().equals("FIRST_FAILURE")) {
                return e.get("payload");
            }
        }
        throw new AssertionError("no FIRST_FAILURE notification for " + incident);
    }

    private static JsonNode notificationEvent(String incident, String type, String channel) {
        JsonNode page = Http.getJson(suite.url("logger") + "/api/events?incidentId=" + incident + "&type=" + type);
        for (JsonNode e : page.get("items")) {
            if (e.get("payload").get("channel").asString().equals(channel)) {
                return e.get("payload");
            }
        }
        return null;
    }
}
