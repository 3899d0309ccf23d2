package io.aof.simulator;

import io.aof.testsupport.TestClock;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.aof.simulator.WorkspaceTest.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;

/**
 * Recipes run their action step on a connector, and a test can take one connector down: every execution of
 * every recipe using it fails with that connector's error while the outage lasts, whatever the recipe's script,
 * and the script takes over again when it ends. Driven through the simulator's own HTTP API and Workato's.
 */
class ConnectorOutageTest {

    static final Instant START = Instant.parse("2026-11-28T06:00:00Z");
    static final String NETSUITE_ERROR = "Request to https://acme.suitetalk.api.netsuite.com/services/"
            + "NetSuitePort_2023_2 timed out after 60 seconds (Net::ReadTimeout)";

    final JsonMapper json = JsonMapper.builder().build();
    final TestClock clock = new TestClock(START);
    final Workspace workspace = new Workspace(Duration.ofMillis(5), 1, 1001, false, clock);
    final MockMvc mvc;

    ConnectorOutageTest() {
        CallCounter counter = new CallCounter();
        Outage apiOutage = new Outage();
        Slowdown slowdown = new Slowdown();
        SimulatorProperties props = new SimulatorProperties("", 0, 0, Duration.ofMillis(5), 100, 1, 1001, "",
                new SimulatorProperties.Demo(false, Duration.ofSeconds(15), Duration.ofSeconds(20)), null, false,
                new SimulatorProperties.Oidc("aof", "aof-ops-page", Map.of(), Duration.ofMinutes(15)));
        mvc = MockMvcBuilders.standaloneSetup(
                new SimulatorAdminController(workspace, counter, new SlackSink(), apiOutage,
                        new DefaultListableBeanFactory().getBeanProvider(MailSink.class), slowdown),
                new WorkatoApiController(workspace, counter, props, apiOutage, slowdown)).build();
    }

    // --- helpers: the simulator's own API and Workato's

    MvcResult call(org.springframework.test.web.servlet.RequestBuilder request) throws Exception {
        return mvc.perform(request).andReturn();
    }

    JsonNode body(MvcResult r) throws Exception {
        return json.readTree(r.getResponse().getContentAsString());
    }

    MvcResult postRecipe(String body) throws Exception {
        return call(post("/sim/recipes").contentType(MediaType.APPLICATION_JSON).content(body));
    }

    long recipe(String name, String connector, String behaviour) throws Exception {
        String c = connector == null ? "" : ", \"connector\": \"" + connector + "\"";
        MvcResult r = postRecipe("{\"name\": \"" + name + "\", \"behaviour\": " + behaviour + c + "}");
        assertThat(r.getResponse().getStatus()).as(r.getResponse().getContentAsString()).isEqualTo(201);
        return body(r).get("id").asLong();
    }

    /** Runs one job of the recipe as its trigger would, and waits for its end. */
    String runJob(long recipe) throws Exception {
        String job = body(call(post("/sim/recipes/" + recipe + "/trigger"))).get("job_ids").get(0).asString();
        awaitFinished(workspace, job);
        return job;
    }

    /** Repeats one job through Workato's API and waits for the repeat's end; returns the repeat's id. */
    String repeat(long recipe, String job) throws Exception {
        List<String> before = jobIds(recipe);
        MvcResult r = call(post("/api/recipes/" + recipe + "/repeat_jobs").header("Authorization", "Bearer t")
                .contentType(MediaType.APPLICATION_JSON).content("{\"job_ids\": [\"" + job + "\"]}"));
        assertThat(body(r).get("results").get(0).get("status").asString()).isEqualTo("enqueued");
        List<String> after = new ArrayList<>(jobIds(recipe));
        after.removeAll(before);
        assertThat(after).hasSize(1);
        awaitFinished(workspace, after.get(0));
        return after.get(0);
    }

    List<String> jobIds(long recipe) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode item : apiGet("/api/recipes/" + recipe + "/jobs").get("items")) {
            ids.add(item.get("id").asString());
        }
        return ids;
    }

    JsonNode apiGet(String path) throws Exception {
        MvcResult r = call(get(path).header("Authorization", "Bearer t"));
        assertThat(r.getResponse().getStatus()).as(path).isEqualTo(200);
        return body(r);
    }

    /** A job as {@code GET /api/recipes/:id/jobs/:handle} answers it. */
    JsonNode detail(long recipe, String job) throws Exception {
        return apiGet("/api/recipes/" + recipe + "/jobs/" + job);
    }

    static JsonNode actionLine(JsonNode detail) {
        assertThat(detail.get("lines")).hasSize(2);
        return detail.get("lines").get(1);
    }

    // --- the tests

    @Test
    void aConnectorIsLowerCaseLettersDigitsAndUnderscoresAndDefaultsToRest() throws Exception {
        for (String bad : List.of("NetSuite", "net suite", "net-suite", "", "netsuite/../x", "a".repeat(65))) {
            MvcResult r = postRecipe("{\"name\": \"Orders\", \"connector\": \"" + bad + "\"}");
            assertThat(r.getResponse().getStatus()).as(bad).isEqualTo(400);
            assertThat(body(r).get("message").asString()).as(bad)
                    .startsWith("connector must be 1 to 64 lower-case letters, digits or underscores");
        }
        assertThat(workspace.recipeCount()).as("no recipe created by a refused request").isZero();
        assertThatThrownBy(() -> workspace.addRecipe("Orders", null, Behaviour.healthy(), "Salesforce"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"Salesforce\"");

        MvcResult ok = postRecipe("{\"name\": \"Sheets\", \"connector\": \"google_sheets2\"}");
        assertThat(ok.getResponse().getStatus()).isEqualTo(201);
        assertThat(body(ok).get("action_applications").get(0).asString()).isEqualTo("google_sheets2");
        MvcResult plain = postRecipe("{\"name\": \"Plain\"}");
        assertThat(body(plain).get("action_applications").get(0).asString()).isEqualTo("rest");
    }

    @Test
    void recipeObjectsNameTheirTriggerAndActionApplications() throws Exception {
        long netsuite = recipe("Orders to NetSuite", "netsuite", "{\"kind\": \"HEALTHY\"}");
        long plain = recipe("Plain HTTP", null, "{\"kind\": \"HEALTHY\"}");

        JsonNode one = apiGet("/api/recipes/" + netsuite);
        assertThat(one.get("trigger_application").asString()).isEqualTo("workato_webhooks");
        assertThat(one.get("action_applications")).hasSize(1);
        assertThat(one.get("action_applications").get(0).asString()).isEqualTo("netsuite");

        JsonNode items = apiGet("/api/recipes").get("items");
        assertThat(items).hasSize(2);
        for (JsonNode item : items) {
            long id = item.get("id").asLong();
            assertThat(item.get("trigger_application").asString()).isEqualTo("workato_webhooks");
            assertThat(item.get("action_applications").get(0).asString())
                    .isEqualTo(id == netsuite ? "netsuite" : "rest");
        }
        assertThat(items.get(1).get("id").asLong()).isEqualTo(netsuite);   // descending ids
        assertThat(items.get(0).get("id").asLong()).isEqualTo(plain);
    }

    @Test
    void aJobsActionLineCarriesItsRecipesConnector() throws Exception {
        long netsuite = recipe("Orders to NetSuite", "netsuite",
                "{\"kind\": \"ALWAYS_FAIL\", \"error\": \"INVALID_KEY_OR_REF\", \"httpCode\": 400}");
        long plain = recipe("Plain HTTP", null, "{\"kind\": \"HEALTHY\"}");

        JsonNode failed = detail(netsuite, runJob(netsuite));
        assertThat(failed.get("status").asString()).isEqualTo("failed");
        assertThat(failed.get("lines").get(0).get("adapter_name").asString()).isEqualTo("workato_webhooks");
        JsonNode action = actionLine(failed);
        assertThat(action.get("adapter_name").asString()).isEqualTo("netsuite");
        assertThat(action.get("adapter_operation").asString()).isEqualTo("upsert_record");
        assertThat(action.get("error_descriptor").get("message").asString()).isEqualTo("INVALID_KEY_OR_REF");

        JsonNode ok = actionLine(detail(plain, runJob(plain)));
        assertThat(ok.get("adapter_name").asString()).isEqualTo("rest");
        assertThat(ok.get("adapter_operation").asString()).isEqualTo("make_request");
        assertThat(ok.has("error_descriptor")).isFalse();
    }

    @Test
    void duringAnOutageEveryExecutionOfItsRecipesFailsWithTheConnectorsErrorAndOthersRunAsScripted()
            throws Exception {
        long healthy = recipe("Payments to NetSuite", "netsuite", "{\"kind\": \"HEALTHY\"}");
        long flaky = recipe("Orders to NetSuite", "netsuite",
                "{\"kind\": \"FAIL_TIMES\", \"failTimes\": 1, \"error\": \"400 Bad Request: INVALID_FLD_VALUE\","
                        + " \"errorTypeId\": \"err.data_format.invalid\", \"httpCode\": 400}");
        long hanging = recipe("Stuck NetSuite export", "netsuite", "{\"kind\": \"HANGS\"}");
        long salesforce = recipe("Leads to Salesforce", "salesforce", "{\"kind\": \"HEALTHY\"}");
        long plain = recipe("Plain HTTP", null, "{\"kind\": \"HEALTHY\"}");

        MvcResult started = call(put("/sim/connectors/netsuite/outage").param("seconds", "600"));
        assertThat(started.getResponse().getStatus()).isEqualTo(200);
        assertThat(body(started).get("until").asString()).isEqualTo(START.plusSeconds(600).toString());
        JsonNode outages = body(call(get("/sim/connectors/outages")));
        assertThat(outages).hasSize(1);
        assertThat(outages.get(0).get("connector").asString()).isEqualTo("netsuite");
        assertThat(outages.get(0).get("until").asString()).isEqualTo("2026-11-28T06:10:00Z");
        assertThat(outages.get(0).get("seconds_left").asLong()).isEqualTo(600);

        // originals of every netsuite recipe fail with NetSuite's timeout, whatever their script
        String healthyJob = runJob(healthy);
        String flakyJob = runJob(flaky);
        String hangingJob = runJob(hanging);
        for (long recipe : List.of(healthy, flaky, hanging)) {
            String job = recipe == healthy ? healthyJob : recipe == flaky ? flakyJob : hangingJob;
            JsonNode d = detail(recipe, job);
            assertThat(d.get("status").asString()).as("recipe %s", recipe).isEqualTo("failed");
            assertThat(d.get("error").asString()).isEqualTo(NETSUITE_ERROR);
            assertThat(d.get("error_parts").get("error_type").asString()).isEqualTo("err.http.response.timeout");
            JsonNode action = actionLine(d);
            assertThat(action.get("adapter_name").asString()).isEqualTo("netsuite");
            assertThat(action.get("error_descriptor").get("error_type_id").asString())
                    .isEqualTo("err.http.response.timeout");
            assertThat(action.get("error_descriptor").get("error_details").get("http_response").get("code").asInt())
                    .isEqualTo(504);
        }
        // repeats fail the same way while it lasts
        String healthyRepeat = repeat(healthy, healthyJob);
        String flakyRepeat = repeat(flaky, flakyJob);
        for (String[] r : List.of(new String[] {String.valueOf(healthy), healthyRepeat},
                new String[] {String.valueOf(flaky), flakyRepeat})) {
            JsonNode d = detail(Long.parseLong(r[0]), r[1]);
            assertThat(d.get("is_repeat").asBoolean()).isTrue();
            assertThat(d.get("status").asString()).isEqualTo("failed");
            assertThat(d.get("error").asString()).isEqualTo(NETSUITE_ERROR);
        }
        assertThat(detail(flaky, flakyRepeat).get("master_job_id").asString()).isEqualTo(flakyJob);
        // recipes on other connectors are untouched
        assertThat(detail(salesforce, runJob(salesforce)).get("status").asString()).isEqualTo("succeeded");
        assertThat(detail(plain, runJob(plain)).get("status").asString()).isEqualTo("succeeded");
        assertThat(apiGet("/api/recipes/" + healthy).get("job_failed_count").asLong()).isEqualTo(2);

        // over: the scripts take over again
        MvcResult ended = call(delete("/sim/connectors/netsuite/outage"));
        assertThat(body(ended).get("ended").asBoolean()).isTrue();
        assertThat(body(call(get("/sim/connectors/outages")))).isEmpty();
        assertThat(body(call(delete("/sim/connectors/netsuite/outage"))).get("ended").asBoolean())
                .as("nothing left to end").isFalse();

        assertThat(detail(healthy, repeat(healthy, healthyRepeat)).get("status").asString()).isEqualTo("succeeded");
        assertThat(detail(healthy, runJob(healthy)).get("status").asString()).isEqualTo("succeeded");
        // FAIL_TIMES 1: the two outage failures did not use up the script, so the chain's first execution after
        // the outage fails with the recipe's own error and the next one succeeds
        String scripted = repeat(flaky, flakyRepeat);
        JsonNode scriptedDetail = detail(flaky, scripted);
        assertThat(scriptedDetail.get("status").asString()).isEqualTo("failed");
        assertThat(scriptedDetail.get("error").asString()).isEqualTo("400 Bad Request: INVALID_FLD_VALUE");
        assertThat(actionLine(scriptedDetail).get("error_descriptor").get("error_type_id").asString())
                .isEqualTo("err.data_format.invalid");
        assertThat(detail(flaky, repeat(flaky, scripted)).get("status").asString()).isEqualTo("succeeded");
        // a HANGS recipe hangs again
        String hangsAgain = body(call(post("/sim/recipes/" + hanging + "/trigger"))).get("job_ids").get(0)
                .asString();
        Thread.sleep(50);
        assertThat(detail(hanging, hangsAgain).get("status").asString()).isEqualTo("pending");

        List<Map<String, Object>> proof = workspace.allJobs(0);
        assertThat(proof.stream().filter(j -> Boolean.TRUE.equals(j.get("outage_failure"))).map(j -> j.get("id")))
                .containsExactlyInAnyOrder(healthyJob, flakyJob, hangingJob, healthyRepeat, flakyRepeat);
    }

    @Test
    void anOutageEndsByItselfOnTheWorkspacesClock() throws Exception {
        long orders = recipe("Orders to Salesforce", "salesforce", "{\"kind\": \"HEALTHY\"}");
        call(put("/sim/connectors/salesforce/outage").param("seconds", "60"));

        String down = runJob(orders);
        JsonNode d = detail(orders, down);
        assertThat(d.get("error").asString()).startsWith("503 Service Unavailable from https://acme.my.salesforce"
                + ".com/").contains("SERVER_UNAVAILABLE");
        assertThat(actionLine(d).get("error_descriptor").get("error_type_id").asString())
                .isEqualTo("err.http.response.server_error");
        assertThat(actionLine(d).get("error_descriptor").get("error_details").get("http_response").get("code")
                .asInt()).isEqualTo(503);

        clock.advance(Duration.ofSeconds(59));
        assertThat(body(call(get("/sim/connectors/outages"))).get(0).get("seconds_left").asLong()).isEqualTo(1);
        assertThat(detail(orders, repeat(orders, down)).get("status").asString()).isEqualTo("failed");

        clock.advance(Duration.ofSeconds(1));
        assertThat(body(call(get("/sim/connectors/outages")))).isEmpty();
        assertThat(detail(orders, repeat(orders, down)).get("status").asString()).isEqualTo("succeeded");
    }

    @Test
    void eachConnectorFailsItsOwnWayAndUnknownOnesTimeOutAgainstTheirOwnHost() throws Exception {
        long sftp = recipe("Invoices to SFTP", "sftp", "{\"kind\": \"HEALTHY\"}");
        long sheets = recipe("Rows to Sheets", "google_sheets", "{\"kind\": \"HEALTHY\"}");
        long plain = recipe("Plain HTTP", null, "{\"kind\": \"HEALTHY\"}");
        for (String c : List.of("sftp", "google_sheets", "rest")) {
            assertThat(call(put("/sim/connectors/" + c + "/outage")).getResponse().getStatus()).isEqualTo(200);
        }
        JsonNode outages = body(call(get("/sim/connectors/outages")));
        assertThat(outages).hasSize(3);
        assertThat(outages.get(0).get("connector").asString()).isEqualTo("google_sheets");   // by name
        assertThat(outages.get(0).get("until").asString()).as("an hour by default")
                .isEqualTo(START.plusSeconds(3600).toString());

        JsonNode sftpJob = detail(sftp, runJob(sftp));
        assertThat(sftpJob.get("error").asString()).isEqualTo("Failed to open TCP connection to sftp.acme.example:22"
                + " (Connection refused - connect(2) for \"sftp.acme.example\" port 22)");
        JsonNode sftpDescriptor = actionLine(sftpJob).get("error_descriptor");
        assertThat(sftpDescriptor.get("error_type_id").isNull()).as("not an HTTP connector").isTrue();
        assertThat(sftpDescriptor.has("error_details")).isFalse();
        assertThat(actionLine(sftpJob).get("adapter_operation").asString()).isEqualTo("upload_file");

        JsonNode sheetsJob = detail(sheets, runJob(sheets));
        assertThat(sheetsJob.get("error").asString()).isEqualTo("Request to https://api.google-sheets.example.com"
                + "/v1/requests timed out after 60 seconds (Net::ReadTimeout)");
        assertThat(actionLine(sheetsJob).get("adapter_name").asString()).isEqualTo("google_sheets");
        assertThat(actionLine(sheetsJob).get("error_descriptor").get("error_details").get("http_response")
                .get("code").asInt()).isEqualTo(504);

        JsonNode restJob = detail(plain, runJob(plain));
        assertThat(restJob.get("error").asString()).startsWith("502 Bad Gateway from https://api.acme.example/");
        assertThat(actionLine(restJob).get("error_descriptor").get("error_type_id").asString())
                .isEqualTo("err.http.response.server_error");
    }

    @Test
    void anOutageRequestIsChecked() throws Exception {
        for (String seconds : List.of("0", "86401", "-5")) {
            MvcResult r = call(put("/sim/connectors/netsuite/outage").param("seconds", seconds));
            assertThat(r.getResponse().getStatus()).as(seconds).isEqualTo(400);
            assertThat(body(r).get("message").asString()).contains("seconds must be between 1 and 86400");
        }
        MvcResult badName = call(put("/sim/connectors/NetSuite/outage"));
        assertThat(badName.getResponse().getStatus()).isEqualTo(400);
        assertThat(body(badName).get("message").asString()).contains("lower-case letters, digits or underscores");
        assertThat(call(delete("/sim/connectors/Net-Suite/outage")).getResponse().getStatus()).isEqualTo(400);
        assertThat(call(put("/sim/connectors/netsuite/outage").param("seconds", "86400")).getResponse()
                .getStatus()).isEqualTo(200);
        assertThat(workspace.connectorOutages()).hasSize(1);
    }
}
