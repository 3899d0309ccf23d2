package io.aof.e2e;

import io.aof.orchestrator.OrchestratorApplication;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What operators do and what the orchestrator promises them: replay, resolve,
 * suppress, recipes stopped by Workato, a dry run, attempts not spent while the
 * Workato API is down, and two orchestrators sharing one schedule.
 */
class OperatorActionsTest extends SuiteTest {


    @Test
    void exhaustedIncidentIsReplayedWithFreshAttemptsAndTheReplayIsInTheTimeline() {
        long recipe = sim.addRecipe("Replay me", "{\"kind\":\"ALWAYS_FAIL\",\"error\":\"502 Bad Gateway\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        awaitIncidentState(incident, "EXHAUSTED");
        sim.setBehaviour(recipe, "{\"kind\":\"HEALTHY\"}");   // the upstream is fixed

        // an older script still names someone: the signed-in operator is recorded, not the name typed
        Http.Response replay = Http.postAs(AofSuite.ALICE_AUTH, url("/incidents/" + incident + "/replay"),
                "{\"requestedBy\":\"mallory@example.com\",\"reason\":\"ERP fixed, INC-42\"}");

        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.json().get("maxAttempts").asInt()).isEqualTo(10);
        JsonNode view = awaitIncidentState(incident, "RECOVERED");
        assertThat(view.get("incident").get("attempt").asInt()).isEqualTo(6);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> sim.repeatsOf(job) == 6);
        awaitTimelineEnd(incident, "IncidentRecovered");
        List<String> transitions = transitions(incident);
        int exhausted = transitions.indexOf("RetriesExhausted");
        assertThat(transitions.subList(exhausted, transitions.size())).containsExactly("RetriesExhausted",
                "ReplayRequested", "RetryScheduled", "RetryStarted", "IncidentRecovered");
        JsonNode replayEvent = event(incident, "ReplayRequested");
        assertThat(replayEvent.get("payload").get("requestedBy").asString()).isEqualTo("alice");
        assertThat(replayEvent.get("payload").get("reason").asString()).isEqualTo("ERP fixed, INC-42");
        // the audit trail in the central log: the signed-in operator, from the orchestrator
        assertThat(awaitAudit("incidentId=" + incident, 1))
                .containsExactly("alice REPLAY " + incident + " (orchestrator)");

        Http.Response again = Http.postAs(AofSuite.ALICE_AUTH, url("/incidents/" + incident + "/replay"),
                "{\"reason\":\"again\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.contentType()).contains("application/problem+json");
    }

    @Test
    void nonRetryableIncidentIsResolvedByHandAndAudited() {
        long recipe = sim.addRecipe("Resolve me", "{\"kind\":\"AUTH_ERROR\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        awaitIncidentState(incident, "NON_RETRYABLE");

        Http.Response noReason = Http.postAs(AofSuite.ALICE_AUTH, url("/incidents/" + incident + "/resolve"),
                "{\"requestedBy\":\"alice\"}");
        // a viewer may read the incident but not resolve it
        Http.Response byViewer = Http.postAs(AofSuite.VERA_AUTH, url("/incidents/" + incident + "/resolve"),
                "{\"reason\":\"not mine to do\"}");
        Http.Response resolved = Http.postAs(AofSuite.ALICE_AUTH, url("/incidents/" + incident + "/resolve"),
                "{\"reason\":\"reconnected the Okta connection\"}");
        Http.Response twice = Http.post(url("/incidents/" + incident + "/resolve"),
                "{\"requestedBy\":\"bob\",\"reason\":\"again\"}");
        Http.Response unknown = Http.post(url("/incidents/e2e:1:j-nope/resolve"),
                "{\"requestedBy\":\"bob\",\"reason\":\"x\"}");

        assertThat(noReason.status()).isEqualTo(400);
        assertThat(byViewer.status()).isEqualTo(403);
        assertThat(resolved.status()).isEqualTo(200);
        assertThat(resolved.json().get("state").asString()).isEqualTo("MANUALLY_RESOLVED");
        assertThat(twice.status()).isEqualTo(409);
        assertThat(unknown.status()).isEqualTo(404);
        awaitTimelineEnd(incident, "ResolvedManually");
        JsonNode event = event(incident, "ResolvedManually");
        assertThat(event.get("payload").get("resolvedBy").asString()).isEqualTo("alice");
        assertThat(event.get("payload").get("previousState").asString()).isEqualTo("NON_RETRYABLE");
        assertThat(suite.db.queryForObject("SELECT count(*) FROM orchestrator.operator_action WHERE target = ? "
                + "AND action = 'RESOLVE' AND requested_by = 'alice'", Integer.class, incident)).isEqualTo(1);
        assertThat(awaitAudit("incidentId=" + incident + "&action=RESOLVE&actor=alice", 1))
                .containsExactly("alice RESOLVE " + incident + " (orchestrator)");
    }

    @Test
    void failuresOfASuppressedRecipeAreKeptButNotRetriedOrAnnounced() {
        long recipe = sim.addRecipe("Maintenance window", "{\"kind\":\"ALWAYS_FAIL\",\"error\":\"503 down\"}");
        Http.Response suppressed = Http.post(url("/suppressions"), "{\"recipeId\":" + recipe
                + ",\"minutes\":30,\"requestedBy\":\"carol\",\"reason\":\"ERP upgrade tonight\"}");
        assertThat(suppressed.status()).isEqualTo(201);
        assertThat(Http.post(url("/suppressions"), "{\"recipeId\":" + recipe + ",\"requestedBy\":\"carol\","
                + "\"reason\":\"no end\"}").status()).isEqualTo(400);

        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;

        awaitIncidentState(incident, "SUPPRESSED");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> sim.repeatsOf(job) == 0);
        assertThat(sim.slackTexts(AofSuite.OPS_CHANNEL)).noneMatch(t -> t.contains(job));
        assertThat(Http.delete(url("/suppressions/" + recipe + "?requestedBy=carol&reason=done")).status())
                .isEqualTo(204);
        // audited under the signed-in caller (the legacy admin), not the carol the requests named
        List<String> audit = awaitAudit("recipeId=" + recipe, 2);
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0)).isEqualTo("ops UNSUPPRESS recipe " + recipe + " (orchestrator)");
        assertThat(audit.get(1)).startsWith("ops SUPPRESS recipe " + recipe + " until ").endsWith("(orchestrator)");
    }

    @Test
    void aRecipeStoppedByWorkatoIsAnEscalatedIncidentAndNeverRepeated() {
        long recipe = sim.addRecipe("Trigger keeps failing", "{\"kind\":\"HEALTHY\"}");
        sim.stopRecipe(recipe);

        await().atMost(Duration.ofSeconds(30)).until(() -> Http.getJson(url("/incidents?recipeId=" + recipe))
                .get("items").size() == 1);
        JsonNode incident = Http.getJson(url("/incidents?recipeId=" + recipe)).get("items").get(0);
        assertThat(incident.get("kind").asString()).isEqualTo("RECIPE_STOPPED");
        assertThat(incident.get("state").asString()).isEqualTo("ESCALATED");
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.slackTexts(AofSuite.ADMIN_CHANNEL).stream()
                .anyMatch(t -> t.contains("Recipe stopped by Workato") && t.contains("Trigger keeps failing")));
        assertThat(Http.post(url("/incidents/" + incident.get("id").asString() + "/replay"),
                "{\"requestedBy\":\"dave\",\"reason\":\"try\"}").status()).isEqualTo(409);
        // seen again on later polls, still one incident
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                Http.getJson(url("/incidents?recipeId=" + recipe)).get("items").size() == 1);
    }

    @Test
    void incidentsArePagedNewestFirstWithACursorAndFilteredByTime() {
        long recipe = sim.addRecipe("Paging", "{\"kind\":\"AUTH_ERROR\"}");
        Instant before = Instant.now().minusSeconds(1);
        for (int i = 0; i < 3; i++) {
            sim.trigger(recipe);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Http.getJson(url("/incidents?recipeId=" + recipe))
                .get("items").size() == 3);

        JsonNode first = Http.getJson(url("/incidents?recipeId=" + recipe + "&limit=2"));
        JsonNode second = Http.getJson(url("/incidents?recipeId=" + recipe + "&limit=2&after="
                + first.get("next").asString()));

        List<String> ids = new ArrayList<>();
        first.get("items").forEach(i -> ids.add(i.get("id").asString()));
        second.get("items").forEach(i -> ids.add(i.get("id").asString()));
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        assertThat(second.get("next").isNull()).isTrue();
        assertThat(Http.getJson(url("/incidents?recipeId=" + recipe + "&from=" + before)).get("items")).hasSize(3);
        assertThat(Http.getJson(url("/incidents?recipeId=" + recipe + "&to=" + before)).get("items")).isEmpty();
        assertThat(Http.get(url("/incidents?after=garbage")).status()).isEqualTo(400);
        assertThat(Http.get(url("/incidents?limit=0")).status()).isEqualTo(400);
    }

    @Test
    void dryRunSaysWhichPolicyAppliesAndWhatWouldHappen() {
        JsonNode auth = Http.post(url("/policies/dry-run"), "{\"recipeId\":1,\"error\":\"401 Unauthorized\"}")
                .json();
        assertThat(auth.get("category").asString()).isEqualTo("AUTH");
        assertThat(auth.get("decision").asString()).startsWith("not retried");

        JsonNode outage = Http.post(url("/policies/dry-run"), "{\"recipeId\":1,\"recipeName\":\"Outage feed\","
                + "\"error\":\"Net::ReadTimeout\"}").json();
        assertThat(outage.get("category").asString()).isEqualTo("TIMEOUT");
        assertThat(outage.get("schedule")).hasSize(5);
        // the name-pattern override: 2 s, capped at 2 s, so jitter cannot stretch it
        assertThat(outage.get("schedule").get(0).asString()).isEqualTo("attempt 1 after 2s");
        assertThat(outage.get("policy").get("source").asString()).contains("overrides[0]");

        // a body past 48 KiB is refused before it is parsed, however it is padded; a viewer may ask
        String padded = "{\"recipeId\":1,\"error\":\"401 Unauthorized\"" + " ".repeat(60_000) + "}";
        assertThat(Http.postAs(AofSuite.VERA_AUTH, url("/policies/dry-run"), padded).status()).isEqualTo(413);
        assertThat(Http.postAs(AofSuite.VERA_AUTH, url("/policies/dry-run"), "{\"recipeId\":1,\"error\":\"x\"}")
                .status()).isEqualTo(200);
        assertThat(Http.postAs(AofSuite.VERA_AUTH, url("/policies/dry-run"), "{\"error\":\"x\"}").status())
                .isEqualTo(400);

        Http.Response docs = Http.get(suite.url("orchestrator") + "/v3/api-docs");
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.body()).contains("/api/incidents/{id}/replay", "/api/policies/dry-run", "/api/suppressions");
    }

    @Test
    void noAttemptIsSpentWhileTheWorkatoApiIsDown() {
        long recipe = sim.addRecipe("Outage victim", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"Net::ReadTimeout\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        awaitIncidentState(incident, "RETRY_SCHEDULED");   // first repeat due in 2 s
        long refusedBefore = sim.calls("repeat_jobs", 503);

        sim.outage(503, 6);

        // the due repeat was tried during the outage, and refused
        await().atMost(Duration.ofSeconds(10)).until(() -> sim.calls("repeat_jobs", 503) > refusedBefore);
        JsonNode view = awaitIncidentState(incident, "RECOVERED");
        assertThat(view.get("incident").get("attempt").asInt()).isEqualTo(1);
        assertThat(view.get("attempts")).hasSize(1);
        assertThat(view.get("attempts").get(0).get("outcome").asString()).isEqualTo("SUCCEEDED");
        assertThat(sim.repeatsOf(job)).isEqualTo(1);
    }

    @Test
    void anIncidentResolvedWhileWorkatoIsDownIsNeverRepeatedWhenWorkatoIsBack() {
        long recipe = sim.addRecipe("Fixed by hand", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"Net::ReadTimeout\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        awaitIncidentState(incident, "RETRY_SCHEDULED");
        long refusedBefore = sim.calls("repeat_jobs", 503);

        sim.outage(503, 8);
        // the due repeat was tried during the outage and deferred: the request waits in recovery
        await().atMost(Duration.ofSeconds(10)).until(() -> sim.calls("repeat_jobs", 503) > refusedBefore);
        // the operator re-ran the job by hand in Workato and resolves the incident while Workato is still down
        Http.Response resolved = Http.post(url("/incidents/" + incident + "/resolve"),
                "{\"requestedBy\":\"dana\",\"reason\":\"re-ran it by hand during the outage\"}");
        assertThat(resolved.status()).isEqualTo(200);
        assertThat(resolved.json().get("state").asString()).isEqualTo("MANUALLY_RESOLVED");

        await().atMost(Duration.ofSeconds(15)).until(() -> "CANCELLED".equals(suite.db.query(
                "SELECT state FROM recovery.repeat_request WHERE incident_id = ?",
                rs -> rs.next() ? rs.getString(1) : null, incident)));
        // well past the outage's end (and the breaker's wait): the cancelled repeat was never sent
        await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(15)).until(() -> sim.repeatsOf(job) == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> suite.db.queryForObject("SELECT count(*) FROM "
                + "logger.event_log WHERE incident_id = ? AND event_type = 'RepeatCancelled'", Integer.class,
                incident) == 1);
    }

    @Test
    void twoOrchestratorsShareTheScheduleAndStartEveryRetryOnceAtOrAfterItsDueTime() {
        suite.start("orchestrator-2", OrchestratorApplication::builder);
        try {
            List<String> incidents = new ArrayList<>();
            Map<String, String> jobs = new HashMap<>();
            for (int i = 0; i < 3; i++) {
                long recipe = sim.addRecipe("Twin " + i, "{\"kind\":\"ALWAYS_FAIL\",\"error\":\"500 boom\"}");
                String job = sim.trigger(recipe);
                String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
                incidents.add(incident);
                jobs.put(incident, job);
            }
            for (String incident : incidents) {
                awaitIncidentState(incident, "EXHAUSTED");
                awaitTimelineEnd(incident, "RetriesExhausted");
                assertEveryRetryStartedOnceAtOrAfterItsDueTime(incident, 5);
            }
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                    incidents.stream().allMatch(i -> sim.repeatsOf(jobs.get(i)) == 5));
        } finally {
            suite.stop("orchestrator-2");
        }
    }

    private static JsonNode event(String incident, String type) {
        for (JsonNode e : Http.getJson(suite.url("logger") + "/api/incidents/" + incident + "/timeline")) {
            if (e.get("type").asString().equals(type)) {
                return e;
            }
        }
        throw new AssertionError("no " + type + " in the timeline of " + incident);
    }

    private static String url(String path) {
        return suite.url("orchestrator") + "/api" + path;
    }
}
