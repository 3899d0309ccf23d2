package io.aof.orchestrator;

import io.aof.common.events.AofEvent;
import io.aof.common.events.JobFailed;
import io.aof.common.events.RecoveryEvent;
import io.aof.orchestrator.incident.IncidentService;
import io.aof.testsupport.AofTestInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The orchestrator's whole Spring context on the test PostgreSQL and Kafka, in a schema of its own: it starts
 * (its migrations applied, and its mappings checked against them), every write of one transaction goes through
 * one transaction manager on one connection, and the suppression answers keep their JSON. The start time is
 * logged: it is the figure to watch when the context grows.
 */
class OrchestratorContextTest {

    private static final Logger log = LoggerFactory.getLogger(OrchestratorContextTest.class);
    static final String PASSWORD = "context-ops-password";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static ConfigurableApplicationContext ctx;
    static String url;
    static JdbcTemplate jdbc;
    static TransactionTemplate tx;

    @BeforeAll
    static void start() {
        String schema = "orch_ctx_" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> p = new LinkedHashMap<>(AofTestInfrastructure.get().isolatedServiceProperties(schema,
                "aof-" + schema));
        p.put("aof.workspace", "context");
        p.put("aof.ops.password", PASSWORD);
        // what the test writes stays in the outbox, where it looks: the relay runs once at the start, then not
        p.put("aof.outbox.poll-interval", "1h");
        List<String> args = new ArrayList<>();
        p.forEach((k, v) -> args.add("--" + k + "=" + v));
        long t0 = System.nanoTime();
        ctx = OrchestratorApplication.builder().run(args.toArray(String[]::new));
        log.info("Orchestrator context started in {} ms", (System.nanoTime() - t0) / 1_000_000);
        url = "http://localhost:" + ctx.getEnvironment().getProperty("local.server.port");
        jdbc = ctx.getBean(JdbcTemplate.class);
        tx = ctx.getBean(TransactionTemplate.class);
    }

    @AfterAll
    static void stop() {
        if (ctx != null) {
            ctx.close();
        }
    }

    @Test
    void oneTransactionManagerCommitsOrRollsBackTheStateAndItsEventsTogether() {
        assertThat(ctx.getBeansOfType(PlatformTransactionManager.class)).hasSize(1);
        IncidentService service = ctx.getBean(IncidentService.class);
        long recipe = 9101;

        tx.executeWithoutResult(s -> {
            service.suppressRecipe(recipe, Instant.now().plus(1, ChronoUnit.HOURS), "to be rolled back", "carol");
            // the same connection sees what this transaction wrote, whichever way it was written
            assertThat(count("recipe_suppression WHERE recipe_id = " + recipe)).isOne();
            assertThat(count("operator_action WHERE requested_by = 'carol'")).isOne();
            assertThat(count("outbox WHERE event_type = 'OperatorActed' AND message_key = '" + recipe + "'"))
                    .isOne();
            s.setRollbackOnly();
        });
        assertThat(count("recipe_suppression WHERE recipe_id = " + recipe)).isZero();
        assertThat(count("operator_action WHERE requested_by = 'carol'")).isZero();
        assertThat(count("outbox WHERE message_key = '" + recipe + "'")).isZero();

        tx.executeWithoutResult(s -> service.suppressRecipe(recipe, Instant.now().plus(1, ChronoUnit.HOURS),
                "kept", "carol"));
        assertThat(count("recipe_suppression WHERE recipe_id = " + recipe)).isOne();
        assertThat(count("operator_action WHERE requested_by = 'carol'")).isOne();
        assertThat(count("outbox WHERE event_type = 'OperatorActed' AND message_key = '" + recipe + "'")).isOne();
        Boolean ended = tx.execute(s -> service.unsuppressRecipe(recipe, "carol", "done"));
        assertThat(ended).isTrue();
    }

    @Test
    void suppressionsAreAnsweredAsBefore() throws Exception {
        long recipe = 9202;
        Instant until = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).plusNanos(123_456_000);
        String day = until.toString().substring(0, 19);   // yyyy-MM-ddTHH:mm:ss
        HttpResponse<String> created = call(HttpRequest.newBuilder(URI.create(url + "/api/suppressions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"recipeId\":" + recipe + ",\"until\":\"" + until
                        + "\",\"reason\":\"ERP upgrade\"}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).isEqualTo("{\"recipeId\":" + recipe + ",\"until\":\"" + day + ".123456Z\","
                + "\"reason\":\"ERP upgrade\",\"requestedBy\":\"ops\"}");

        HttpResponse<String> listed = call(HttpRequest.newBuilder(URI.create(url + "/api/suppressions")).GET());
        assertThat(listed.statusCode()).isEqualTo(200);
        // snake_case columns; times as a java.util.Date is written (always milliseconds), not as an Instant is
        assertThat(listed.body()).matches("\\[\\{\"recipe_id\":" + recipe + ",\"until\":\"" + day
                + "\\.123Z\",\"reason\":\"ERP upgrade\",\"requested_by\":\"ops\",\"created_at\":"
                + "\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\"}]");

        HttpResponse<String> ended = call(HttpRequest.newBuilder(URI.create(url + "/api/suppressions/" + recipe
                + "?reason=done")).DELETE());
        assertThat(ended.statusCode()).isEqualTo(204);
        assertThat(call(HttpRequest.newBuilder(URI.create(url + "/api/suppressions")).GET()).body()).isEqualTo("[]");
    }

    @Test
    void outagesAreDeclaredEndedAndAnsweredAsBefore() throws Exception {
        HttpResponse<String> declared = call(HttpRequest.newBuilder(URI.create(url + "/api/outages"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"upstream\":\"context-erp\",\"minutes\":30,"
                        + "\"reason\":\"ERP maintenance\"}")));
        assertThat(declared.statusCode()).as(declared.body()).isEqualTo(201);
        JsonNode view = JsonMapper.builder().build().readTree(declared.body());
        // the outage's fields by name, in the order the record it was had them
        List<String> fields = new ArrayList<>();
        view.get("outage").propertyNames().forEach(fields::add);
        assertThat(fields).containsExactly("id", "workspace", "upstream", "category", "openedAt", "declaredBy",
                "reason", "until", "failures", "recipes", "probes", "nextProbeAt", "probeIncidentId", "probeAttempt",
                "escalatedAt", "endedAt", "endedHow", "endedBy", "afterEnd", "released", "alerted", "alertedAt");
        String id = view.get("outage").get("id").asString();
        assertThat(view.get("outage").get("declaredBy").asString()).isEqualTo("ops");
        assertThat(view.get("outage").get("afterEnd").asString()).isEqualTo("RELEASE");
        assertThat(view.get("jobs").asInt()).isZero();

        HttpResponse<String> ended = call(HttpRequest.newBuilder(URI.create(url + "/api/outages/" + id + "/end"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"back early\"}")));
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(200);
        JsonNode endedOutage = JsonMapper.builder().build().readTree(ended.body()).get("outage");
        assertThat(endedOutage.get("endedBy").asString()).isEqualTo("ops");
        assertThat(endedOutage.get("endedHow").asString()).isEqualTo("ended by ops: back early");
        assertThat(endedOutage.get("endedAt").isNull()).isFalse();
        HttpResponse<String> again = call(HttpRequest.newBuilder(URI.create(url + "/api/outages/" + id + "/end"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"again\"}")));
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(count("outbox WHERE event_type = 'OutageEnded' AND message_key = '" + id + "'")).isOne();
    }

    @Test
    void anIncidentWithItsAttemptsIsShownListedAndResolvedAsBefore() throws Exception {
        IncidentService service = ctx.getBean(IncidentService.class);
        Instant t = Instant.parse("2026-11-27T10:00:00Z");
        JobFailed failure = JobFailed.of("context", 9303L, "Orders", null, "ctx-job-1", null, "504 Gateway Timeout",
                null, 504, t, t, JobFailed.CollectionSource.POLL);
        String id = failure.incidentId();
        Instant accepted = Instant.parse("2026-11-27T10:05:00.123456Z");
        tx.executeWithoutResult(s -> service.onJobFailed(failure));
        tx.executeWithoutResult(s -> service.startAttempt(id, 1));
        tx.executeWithoutResult(s -> service.onJobRepeated(new RecoveryEvent.JobRepeated(UUID.randomUUID(),
                accepted, AofEvent.SCHEMA_VERSION, "context", 9303L, "ctx-job-1", id, 1)));
        tx.executeWithoutResult(s -> service.onRecoveryOutcome(new RecoveryEvent.RecoveryOutcome(UUID.randomUUID(),
                Instant.now(), AofEvent.SCHEMA_VERSION, "context", 9303L, "ctx-job-1", id, 1,
                RecoveryEvent.RecoveryOutcome.Status.FAILED, "rj-1", "still failing", Duration.ofSeconds(2))));

        HttpResponse<String> shown = call(HttpRequest.newBuilder(URI.create(url + "/api/incidents/" + id)).GET());
        assertThat(shown.statusCode()).as(shown.body()).isEqualTo(200);
        JsonNode detail = JSON.readTree(shown.body());
        JsonNode incident = detail.get("incident");
        // the incident's fields by name, in the order the record it was had them; no attempts among them
        assertThat(names(incident)).containsExactly(INCIDENT_FIELDS);
        assertThat(incident.get("state").asString()).isEqualTo("RETRY_SCHEDULED");
        assertThat(incident.get("attempt").asInt()).isOne();
        assertThat(incident.get("lastError").asString()).isEqualTo("still failing");
        assertThat(incident.get("category").asString()).isEqualTo("TIMEOUT");
        assertThat(incident.get("closedAt").isNull()).isTrue();
        assertThat(incident.get("nextRetryAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        // the attempts as their table's columns, times as a java.util.Date is written (milliseconds)
        assertThat(detail.get("attempts")).hasSize(1);
        JsonNode attempt = detail.get("attempts").get(0);
        assertThat(names(attempt)).containsExactly("attempt", "requested_at", "accepted_at", "outcome",
                "repeat_job_id", "error", "finished_at");
        assertThat(attempt.get("attempt").asInt()).isOne();
        assertThat(attempt.get("accepted_at").asString()).isEqualTo("2026-11-27T10:05:00.123Z");
        assertThat(attempt.get("outcome").asString()).isEqualTo("FAILED");
        assertThat(attempt.get("repeat_job_id").asString()).isEqualTo("rj-1");
        assertThat(attempt.get("error").asString()).isEqualTo("still failing");
        assertThat(attempt.get("requested_at").asString()).matches(MILLIS);
        assertThat(attempt.get("finished_at").asString()).matches(MILLIS);

        HttpResponse<String> resolved = call(HttpRequest.newBuilder(URI.create(url + "/api/incidents/" + id
                + "/resolve")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"fixed by hand\"}")));
        assertThat(resolved.statusCode()).as(resolved.body()).isEqualTo(200);
        JsonNode after = JSON.readTree(resolved.body());
        assertThat(names(after)).containsExactly(INCIDENT_FIELDS);
        assertThat(after.get("state").asString()).isEqualTo("MANUALLY_RESOLVED");
        assertThat(after.get("closedAt").isNull()).isFalse();
        assertThat(after.get("updatedAt").asString()).isEqualTo(after.get("closedAt").asString());
        assertThat(after.get("nextRetryAt").isNull()).isTrue();
        assertThat(after.get("lastError").asString()).isEqualTo("still failing");
        // what the incident was before it was resolved, in the event
        assertThat(jdbc.queryForObject("SELECT payload FROM outbox WHERE event_type = 'ResolvedManually' "
                + "AND message_key = ?", String.class, id)).contains("\"previousState\":\"RETRY_SCHEDULED\"");
        assertThat(count("scheduled_retry WHERE incident_id = '" + id + "'")).isZero();

        HttpResponse<String> listed = call(HttpRequest.newBuilder(URI.create(url + "/api/incidents?recipeId=9303"))
                .GET());
        assertThat(listed.statusCode()).isEqualTo(200);
        JsonNode items = JSON.readTree(listed.body()).get("items");
        assertThat(items).hasSize(1);
        assertThat(names(items.get(0))).containsExactly(INCIDENT_FIELDS);
        assertThat(items.get(0).get("state").asString()).isEqualTo("MANUALLY_RESOLVED");
        assertThat(items.get(0).get("updatedAt").asString()).isEqualTo(after.get("updatedAt").asString());
    }

    static final String[] INCIDENT_FIELDS = {"id", "workspace", "recipeId", "recipeName", "folderId",
            "originalJobId", "category", "state", "attempt", "maxAttempts", "nextRetryAt", "lastError", "openedAt",
            "updatedAt", "closedAt", "kind", "replays", "notRepeatable", "webhookSource", "upstream", "outageId",
            "announced"};
    static final String MILLIS = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
    static final JsonMapper JSON = JsonMapper.builder().build();

    static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.propertyNames().forEach(names::add);
        return names;
    }

    static HttpResponse<String> call(HttpRequest.Builder request) throws Exception {
        String auth = Base64.getEncoder().encodeToString(("ops:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(request.header("Authorization", "Basic " + auth).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static int count(String fromWhere) {
        return jdbc.queryForObject("SELECT count(*) FROM " + fromWhere, Integer.class);
    }
}
