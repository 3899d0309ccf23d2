package io.aof.e2e;

import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A dead letter re-driven by the operator after a fix, through the real services: the logger lists it, refuses an
 * anonymous re-drive, republishes it to its original topic with its original key and payload, and the orchestrator
 * then opens the incident that the dead letter had kept from opening; a second re-drive is refused unless forced.
 */
class DeadLetterRedriveTest extends SuiteTest {

    @Test
    void everyServicesFlywayCreatedTheParkedOutboxTable() {
        for (String schema : new String[] {"collation", "orchestrator", "recovery", "notifier", "logger"}) {
            assertThat(suite.db.queryForObject("SELECT to_regclass(?) IS NOT NULL", Boolean.class,
                    "\"" + schema + "\".outbox_parked")).as(schema).isTrue();
        }
    }

    @Test
    void aDeadLetteredFailureIsRedrivenByTheOperatorAndOpensItsIncident() {
        JobFailed failure = JobFailed.of(AofSuite.WORKSPACE, 990_201L, "Dead-lettered before the fix", null,
                "j-redrive-" + UUID.randomUUID().toString().substring(0, 8), null, "401 Unauthorized", null, 401,
                Instant.now(), Instant.now(), JobFailed.CollectionSource.WEBHOOK);
        // what the error handler left on the dead-letter topic (say, the orchestrator's database was read-only
        // before such failures were retried): the orchestrator never reads dead-letter topics
        suite.publish(Topics.JOB_FAILURES.deadLetterName(), failure.incidentId(), EventCodec.encode(failure));
        String api = suite.url("logger") + "/api/dead-letters";
        AtomicReference<JsonNode> found = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (JsonNode d : Http.getJson(api + "?topic=aof.job-failures&limit=500").get("items")) {
                if (failure.incidentId().equals(d.get("key").asString())) {
                    found.set(d);
                    return true;
                }
            }
            return false;
        });
        long id = found.get().get("id").asLong();
        assertThat(found.get().get("originalTopic").asString()).isEqualTo("aof.job-failures");
        assertThat(found.get().get("eventId").asString()).isNotEqualTo(failure.eventId().toString());
        assertThat(found.get().get("payload").get("eventId").asString()).isEqualTo(failure.eventId().toString());
        assertThat(Http.get(suite.url("orchestrator") + "/api/incidents/" + failure.incidentId()).status())
                .isEqualTo(404);

        Http.Response anonymous = Http.sendAsIs(HttpRequest.newBuilder(URI.create(api + "/redrive"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[" + id + "]}")).build());
        assertThat(anonymous.status()).isEqualTo(401);
        Http.Response bad = Http.post(api + "/redrive", "{\"topic\":\"aof.job-failures\"}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.contentType()).contains("application/problem+json");

        Http.Response redrive = Http.post(api + "/redrive",
                "{\"ids\":[" + id + "],\"reason\":\"orchestrator database writable again\"}");

        assertThat(redrive.status()).as(redrive.body()).isEqualTo(200);
        assertThat(redrive.json().get("redriven").get(0).asLong()).isEqualTo(id);
        awaitIncidentState(failure.incidentId(), "NON_RETRYABLE");
        JsonNode listed = Http.getJson(api + "?topic=aof.job-failures.dlt&limit=500");
        JsonNode item = null;
        for (JsonNode d : listed.get("items")) {
            if (d.get("id").asLong() == id) {
                item = d;
            }
        }
        assertThat(item).as("the re-driven dead letter is listed").isNotNull();
        assertThat(item.get("redrives")).hasSize(1);
        assertThat(item.get("redrives").get(0).get("by").asString()).isEqualTo("ops");
        assertThat(item.get("redrives").get(0).get("reason").asString())
                .isEqualTo("orchestrator database writable again");
        Http.Response again = Http.post(api + "/redrive", "{\"ids\":[" + id + "]}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("redriven")).isEmpty();
        assertThat(again.json().get("alreadyRedriven").get(0).asLong()).isEqualTo(id);
    }
}
