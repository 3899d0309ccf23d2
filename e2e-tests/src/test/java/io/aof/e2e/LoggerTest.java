package io.aof.e2e;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationEvent;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import io.aof.common.retention.RetentionJob;
import io.aof.common.retention.RetentionRule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The central event log: filters, keyset paging, CSV, job history, idempotent ingest, retention. */
class LoggerTest extends SuiteTest {

    private static String api;

    @BeforeAll
    static void start() {
        api = suite.url("logger") + "/api";
    }

    @Test
    void everyFilterAndTheCursorPagingReturnExactlyTheMatchingEvents() throws InterruptedException {
        Instant before = Instant.now().minusSeconds(1);
        long recipe = sim.addRecipe("Logged", "{\"kind\":\"AUTH_ERROR\"}");
        List<String> jobs = List.of(sim.trigger(recipe), sim.trigger(recipe), sim.trigger(recipe));
        // per job: JobFailed, IncidentOpened, IncidentNonRetryable, 2 NotificationRequested (ops, super admin),
        // 3 NotificationDelivered (ops Slack, admin Slack, admin mail); escalation reminders add deliveries later
        await().atMost(Duration.ofSeconds(40)).until(() -> count(recipe, Instant.now()) >= 24);
        // collation also publishes a stats snapshot of the recipe every few seconds: fix the range
        Instant until = Instant.now();
        Thread.sleep(1500);
        int total = count(recipe, until);
        String range = "&to=" + until;

        List<String> ids = new ArrayList<>();
        String after = null;
        Instant previous = Instant.MAX;
        do {
            JsonNode page = Http.getJson(api + "/events?recipeId=" + recipe + "&limit=4" + range
                    + (after == null ? "" : "&after=" + after));
            for (JsonNode e : page.get("items")) {
                ids.add(e.get("eventId").asString());
                assertThat(e.get("recipeId").asLong()).isEqualTo(recipe);
                Instant at = Instant.parse(e.get("occurredAt").asString());
                assertThat(at).isBeforeOrEqualTo(previous);   // newest first
                previous = at;
            }
            after = page.get("next").isNull() ? null : page.get("next").asString();
        } while (after != null);
        assertThat(ids).hasSize(total);
        assertThat(new HashSet<>(ids)).hasSize(total);

        assertThat(items("type=IncidentOpened&recipeId=" + recipe)).hasSize(3);
        // opened, non-retryable and 2 notification requests per job carry the category
        assertThat(items("category=AUTH&recipeId=" + recipe)).hasSize(12);
        List<String> fromCollation = items("service=collation&recipeId=" + recipe + range).stream()
                .map(e -> e.get("type").asString()).toList();
        assertThat(fromCollation).allMatch(t -> t.equals("JobFailed") || t.equals("RecipeStatsSnapshot"));
        assertThat(fromCollation).filteredOn("JobFailed"::equals).hasSize(3);
        assertThat(items("jobId=" + jobs.get(0) + "&type=JobFailed")).hasSize(1);
        // exactly the incident's events: the same as picking them out of the recipe's events by hand
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + jobs.get(1);
        List<String> ofIncident = items("incidentId=" + incident + range).stream()
                .map(e -> e.get("eventId").asString()).toList();
        List<String> byHand = items("recipeId=" + recipe + range).stream()
                .filter(e -> !e.get("incidentId").isNull() && incident.equals(e.get("incidentId").asString()))
                .map(e -> e.get("eventId").asString()).toList();
        // at least JobFailed, IncidentOpened, IncidentNonRetryable and the two requests; deliveries may trail
        assertThat(ofIncident).hasSizeGreaterThanOrEqualTo(5).isEqualTo(byHand);
        assertThat(items("recipeId=" + recipe + "&from=" + before + range)).hasSize(total);
        assertThat(items("recipeId=" + recipe + "&to=" + before)).isEmpty();

        assertThat(Http.get(api + "/events?limit=501").status()).isEqualTo(400);
        assertThat(Http.get(api + "/events?after=nonsense").status()).isEqualTo(400);
        Http.Response injection = Http.get(api + "/events?type=x'%20OR%20'1'='1");
        assertThat(injection.status()).isEqualTo(200);
        assertThat(injection.json().get("items")).isEmpty();

        Http.Response csv = Http.get(api + "/events.csv?recipeId=" + recipe + "&from=" + before + "&to="
                + Instant.now().plusSeconds(60));
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.body().lines()).hasSizeGreaterThanOrEqualTo(total + 1).first().asString().startsWith("occurred_at,event_id,type");
    }

    @Test
    void aJobsHistoryIncludesItsRepeats() {
        long recipe = sim.addRecipe("History", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,\"error\":\"504\"}");
        String job = sim.trigger(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        JsonNode view = awaitIncidentState(incident, "RECOVERED");
        String repeat = view.get("attempts").get(0).get("repeat_job_id").asString();
        awaitTimelineEnd(incident, "IncidentRecovered");

        List<String> types = new ArrayList<>();
        Http.getJson(api + "/jobs/" + repeat + "/history").forEach(e -> types.add(e.get("type").asString()));

        assertThat(types).contains("JobFailed", "IncidentOpened", "RecoveryRequested", "IncidentRecovered");
        assertThat(Http.get(api + "/jobs/j-never-seen/history").status()).isEqualTo(404);
    }

    @Test
    void aRedeliveredEventIsStoredOnce() {
        var delivered = new NotificationEvent.NotificationDelivered(UUID.randomUUID(), Instant.now(),
                AofEvent.SCHEMA_VERSION, AofSuite.WORKSPACE, 1L, "j-x", "e2e:1:j-x", null, UUID.randomUUID(),
                "slack:#test", "1.1", 1);
        String json = EventCodec.encode(delivered);
        suite.publish(Topics.NOTIFICATION_EVENTS.name(), "e2e:1:j-x", json);
        suite.publish(Topics.NOTIFICATION_EVENTS.name(), "e2e:1:j-x", json);

        await().atMost(Duration.ofSeconds(15)).until(() -> stored(delivered.eventId()) == 1);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                stored(delivered.eventId()) == 1);
    }

    @Test
    void retentionRemovesOldEventsAndKeepsNewOnes() throws Exception {
        UUID old = UUID.randomUUID();
        UUID fresh = UUID.randomUUID();
        for (Object[] row : List.of(new Object[]{old, "100 days"}, new Object[]{fresh, "1 day"})) {
            suite.db.update("INSERT INTO logger.event_log (event_id, topic, event_type, occurred_at, payload) "
                    + "VALUES (?, 'aof.test', 'Test', now() - ?::interval, '{}'::jsonb)", row[0], row[1]);
        }
        var logger = suite.services.get("logger");
        RetentionJob retention = logger.getBean(RetentionJob.class);

        long removed = retention.purge(logger.getBean("eventLogRetention", RetentionRule.class));

        assertThat(removed).isGreaterThanOrEqualTo(1);
        assertThat(stored(old)).isZero();
        assertThat(stored(fresh)).isEqualTo(1);
    }

    private static int stored(UUID eventId) {
        return suite.db.queryForObject("SELECT count(*) FROM logger.event_log WHERE event_id = ?", Integer.class,
                eventId);
    }

    private static int count(long recipe, Instant until) {
        return suite.db.queryForObject("SELECT count(*) FROM logger.event_log WHERE recipe_id = ? AND occurred_at < ?",
                Integer.class, recipe, java.sql.Timestamp.from(until));
    }

    private static List<JsonNode> items(String query) {
        List<JsonNode> out = new ArrayList<>();
        Http.getJson(api + "/events?limit=500&" + query).get("items").forEach(out::add);
        return out;
    }
}
