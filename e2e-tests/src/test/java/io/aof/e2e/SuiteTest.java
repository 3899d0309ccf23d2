package io.aof.e2e;

import org.junit.jupiter.api.BeforeAll;
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
 * What every end-to-end test class shares: the one suite of this JVM, the
 * simulator's controls, and the ways to wait for and read an incident.
 */
abstract class SuiteTest {

    protected static AofSuite suite;
    protected static Simulator sim;

    @BeforeAll
    static void startSuite() {
        suite = AofSuite.get();
        sim = new Simulator(suite.simulatorUrl);
    }

    static JsonNode awaitIncidentState(String incident, String state) {
        String url = suite.url("orchestrator") + "/api/incidents/" + incident;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            Http.Response r = Http.get(url);
            return r.status() == 200 && state.equals(r.json().get("incident").get("state").asString());
        });
        return Http.getJson(url);
    }

    static void awaitTimelineEnd(String incident, String lastTransition) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            List<String> t = transitions(incident);
            return !t.isEmpty() && t.get(t.size() - 1).equals(lastTransition);
        });
    }

    /** The incident's transitions as the logger recorded them, in order. */
    static List<String> transitions(String incident) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : timeline(incident)) {
            if (e.get("topic").asString().equals("aof.incident-events")
                    && !e.get("type").asString().equals("RepeatFailureObserved")) {
                out.add(e.get("type").asString());
            }
        }
        return out;
    }

    static List<String> types(String incident) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : timeline(incident)) {
            out.add(e.get("type").asString());
        }
        return out;
    }

    /**
     * The audit trail's entries matching {@code query} (e.g. {@code incidentId=...&action=REPLAY}) as
     * "actor ACTION target (service)", newest first, once there are {@code expected} of them.
     */
    static List<String> awaitAudit(String query, int expected) {
        List<String> lines = new java.util.ArrayList<>();
        await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
            lines.clear();
            for (JsonNode e : Http.getJson(suite.url("logger") + "/api/audit?" + query).get("items")) {
                lines.add(e.get("actor").asString() + " " + e.get("action").asString() + " "
                        + e.get("target").asString() + " (" + e.get("service").asString() + ")");
            }
            return lines.size() >= expected;
        });
        return List.copyOf(lines);
    }

    static JsonNode timeline(String incident) {
        Http.Response r = Http.get(suite.url("logger") + "/api/incidents/" + incident + "/timeline");
        return r.status() == 200 ? r.json() : Http.JSON.createArrayNode();
    }

    /** From the logger's timeline: attempt n started once, never before the due time it was scheduled for. */
    static void assertEveryRetryStartedOnceAtOrAfterItsDueTime(String incident, int attempts) {
        Map<Integer, Instant> due = new HashMap<>();
        Map<Integer, List<Instant>> started = new HashMap<>();
        for (JsonNode e : Http.getJson(suite.url("logger") + "/api/incidents/" + incident + "/timeline")) {
            JsonNode p = e.get("payload");
            switch (e.get("type").asString()) {
                case "RetryScheduled" -> due.put(p.get("attempt").asInt(), Instant.parse(p.get("dueAt").asString()));
                case "RetryStarted" -> started.computeIfAbsent(p.get("attempt").asInt(), k -> new ArrayList<>())
                        .add(Instant.parse(p.get("occurredAt").asString()));
                default -> { }
            }
        }
        assertThat(started.keySet()).hasSize(attempts);
        started.forEach((attempt, times) -> {
            assertThat(times).as("starts of attempt %d", attempt).hasSize(1);
            assertThat(times.get(0)).as("attempt %d start", attempt).isAfterOrEqualTo(due.get(attempt));
        });
        assertThat(suite.db.queryForObject("SELECT count(*) FROM recovery.repeat_request "
                + "WHERE incident_id = ?", Integer.class, incident)).isEqualTo(attempts);
    }
}
