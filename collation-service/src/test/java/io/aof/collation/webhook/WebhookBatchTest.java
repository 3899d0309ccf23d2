package io.aof.collation.webhook;

import io.aof.collation.FakeWorkato;
import io.aof.collation.PlainCollation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.aof.collation.PlainCollation.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch of failures on the webhook (a JSON array): stored in one transaction
 * on the module's PostgreSQL, one result per item in its place, an invalid item
 * stopping none of the others, the source's budget spent one per failure, the
 * item and size limits refusing the whole batch with nothing stored, and an
 * idempotency key covering the batch. Then verified like single failures.
 */
class WebhookBatchTest {

    static final long R = 7;

    FakeWorkato workato;
    PlainCollation c;

    @BeforeEach
    void given() throws Exception {
        workato = new FakeWorkato();
        c = new PlainCollation(workato);
        workato.recipe(R);
    }

    @AfterEach
    void stop() {
        workato.close();
    }

    static String item(String jobId) {
        return "{\"recipe_id\":" + R + ",\"job_id\":\"" + jobId + "\",\"error\":\"500 boom\",\"http_status\":500}";
    }

    static String batch(String... items) {
        return "[" + String.join(",", items) + "]";
    }

    static MockHttpServletRequest request(String body, String... headers) {
        MockHttpServletRequest r = new MockHttpServletRequest("POST", "/api/webhooks/job-failures");
        r.setContentType("application/json");
        r.addHeader("Authorization", "Bearer webhook-token");
        for (int i = 0; i < headers.length; i += 2) {
            r.addHeader(headers[i], headers[i + 1]);
        }
        r.setContent(body.getBytes(StandardCharsets.UTF_8));
        return r;
    }

    /** The answer's body as its JSON reads (field names, absent fields), as a map. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> json(ResponseEntity<?> answer) {
        return JsonMapper.builder().build().convertValue(answer.getBody(), Map.class);
    }

    @SuppressWarnings("unchecked")
    static List<String> statuses(ResponseEntity<?> answer) {
        List<Map<String, Object>> results = (List<Map<String, Object>>) json(answer).get("results");
        return results.stream().map(r -> r.get("index") + " " + r.get("status")
                + (r.get("job_id") == null ? "" : " " + r.get("job_id"))).toList();
    }

    static String detail(ResponseEntity<?> answer) {
        return ((ProblemDetail) answer.getBody()).getDetail();
    }

    @Test
    void aBatchIsStoredInOneGoWithAResultPerItemAndItsInvalidItemsStopNoneOfTheOthers() throws Exception {
        c.jdbc.update("INSERT INTO collected_job (job_id, recipe_id, incident_id, source, disposition) "
                + "VALUES ('polled', 7, 'i', 'POLL', 'PUBLISHED')");
        WebhookController webhook = c.webhook(Map.of());

        ResponseEntity<?> answer = webhook.receive(request(batch(item("j-1"), "{\"recipe_id\":7,\"error\":\"x\"}",
                item("j-2"), item("j-1"), "42", item("polled"), item("bad\\u0000id"))));

        assertThat(answer.getStatusCode().value()).isEqualTo(207);
        assertThat(statuses(answer)).containsExactly("0 accepted j-1", "1 invalid", "2 accepted j-2",
                "3 duplicate j-1", "4 invalid", "5 duplicate polled", "6 invalid");
        Map<String, Object> body = json(answer);
        assertThat(body).containsEntry("accepted", 2).containsEntry("duplicate", 2).containsEntry("invalid", 3)
                .containsEntry("source", "default");
        assertThat(body.get("results").toString()).contains("job_id: must not be blank", "not a JSON object",
                "job_id: must match");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) body.get("results");
        assertThat(results.get(0)).containsKeys("incident_id", "job_id").containsEntry("verification", "pending");
        assertThat(results.get(1)).containsOnlyKeys("index", "status", "errors");
        assertThat(results.get(3)).doesNotContainKeys("verification", "errors");
        assertThat(c.pendingRows()).containsExactly("j-1 PENDING -", "j-2 PENDING -");
        assertThat(c.counter("aof.webhook.batch.items", "outcome", "invalid", "source", "default")).isEqualTo(3);

        // verified as single failures are: read from Workato, then published
        workato.failed(R, "j-1", START.minusSeconds(30));
        workato.failed(R, "j-2", START.minusSeconds(20));
        c.jdbc.update("UPDATE webhook_pending SET next_check_at = now()");
        assertThat(c.verifier(Map.of(), System::nanoTime).verifyDue()).isEqualTo(2);
        assertThat(c.publishedJobIds()).containsExactlyInAnyOrder("j-1", "j-2");
    }

    @Test
    void aBatchOfKnownFailuresOnlyIs200AndOfNewOnes202() throws Exception {
        WebhookController webhook = c.webhook(Map.of());

        ResponseEntity<?> fresh = webhook.receive(request(batch(item("j-1"), item("j-2"))));
        ResponseEntity<?> again = webhook.receive(request(batch(item("j-2"), item("j-1"))));

        assertThat(fresh.getStatusCode().value()).isEqualTo(202);
        assertThat(statuses(fresh)).containsExactly("0 accepted j-1", "1 accepted j-2");
        assertThat(again.getStatusCode().value()).isEqualTo(200);
        assertThat(statuses(again)).containsExactly("0 duplicate j-2", "1 duplicate j-1");
        assertThat(c.pendingRows()).containsExactly("j-1 PENDING -", "j-2 PENDING -");
    }

    @Test
    void aBatchSpendsItsSourcesBudgetOnePerFailureAllOrNothingAndARefusedBatchOne() throws Exception {
        WebhookController webhook = c.webhook(Map.of("aof.collation.webhook.per-source-per-minute", "5"));

        ResponseEntity<?> three = webhook.receive(request(batch(item("j-1"), item("j-2"), item("j-3"))));
        ResponseEntity<?> threeMore = webhook.receive(request(batch(item("j-4"), item("j-5"), item("j-6"))));
        ResponseEntity<?> six = webhook.receive(request(batch(IntStream.range(0, 6).mapToObj(i -> item("k-" + i))
                .toArray(String[]::new))));
        ResponseEntity<?> one = webhook.receive(request(item("j-7")));
        ResponseEntity<?> two = webhook.receive(request(batch(item("j-8"))));

        assertThat(three.getStatusCode().value()).isEqualTo(202);
        assertThat(threeMore.getStatusCode().value()).isEqualTo(429);   // two left: none of the three is taken
        assertThat(detail(threeMore)).contains("more than 5 failures in a minute (this batch holds 3)");
        assertThat(six.getStatusCode().value()).isEqualTo(400);   // could never pass; costs one, as a refused single
        assertThat(detail(six)).contains("more than source 'default' may send in a minute (5)");
        assertThat(one.getStatusCode().value()).isEqualTo(202);   // the last of the five
        assertThat(two.getStatusCode().value()).isEqualTo(429);
        assertThat(c.pendingRows()).containsExactly("j-1 PENDING -", "j-2 PENDING -", "j-3 PENDING -",
                "j-7 PENDING -");
    }

    @Test
    void aBatchOverTheItemOrSizeLimitIsRefusedWholeAndASingleFailureKeepsItsOwnLimit() throws Exception {
        WebhookController webhook = c.webhook(Map.of("aof.collation.webhook.max-batch-items", "3",
                "aof.collation.webhook.max-body-bytes", "1000", "aof.collation.webhook.max-batch-body-bytes",
                "4000"));
        String longError = "x".repeat(1500);

        ResponseEntity<?> four = webhook.receive(request(batch(item("j-1"), item("j-2"), item("j-3"),
                item("j-4"))));
        ResponseEntity<?> bigSingle = webhook.receive(request(item("j-5").replace("500 boom", longError)));
        ResponseEntity<?> bigItem = webhook.receive(request(batch(item("j-6").replace("500 boom", longError))));
        ResponseEntity<?> tooBig = webhook.receive(request(batch(item("j-7").replace("500 boom", longError),
                item("j-8").replace("500 boom", longError), item("j-9").replace("500 boom", longError))));
        ResponseEntity<?> empty = webhook.receive(request(" [ ] "));

        assertThat(four.getStatusCode().value()).isEqualTo(400);
        assertThat(detail(four)).isEqualTo("A batch may hold at most 3 failures; this one holds 4: send it in "
                + "smaller batches.");
        assertThat(bigSingle.getStatusCode().value()).isEqualTo(413);
        assertThat(detail(bigSingle)).contains("1000 bytes for one failure, 4000 for a batch");
        assertThat(bigItem.getStatusCode().value()).isEqualTo(202);   // a batch's item may be as large as fits
        assertThat(tooBig.getStatusCode().value()).isEqualTo(413);
        assertThat(empty.getStatusCode().value()).isEqualTo(400);
        assertThat(c.pendingRows()).containsExactly("j-6 PENDING -");
    }

    @Test
    void aBatchSentAgainChangesNothingAndItsFixedItemsAreTakenWhateverItsIdempotencyKey() throws Exception {
        WebhookController webhook = c.webhook(Map.of());
        String invalid = "{\"recipe_id\":7,\"error\":\"no job id\"}";

        ResponseEntity<?> first = webhook.receive(request(batch(item("j-1"), invalid), "X-Idempotency-Key", "b-1"));
        ResponseEntity<?> fixed = webhook.receive(request(batch(item("j-1"), item("j-2")), "X-Idempotency-Key",
                "b-1"));

        assertThat(first.getStatusCode().value()).isEqualTo(207);
        assertThat(statuses(first)).containsExactly("0 accepted j-1", "1 invalid");
        assertThat(fixed.getStatusCode().value()).isEqualTo(202);
        assertThat(statuses(fixed)).containsExactly("0 duplicate j-1", "1 accepted j-2");
        assertThat(c.pendingRows()).containsExactly("j-1 PENDING -", "j-2 PENDING -");
    }

    @Test
    void anUnauthenticatedBatchIs401AndStoresNothing() throws Exception {
        MockHttpServletRequest r = request(batch(item("j-1")));
        r.removeHeader("Authorization");
        r.addHeader("Authorization", "Bearer wrong");

        ResponseEntity<?> answer = c.webhook(Map.of()).receive(r);

        assertThat(answer.getStatusCode().value()).isEqualTo(401);
        assertThat(c.pendingRows()).isEmpty();
        assertThat(c.jdbc.queryForObject("SELECT count(*) FROM webhook_idempotency", Integer.class)).isZero();
    }
}
