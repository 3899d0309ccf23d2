package io.aof.e2e;

import io.aof.common.events.IncidentId;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One upstream down is one outage: through the real services, Kafka, PostgreSQL and the simulator, NetSuite
 * goes down under three recipes while another recipe fails and recovers as usual. AOF opens one outage, holds
 * its jobs' retries (no attempt spent beyond the probes), probes while it lasts, and when NetSuite is back a
 * probe succeeds, the outage ends and every held job is repeated once and recovers; ops get one thread for it.
 */
class OutageAwarenessTest extends SuiteTest {

    static final String NETSUITE = "netsuite";

    @Test
    void anUpstreamDownAcrossRecipesIsOneOutageHeldProbedAndReleasedWhenItIsBack() {
        sim.connectorDown(NETSUITE, 600);
        List<Long> recipes = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            recipes.add(sim.addRecipe("NetSuite sync " + r, "{\"kind\":\"HEALTHY\"}", NETSUITE));
        }
        long other = sim.addRecipe("Unrelated flaky", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"Connection reset by peer\"}");
        List<String> jobs = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            for (long recipe : recipes) {
                jobs.add(sim.trigger(recipe));
            }
        }
        String otherJob = sim.trigger(other);

        // one outage of netsuite, holding the jobs (those in flight when it opened join when their repeat fails)
        String outage = awaitOpenOutage();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                outageView(outage).get("jobs").asInt() == jobs.size());
        // the unrelated recipe recovers as usual meanwhile
        awaitIncidentState(IncidentId.of(AofSuite.WORKSPACE, other, otherJob, null), "RECOVERED");
        // probes fail while NetSuite is down: spent on one job at a time, at the backoff
        await().atMost(Duration.ofSeconds(30)).until(() -> outageView(outage).get("outage").get("probes").asInt() >= 2);
        int repeatsWhileDown = jobs.stream().mapToInt(sim::repeatsOf).sum();
        JsonNode down = outageView(outage);
        int probes = down.get("outage").get("probes").asInt();
        // attempts against the down upstream: the probes (one may be in flight), plus those sent before the
        // outage opened (at most the four failures below the threshold)
        assertThat(repeatsWhileDown).isLessThanOrEqualTo(probes + 1 + 4);
        assertThat(down.get("held").asInt()).isGreaterThanOrEqualTo(jobs.size() - 1 - 4);

        sim.connectorBack(NETSUITE);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                !outageView(outage).get("outage").get("endedAt").isNull());
        JsonNode ended = outageView(outage).get("outage");
        assertThat(ended.get("endedHow").asString()).contains("succeeded");
        for (int k = 0; k < jobs.size(); k++) {
            long recipe = recipes.get(k % recipes.size());
            JsonNode incident = awaitIncidentState(IncidentId.of(AofSuite.WORKSPACE, recipe, jobs.get(k), null),
                    "RECOVERED").get("incident");
            assertThat(incident.get("outageId").asString()).isEqualTo(outage);
            assertThat(incident.get("upstream").asString()).isEqualTo(NETSUITE);
        }
        // every job recovered by exactly one successful repeat, never repeated after it succeeded
        for (String job : jobs) {
            assertThat(sim.succeededRepeatsOf(job)).as(job).isEqualTo(1);
        }
        // ops heard of it in one thread: its start (edited in place as it grew) and its end
        await().atMost(Duration.ofSeconds(20)).until(() -> outageMessages().size() >= 2);
        List<String> messages = outageMessages();
        assertThat(messages).hasSizeLessThanOrEqualTo(3);
        assertThat(String.join("\n", messages)).contains("netsuite unreachable").contains("netsuite is back");
        // the failures that came before the outage was recognised were told one by one (at most the four below
        // the threshold); none after it
        long oneByOne = sim.slackMessages(AofSuite.OPS_CHANNEL).stream().filter(m -> m.get("method").asString()
                .endsWith("postMessage")).map(m -> m.path("text").asString("")).filter(t -> t.contains("NetSuite sync"))
                .count();
        assertThat(oneByOne).isLessThanOrEqualTo(4);
        // and the logger has the outage's life
        await().atMost(Duration.ofSeconds(20)).until(() -> suite.db.queryForList("SELECT event_type FROM "
                + "logger.event_log WHERE incident_id = ? ORDER BY occurred_at", String.class, outage)
                .containsAll(List.of("OutageOpened", "OutageProbed", "OutageEnded")));
    }

    private static String awaitOpenOutage() {
        String url = suite.url("orchestrator") + "/api/outages?state=open";
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (JsonNode o : Http.getJson(url)) {
                if (NETSUITE.equals(o.get("outage").get("upstream").asString())) {
                    return true;
                }
            }
            return false;
        });
        for (JsonNode o : Http.getJson(url)) {
            if (NETSUITE.equals(o.get("outage").get("upstream").asString())) {
                return o.get("outage").get("id").asString();
            }
        }
        throw new AssertionError("no open outage of netsuite");
    }

    private static JsonNode outageView(String id) {
        return Http.getJson(suite.url("orchestrator") + "/api/outages/" + id);
    }

    /** Slack messages posted to the ops channel about netsuite's outage (threads' replies included; not edits). */
    private static List<String> outageMessages() {
        List<String> out = new ArrayList<>();
        for (JsonNode m : sim.slackMessages(AofSuite.OPS_CHANNEL)) {
            String text = m.path("text").asString("") + " " + m.path("blocks").asString("");
            if (m.get("method").asString().endsWith("postMessage")
                    && (text.contains("netsuite unreachable") || text.contains("netsuite is back"))) {
                out.add(text);
            }
        }
        return out;
    }
}
