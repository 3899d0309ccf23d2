package io.aof.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The webhook intake, as a recipe's HTTP action (or curl) uses it. */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class WebhookIntakeTest extends SuiteTest {

    private static String webhook;

    @BeforeAll
    static void start() {
        webhook = suite.url("collation") + "/api/webhooks/job-failures";
    }

    @Test
    void wrongOrMissingTokenIsRefusedWith401AndStoresNothing() {
        String jobId = "j-webhook-" + UUID.randomUUID().toString().substring(0, 8);
        String body = body(424242, jobId, "500 Internal Server Error");

        Http.Response wrong = Http.post(webhook, body, "Authorization", "Bearer not-the-token");
        Http.Response missing = Http.post(webhook, body);

        for (Http.Response r : new Http.Response[]{wrong, missing}) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.contentType()).contains("application/problem+json");
            assertThat(r.json().get("title").asString()).isEqualTo("Unauthorized");
            for (String secret : AofSuite.SECRETS) {
                assertThat(r.body()).doesNotContain(secret);
            }
        }
        assertNothingStored(jobId);
    }

    @Test
    void malformedOrInvalidBodyIsRefusedWith400AndStoresNothing() {
        String jobId = "j-webhook-" + UUID.randomUUID().toString().substring(0, 8);

        Http.Response broken = Http.post(webhook, "{\"recipe_id\": 1, \"job_id\": \"" + jobId + "\",",
                "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        Http.Response noError = Http.post(webhook, "{\"recipe_id\": 1, \"job_id\": \"" + jobId + "\"}",
                "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        Http.Response badJobId = Http.post(webhook, body(1, "j-<script>", "boom"),
                "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);

        for (Http.Response r : new Http.Response[]{broken, noError, badJobId}) {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.contentType()).contains("application/problem+json");
        }
        assertNothingStored(jobId);
        assertNothingStored("j-<script>");
    }

    @Test
    void validFailureIsAcceptedOnceAndClassified() {
        long recipe = sim.addRecipe(AofSuite.WEBHOOK_ONLY + "validation", "{\"kind\":\"ALWAYS_FAIL\","
                + "\"error\":\"422 Unprocessable Entity\",\"httpCode\":422}");
        String jobId = sim.run(recipe);
        String body = body(recipe, jobId, "422 Unprocessable Entity: {\"errors\":[\"email is invalid\"]}");

        Http.Response first = Http.post(webhook, body, "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        Http.Response again = Http.post(webhook, body, "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);

        assertThat(first.status()).isEqualTo(202);
        assertThat(first.json().get("status").asString()).isEqualTo("accepted");
        assertThat(first.json().get("source").asString()).isEqualTo("default");   // the legacy token
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("status").asString()).isEqualTo("duplicate");
        String incident = first.json().get("incident_id").asString();
        assertThat(incident).isEqualTo(AofSuite.WORKSPACE + ":" + recipe + ":" + jobId);

        JsonNode view = awaitIncidentState(incident, "NON_RETRYABLE");
        assertThat(view.get("incident").get("category").asString()).isEqualTo("DATA_VALIDATION");
        assertThat(view.get("incident").get("webhookSource").asString()).isEqualTo("default");
        assertThat(suite.db.queryForObject("SELECT count(*) FROM \"collation\".collected_job WHERE job_id = ?",
                Integer.class, jobId)).isEqualTo(1);
    }

    @Test
    void aNulInTheErrorIsRemovedAndTheIncidentOpens() {
        long recipe = sim.addRecipe(AofSuite.WEBHOOK_ONLY + "NUL", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"503 Service Unavailable\"}");
        String job = sim.run(recipe);
        Http.Response r = Http.post(webhook, body(recipe, job, "503 Service Unavailable\u0000 x"), "Authorization",
                "Bearer " + AofSuite.WEBHOOK_TOKEN);

        assertThat(r.status()).isEqualTo(202);
        String incident = r.json().get("incident_id").asString();
        awaitIncidentState(incident, "RECOVERED");
        assertThat(suite.db.queryForObject("SELECT count(*) FROM orchestrator.incident WHERE id = ?",
                Integer.class, incident)).isEqualTo(1);
        // the recipe is webhook-only (no poll collects it): the error stored is the webhook's, the NUL removed and
        // the text around it kept
        assertThat(suite.db.queryForObject("SELECT last_error FROM orchestrator.incident WHERE id = ?",
                String.class, incident)).isEqualTo("503 Service Unavailable x").doesNotContain("\u0000");
    }

    @Test
    void aWebhookNamingASucceededJobNeverBecomesAnIncidentOrARepeatAndOneNamingAFailedJobDoes() {
        long payments = sim.addRecipe(AofSuite.WEBHOOK_ONLY + "payments", "{\"kind\":\"HEALTHY\"}");
        long orders = sim.addRecipe(AofSuite.WEBHOOK_ONLY + "orders", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"503 Service Unavailable\"}");
        String payment = sim.run(payments);
        String order = sim.run(orders);

        Http.Response forged = Http.post(webhook, body(payments, payment, "503 Service Unavailable"),
                "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        Http.Response real = Http.post(webhook, body(orders, order, "503 Service Unavailable"),
                "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        assertThat(forged.status()).isEqualTo(202);   // accepted for verification: Workato decides
        assertThat(real.status()).isEqualTo(202);

        awaitIncidentState(real.json().get("incident_id").asString(), "RECOVERED");
        await().atMost(Duration.ofSeconds(20)).until(() -> "REFUSED".equals(suite.db.queryForObject(
                "SELECT state FROM \"collation\".webhook_pending WHERE job_id = ?", String.class, payment)));
        assertThat(suite.db.queryForObject("SELECT reason FROM \"collation\".webhook_pending WHERE job_id = ?",
                String.class, payment)).isEqualTo("succeeded");
        assertThat(Http.get(suite.url("orchestrator") + "/api/incidents/"
                + forged.json().get("incident_id").asString()).status()).isEqualTo(404);
        assertThat(sim.repeatsOf(payment)).isZero();
        assertThat(sim.repeatsOf(order)).isEqualTo(1);
    }

    @Test
    void failureSeenByPollAndWebhookIsOneIncidentRepeatedOnce() {
        long recipe = sim.addRecipe("Webhook and poll (fails once)",
                "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,\"error\":\"503 Service Unavailable\"}");
        String job = sim.trigger(recipe);
        String body = body(recipe, job, "503 Service Unavailable");

        Http.Response first = Http.post(webhook, body, "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        assertThat(first.status()).isIn(200, 202);
        String incident = first.json().get("incident_id").asString();

        awaitIncidentState(incident, "RECOVERED");
        Http.Response late = Http.post(webhook, body, "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        assertThat(late.status()).isEqualTo(200);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> sim.repeatsOf(job) == 1);
        assertThat(suite.db.queryForObject("SELECT count(*) FROM orchestrator.incident WHERE original_job_id = ?",
                Integer.class, job)).isEqualTo(1);
    }

    @Test
    void eachSourceAuthenticatesWithEitherCredentialOfItsRotationAndItsNameReachesTheIncidentAndTheTimeline()
            throws Exception {
        long recipe = sim.addRecipe(AofSuite.WEBHOOK_ONLY + "two teams", "{\"kind\":\"ALWAYS_FAIL\","
                + "\"error\":\"422 Unprocessable Entity\",\"httpCode\":422}");
        String oldTokenJob = sim.run(recipe);
        String newTokenJob = sim.run(recipe);
        String oldSecretJob = sim.run(recipe);
        String newSecretJob = sim.run(recipe);

        Http.Response a1 = Http.post(webhook, body(recipe, oldTokenJob, "422 Unprocessable Entity"),
                "Authorization", "Bearer " + AofSuite.TEAM_A_OLD_TOKEN);
        Http.Response a2 = Http.post(webhook, body(recipe, newTokenJob, "422 Unprocessable Entity"),
                "Authorization", "Bearer " + AofSuite.TEAM_A_NEW_TOKEN);
        Http.Response b1 = signed(body(recipe, oldSecretJob, "422 Unprocessable Entity"), AofSuite.TEAM_B_OLD_SECRET);
        Http.Response b2 = signed(body(recipe, newSecretJob, "422 Unprocessable Entity"), AofSuite.TEAM_B_NEW_SECRET);
        for (Http.Response r : new Http.Response[]{a1, a2, b1, b2}) {
            assertThat(r.status()).as(r.body()).isEqualTo(202);
        }
        assertThat(a1.json().get("source").asString()).isEqualTo("team-a");
        assertThat(a2.json().get("source").asString()).isEqualTo("team-a");
        assertThat(b1.json().get("source").asString()).isEqualTo("team-b");
        assertThat(b2.json().get("source").asString()).isEqualTo("team-b");

        String incident = a2.json().get("incident_id").asString();
        JsonNode view = awaitIncidentState(incident, "NON_RETRYABLE");
        assertThat(view.get("incident").get("webhookSource").asString()).isEqualTo("team-a");
        assertThat(awaitIncidentState(b2.json().get("incident_id").asString(), "NON_RETRYABLE").get("incident")
                .get("webhookSource").asString()).isEqualTo("team-b");
        // the logger's timeline: the JobFailed the source sent, and the IncidentOpened that followed
        await().atMost(Duration.ofSeconds(20)).until(() -> types(incident).contains("IncidentOpened"));
        for (JsonNode e : timeline(incident)) {
            String type = e.get("type").asString();
            if (type.equals("JobFailed") || type.equals("IncidentOpened")) {
                assertThat(e.get("payload").get("webhookSource").asString()).as(type).isEqualTo("team-a");
            }
        }
        assertThat(types(incident)).contains("JobFailed", "IncidentOpened");
    }

    @Test
    void aSignedRequestIsAcceptedAndABadOrReplayedSignatureIsNot() throws Exception {
        String jobId = "j-signed-" + UUID.randomUUID().toString().substring(0, 8);
        String body = body(616161, jobId, "404 Not Found");
        String now = String.valueOf(java.time.Instant.now().getEpochSecond());
        String old = String.valueOf(java.time.Instant.now().minusSeconds(600).getEpochSecond());

        Http.Response forged = Http.post(webhook, body, "X-AOF-Timestamp", now, "X-AOF-Signature",
                "sha256=" + hmac("wrong-secret", now, body));
        Http.Response replayed = Http.post(webhook, body, "X-AOF-Timestamp", old, "X-AOF-Signature",
                "sha256=" + hmac(AofSuite.WEBHOOK_HMAC_SECRET, old, body));
        assertThat(forged.status()).isEqualTo(401);
        assertThat(replayed.status()).isEqualTo(401);
        assertThat(replayed.json().get("detail").asString()).contains("replay");
        assertNothingStored(jobId);

        Http.Response signed = Http.post(webhook, body, "X-AOF-Timestamp", now, "X-AOF-Signature",
                "sha256=" + hmac(AofSuite.WEBHOOK_HMAC_SECRET, now, body));
        assertThat(signed.status()).isEqualTo(202);
    }

    @Test
    void anIdempotencyKeySeenBeforeIsADuplicateWhateverTheBody() {
        String first = "j-key-" + UUID.randomUUID().toString().substring(0, 8);
        String second = "j-key-" + UUID.randomUUID().toString().substring(0, 8);
        String key = UUID.randomUUID().toString();

        Http.Response a = Http.post(webhook, body(717171, first, "500 boom"), "Authorization",
                "Bearer " + AofSuite.WEBHOOK_TOKEN, "X-Workato-Dedup", key);
        Http.Response b = Http.post(webhook, body(717171, second, "500 boom"), "Authorization",
                "Bearer " + AofSuite.WEBHOOK_TOKEN, "X-Workato-Dedup", key);

        assertThat(a.status()).isEqualTo(202);
        assertThat(b.status()).isEqualTo(200);
        assertThat(b.json().get("status").asString()).isEqualTo("duplicate");
        assertNothingStored(second);
    }

    @Test
    void aBodyOver64KiBOrNotJsonIsRefused() {
        String jobId = "j-big-" + UUID.randomUUID().toString().substring(0, 8);
        String huge = body(818181, jobId, "x".repeat(70_000));
        Http.Response tooLarge = Http.post(webhook, huge, "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);
        Http.Response text = Http.post(webhook, body(818181, jobId, "boom"), "Content-Type", "text/plain",
                "Authorization", "Bearer " + AofSuite.WEBHOOK_TOKEN);

        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.contentType()).contains("application/problem+json");
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.contentType()).contains("application/problem+json");
        assertNothingStored(jobId);
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE - 1)   // late: it uses up the source burst's budget
    void aSourceOverItsBudgetGets429WhileAnotherSourceIsStillAccepted() {
        // the budget refreshes once a minute; a refresh may fall inside the loop, so send until refused
        Http.Response last = null;
        for (int i = 0; i < 4 * AofSuite.BURST_PER_MINUTE; i++) {
            String job = "j-burst-" + UUID.randomUUID().toString().substring(0, 8);
            last = Http.post(webhook, body(919191, job, "500 boom"), "Authorization", "Bearer " + AofSuite.BURST_TOKEN);
            if (last.status() == 429) {
                break;
            }
            assertThat(last.status()).isEqualTo(202);
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.contentType()).contains("application/problem+json");
        assertThat(last.json().get("detail").asString()).contains("'burst'");

        String job = "j-other-" + UUID.randomUUID().toString().substring(0, 8);
        Http.Response other = Http.post(webhook, body(919191, job, "500 boom"), "Authorization",
                "Bearer " + AofSuite.TEAM_A_NEW_TOKEN);
        assertThat(other.status()).isEqualTo(202);
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)   // last: it uses up this address's refused requests for a minute
    void wrongCredentialsSpendNoSourcesBudgetAndAnAddressSendingTooManyGets429() throws Exception {
        Http.Response last = null;
        int refused = 0;
        for (int i = 0; i < 4 * AofSuite.WEBHOOK_REFUSED_PER_ADDRESS_PER_MINUTE; i++) {
            last = i % 2 == 0 ? Http.post(webhook, "{}", "Authorization", "Bearer not-the-token")
                    : signed("{}", "not-the-secret");
            if (last.status() == 429) {
                break;
            }
            assertThat(last.status()).isEqualTo(401);
            refused++;
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.contentType()).contains("application/problem+json");
        // more refused requests than the source default's whole budget, and it still accepts: they spent none of
        // it (the earlier refusals of this class may share the address's minute, hence not exactly the budget)
        assertThat(refused).isGreaterThan(AofSuite.WEBHOOK_PER_SOURCE_PER_MINUTE);
        String job = "j-after-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(Http.post(webhook, body(929292, job, "500 boom"), "Authorization",
                "Bearer " + AofSuite.WEBHOOK_TOKEN).status()).isEqualTo(202);
        for (String secret : AofSuite.SECRETS) {
            assertThat(last.body()).doesNotContain(secret);
        }
    }

    private static Http.Response signed(String body, String secret) throws Exception {
        String now = String.valueOf(java.time.Instant.now().getEpochSecond());
        return Http.post(webhook, body, "X-AOF-Timestamp", now, "X-AOF-Signature", "sha256=" + hmac(secret, now, body));
    }

    private static String hmac(String secret, String timestamp, String body) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "HmacSHA256"));
        return java.util.HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static String body(long recipeId, String jobId, String error) {
        return "{\"recipe_id\": " + recipeId + ", \"recipe_name\": \"Pushed by a recipe\", \"job_id\": \"" + jobId
                + "\", \"error\": " + Http.JSON.writeValueAsString(error) + "}";
    }

    private static void assertNothingStored(String jobId) {
        assertThat(suite.db.queryForObject("SELECT count(*) FROM \"collation\".collected_job WHERE job_id = ?",
                Integer.class, jobId)).isZero();
        assertThat(suite.db.queryForObject("SELECT count(*) FROM \"collation\".outbox WHERE payload LIKE ?",
                Integer.class, "%" + jobId + "%")).isZero();
        assertThat(suite.db.queryForObject("SELECT count(*) FROM logger.event_log WHERE job_id = ?",
                Integer.class, jobId)).isZero();
    }
}
