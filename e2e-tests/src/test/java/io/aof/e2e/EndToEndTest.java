package io.aof.e2e;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator sees: a failed job is collected, classified, repeated, and
 * ends recovered or exhausted, with the simulator counting every repeat, the
 * Slack sink holding the alerts, and the logger holding the timeline.
 */
class EndToEndTest extends SuiteTest {


    @Test
    void jobThatFailsTwiceThenSucceedsIsRecoveredAfterExactlyTwoRepeats() {
        long recipe = sim.addRecipe("Orders sync (fails twice)",
                "{\"kind\":\"FAIL_TIMES\",\"failTimes\":2,\"error\":\"Net::ReadTimeout: read timed out after 30s\","
                        + "\"errorTypeId\":\"err.http.response.timeout\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;

        JsonNode view = awaitIncidentState(incident, "RECOVERED");

        assertThat(view.get("incident").get("category").asString()).isEqualTo("TIMEOUT");
        assertThat(view.get("incident").get("attempt").asInt()).isEqualTo(2);
        assertThat(outcomes(view)).containsExactly("FAILED", "SUCCEEDED");
        assertThat(sim.repeatsOf(job)).isEqualTo(2);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> sim.repeatsOf(job) == 2);
        awaitTimelineEnd(incident, "IncidentRecovered");
        assertThat(transitions(incident)).containsExactly("IncidentOpened",
                "RetryScheduled", "RetryStarted", "RetryScheduled", "RetryStarted", "IncidentRecovered");
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.slackTexts(AofSuite.OPS_CHANNEL).stream()
                .filter(t -> t.contains(job)).count() >= 2);
    }

    @Test
    void jobThatAlwaysFailsIsRepeatedExactlyFiveTimesThenExhaustedAndEscalated() {
        long recipe = sim.addRecipe("Invoice export (always fails)",
                "{\"kind\":\"ALWAYS_FAIL\",\"error\":\"500 Internal Server Error: <!channel> export crashed\","
                        + "\"errorTypeId\":\"err.http.response.server_error\",\"httpCode\":500}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;

        JsonNode view = awaitIncidentState(incident, "EXHAUSTED");

        assertThat(view.get("incident").get("category").asString()).isEqualTo("UPSTREAM_5XX");
        assertThat(outcomes(view)).containsExactly("FAILED", "FAILED", "FAILED", "FAILED", "FAILED");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> sim.repeatsOf(job) == 5);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(sim.slackTexts(AofSuite.ADMIN_CHANNEL)).anySatisfy(t -> assertThat(t).contains(job)
                    .contains("still failing after all retries"));
            assertThat(sim.slackTexts(AofSuite.OPS_CHANNEL)).anySatisfy(t -> assertThat(t).contains(job)
                    .contains("still failing after all retries"));
        });
        // the error text reaches Slack escaped: it cannot ping the channel
        assertThat(sim.slackTexts(AofSuite.ADMIN_CHANNEL)).filteredOn(t -> t.contains(job))
                .allSatisfy(t -> assertThat(t).doesNotContain("<!channel>").contains("&lt;!channel&gt;"));

        awaitTimelineEnd(incident, "RetriesExhausted");
        List<String> expected = new ArrayList<>();
        expected.add("IncidentOpened");
        for (int i = 0; i < 5; i++) {
            expected.add("RetryScheduled");
            expected.add("RetryStarted");
        }
        expected.add("RetriesExhausted");
        assertThat(transitions(incident)).containsExactlyElementsOf(expected);
        List<String> all = types(incident);
        assertThat(all.get(0)).isEqualTo("JobFailed");
        assertThat(all).filteredOn("RecoveryRequested"::equals).hasSize(5);
        assertThat(all).filteredOn("JobRepeated"::equals).hasSize(5);
        assertThat(all).filteredOn("RecoveryOutcome"::equals).hasSize(5);
    }

    @Test
    void authErrorIsNotRetriedAndGoesToTheSuperAdmin() {
        long recipe = sim.addRecipe("Onboarding (auth error)", "{\"kind\":\"AUTH_ERROR\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;

        JsonNode view = awaitIncidentState(incident, "NON_RETRYABLE");

        assertThat(view.get("incident").get("category").asString()).isEqualTo("AUTH");
        assertThat(view.get("attempts")).isEmpty();
        await().atMost(Duration.ofSeconds(20)).until(() -> sim.slackTexts(AofSuite.ADMIN_CHANNEL).stream()
                .anyMatch(t -> t.contains(job)));
        assertThat(sim.repeatsOf(job)).isZero();
    }

    @Test
    void incidentListFiltersByStateAndRejectsAnUnknownState() {
        long recipe = sim.addRecipe("Listed (auth error)", "{\"kind\":\"AUTH_ERROR\"}");
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + sim.trigger(recipe);
        awaitIncidentState(incident, "NON_RETRYABLE");

        JsonNode nonRetryable = Http.getJson(suite.url("orchestrator") + "/api/incidents?state=NON_RETRYABLE&limit=500");
        JsonNode recovered = Http.getJson(suite.url("orchestrator") + "/api/incidents?state=RECOVERED&limit=500");
        assertThat(nonRetryable.get("items")).isNotEmpty()
                .allSatisfy(i -> assertThat(i.get("state").asString()).isEqualTo("NON_RETRYABLE"))
                .anySatisfy(i -> assertThat(i.get("id").asString()).isEqualTo(incident));
        assertThat(recovered.get("items"))
                .allSatisfy(i -> assertThat(i.get("state").asString()).isEqualTo("RECOVERED"))
                .noneSatisfy(i -> assertThat(i.get("id").asString()).isEqualTo(incident));

        Http.Response bad = Http.get(suite.url("orchestrator") + "/api/incidents?state=NOPE");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).contains("application/problem+json");

        Http.Response missing = Http.get(suite.url("orchestrator") + "/api/incidents/e2e:1:j-none");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).contains("application/problem+json");
    }

    private static List<String> outcomes(JsonNode view) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : view.get("attempts")) {
            out.add(a.get("outcome").asString());
        }
        return out;
    }
}
