package io.aof.common.workato;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against canned answers in Workato's documented shape, over real HTTP. */
class WorkatoClientTest {

    private HttpServer server;
    private final Map<String, String[]> answers = new ConcurrentHashMap<>();
    private final Map<String, java.util.Deque<String[]>> firstAnswers = new ConcurrentHashMap<>();
    private final List<String> requests = new ArrayList<>();
    private final List<String> bodies = new ArrayList<>();
    private final List<String> auth = new ArrayList<>();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private WorkatoClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api", this::answer);
        server.start();
        client = new WorkatoClient(new WorkatoProperties("http://127.0.0.1:" + server.getAddress().getPort() + "/api",
                "secret-token", Duration.ofSeconds(2), Duration.ofSeconds(2), WorkatoProperties.Resilience.defaults()),
                meters);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void listsRecipesWithTheirFailedCounts() {
        answers.put("/api/recipes", new String[]{"200", """
                {"items": [{"id": 1913, "user_id": 1, "name": "Orders", "folder_id": 77, "running": true,
                  "job_succeeded_count": 120, "job_failed_count": 7, "lifetime_task_count": 900,
                  "last_run_at": "2026-11-25T10:01:09.000Z", "stopped_at": null, "stop_cause": null,
                  "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-02-01T00:00:00.000Z",
                  "version_no": 3, "webhook_url": null, "code": "{}", "config": []}]}"""});

        List<WorkatoRecipe> recipes = client.listRecipes(2, 100);

        assertThat(requests).containsExactly("GET /api/recipes?page=2&per_page=100");
        assertThat(auth).containsExactly("Bearer secret-token");
        assertThat(recipes).hasSize(1);
        WorkatoRecipe r = recipes.get(0);
        assertThat(r.id()).isEqualTo(1913);
        assertThat(r.folderId()).isEqualTo(77);
        assertThat(r.failedCount()).isEqualTo(7);
        assertThat(r.lastRunAt()).isEqualTo(Instant.parse("2026-11-25T10:01:09Z"));
    }

    @Test
    void listsJobsWithCursorAndReadsRepeatsAndErrors() {
        answers.put("/api/recipes/1913/jobs", new String[]{"200", """
                {"job_succeeded_count": 120, "job_failed_count": 7, "job_count": 127,
                 "items": [{"id": "j-KGAKfhsz-GYoLe", "flow_run_id": 3101, "title": "New order 5512",
                   "status": "failed", "started_at": "2026-11-25T10:01:02.000Z",
                   "completed_at": "2026-11-25T10:01:09.000Z", "is_error": true, "is_poll_error": false,
                   "error": "Timeout: read timed out after 30s", "master_job_id": "j-ORIGINAL-1",
                   "is_repeat": true, "error_parts": {"error_type": "err.http.response.timeout",
                   "message": "Timeout", "error_id": "e1", "input": {}}}]}"""});

        WorkatoJobPage page = client.listJobs(1913, JobQuery.failed().olderThan("j-CURSOR"));

        assertThat(requests).containsExactly("GET /api/recipes/1913/jobs?status=failed&offset_job_id=j-CURSOR&prev=false");
        assertThat(page.jobFailedCount()).isEqualTo(7);
        WorkatoJob job = page.items().get(0);
        assertThat(job.id()).isEqualTo("j-KGAKfhsz-GYoLe");
        assertThat(job.isFailed()).isTrue();
        assertThat(job.masterJobId()).isEqualTo("j-ORIGINAL-1");
        assertThat(job.errorTypeId()).isEqualTo("err.http.response.timeout");
        assertThat(job.completedAt()).isEqualTo(Instant.parse("2026-11-25T10:01:09Z"));
    }

    @Test
    void readsTheFailedStepOfAJobDetail() {
        answers.put("/api/recipes/1913/jobs/j-X", new String[]{"200", """
                {"id": "j-X", "handle": "j-X", "status": "failed", "is_repeat": false, "master_job_id": null,
                 "lines": [{"recipe_line_number": "0", "adapter_name": "clock"},
                           {"recipe_line_number": "3", "adapter_name": "rest", "error_descriptor":
                             {"error_type_id": "err.http.response.client_error.not_found", "message": "Not found",
                              "error_details": {"http_response": {"code": 404}}}}]}"""});

        WorkatoJob job = client.getJob(1913, "j-X");

        assertThat(job.errorTypeId()).isEqualTo("err.http.response.client_error.not_found");
        assertThat(job.httpStatus()).isEqualTo(404);
    }

    @Test
    void repeatJobsSendsIdsAndReadsPerJobResults() {
        answers.put("/api/recipes/1913/repeat_jobs", new String[]{"200", """
                {"results": [{"job_id": "j-A", "status": "enqueued"},
                             {"job_id": "j-B", "status": "failed", "error": "Job not found"}]}"""});

        List<RepeatResult> results = client.repeatJobs(1913, List.of("j-A", "j-B", "j-C"));

        assertThat(bodies).containsExactly("{\"job_ids\":[\"j-A\",\"j-B\",\"j-C\"]}");
        assertThat(results).extracting(RepeatResult::enqueued).containsExactly(true, false, false);
        assertThat(results.get(1).error()).isEqualTo("Job not found");
        assertThat(results.get(2).error()).contains("not in the repeat_jobs answer");
        assertThatThrownBy(() -> client.repeatJobs(1913, java.util.Collections.nCopies(26, "j-A")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void workatosTextsAreCleanedAsTheyEnterTheResultsAndTheExceptionMessages() {
        answers.put("/api/recipes/1913/repeat_jobs", new String[]{"200", """
                {"results": [{"job_id": "j-A", "status": "failed", "error": "Job\\u0000 not found"}]}"""});
        answers.put("/api/recipes/1/repeat_jobs", new String[]{"422", "bad\u0000 request " + "x".repeat(5_000)});

        RepeatResult result = client.repeatJobs(1913, List.of("j-A")).get(0);
        assertThatThrownBy(() -> client.repeatJobs(1, List.of("j-A")))
                .isInstanceOfSatisfying(WorkatoApiException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain("\u0000").contains("bad request").hasSizeLessThan(400);
                });

        assertThat(result.error()).isEqualTo("Job not found");
        assertThat(new RepeatResult("j-B\u0000", "failed", "boom\u0000")).isEqualTo(
                new RepeatResult("j-B", "failed", "boom"));
    }

    @Test
    void throttlingCarriesRetryAfterAndErrorsSayWhetherTheyMayHaveTakenEffect() {
        answers.put("/api/recipes", new String[]{"429", "{\"message\":\"Too many requests\"}", "60"});
        answers.put("/api/recipes/1/repeat_jobs", new String[]{"502", "<html>bad gateway</html>"});

        assertThatThrownBy(() -> client.repeatJobs(1, List.of("j-A")))
                .isInstanceOfSatisfying(WorkatoApiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(WorkatoApiException.Kind.SERVER_ERROR);
                    assertThat(e.mayHaveTakenEffect()).isTrue();
                    assertThat(e.getMessage()).doesNotContain("secret-token");
                });
        assertThatThrownBy(() -> client.listRecipes(1, 100)).isInstanceOfSatisfying(WorkatoApiException.class, e -> {
            assertThat(e.kind()).isEqualTo(WorkatoApiException.Kind.RATE_LIMITED);
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(60));
            assertThat(e.mayHaveTakenEffect()).isFalse();
        });
    }

    @Test
    void anUnreachableWorkatoSaysTheCallHadNoEffect() {
        int port = server.getAddress().getPort();
        server.stop(0);
        // a fresh client: nothing held, so the call really goes to the closed port
        WorkatoClient fresh = new WorkatoClient(new WorkatoProperties("http://127.0.0.1:" + port + "/api",
                "secret-token", Duration.ofSeconds(2), Duration.ofSeconds(2), WorkatoProperties.Resilience.defaults()),
                null);
        assertThatThrownBy(() -> fresh.repeatJobs(1, List.of("j-A"))).isInstanceOfSatisfying(
                WorkatoApiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(WorkatoApiException.Kind.UNREACHABLE);
                    assertThat(e.mayHaveTakenEffect()).isFalse();
                });
    }

    @Test
    void aShortRetryAfterIsHonouredInPlaceForReads() {
        firstAnswers.put("/api/recipes", new java.util.ArrayDeque<>(List.<String[]>of(
                new String[]{"429", "{\"message\":\"Too many requests\"}", "1"})));
        answers.put("/api/recipes", new String[]{"200", "{\"items\": []}"});
        long start = System.nanoTime();

        assertThat(client.listRecipes(1, 100)).isEmpty();

        assertThat(requests).hasSize(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void readsAreRetriedAfterA5xxButNotAfterA4xxAndRepeatsNeverAre() {
        firstAnswers.put("/api/recipes", new java.util.ArrayDeque<>(List.<String[]>of(
                new String[]{"503", "{\"message\":\"down\"}"}, new String[]{"502", "<html>bad gateway</html>"})));
        answers.put("/api/recipes", new String[]{"200", "{\"items\": []}"});
        assertThat(client.listRecipes(1, 100)).isEmpty();
        assertThat(requests).hasSize(3);   // read-attempts: 3

        requests.clear();
        answers.put("/api/recipes/1/jobs/j-1", new String[]{"404", "{\"message\":\"not found\"}"});
        assertThatThrownBy(() -> client.getJob(1, "j-1")).isInstanceOfSatisfying(WorkatoApiException.class,
                e -> assertThat(e.kind()).isEqualTo(WorkatoApiException.Kind.CLIENT_ERROR));
        assertThat(requests).hasSize(1);

        requests.clear();
        answers.put("/api/recipes/1/repeat_jobs", new String[]{"503", "{\"message\":\"down\"}"});
        assertThatThrownBy(() -> client.repeatJobs(1, List.of("j-A"))).isInstanceOf(WorkatoApiException.class);
        assertThat(requests).hasSize(1);   // its caller decides: it may have repeated the jobs
        assertThat(meters.find("resilience4j.retry.calls").tag("name", "workato-reads")
                .tag("kind", "successful_with_retry").functionCounter().count()).isEqualTo(1);
    }

    @Test
    void aStormOf5xxOpensTheBreakerAndCallsStopReachingWorkato() {
        answers.put("/api/recipes", new String[]{"503", "{\"message\":\"down\"}"});
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> client.listRecipes(1, 100)).isInstanceOf(WorkatoApiException.class);
        }
        int reached = requests.size();
        assertThat(client.breakerState()).isEqualTo(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN);

        assertThatThrownBy(() -> client.repeatJobs(1, List.of("j-A")))
                .isInstanceOfSatisfying(WorkatoApiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(WorkatoApiException.Kind.CIRCUIT_OPEN);
                    assertThat(e.mayHaveTakenEffect()).isFalse();
                });
        assertThat(requests).hasSize(reached);
    }

    @Test
    void dataCenterShorthandsResolveAndTheTokenIsMasked() {
        WorkatoProperties eu = new WorkatoProperties("eu", "abc", Duration.ofSeconds(1), Duration.ofSeconds(1),
                WorkatoProperties.Resilience.defaults());
        assertThat(eu.resolvedBaseUrl()).hasToString("https://app.eu.workato.com/api");
        assertThat(eu.toString()).doesNotContain("abc");
    }

    private void answer(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        synchronized (this) {
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + (query == null ? "" : "?" + query));
            auth.add(ex.getRequestHeaders().getFirst("Authorization"));
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (!body.isEmpty()) {
                bodies.add(body);
            }
        }
        java.util.Deque<String[]> queued = firstAnswers.get(ex.getRequestURI().getPath());
        String[] a = queued != null && !queued.isEmpty() ? queued.poll()
                : answers.getOrDefault(ex.getRequestURI().getPath(), new String[]{"404", "{\"message\":\"nope\"}"});
        if (a.length > 2) {
            ex.getResponseHeaders().add("Retry-After", a[2]);
        }
        byte[] bytes = a[1].getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(Integer.parseInt(a[0]), bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Test
    void aReadRetryWaitsTheDoubledBackoffPlusAJitterFromTheInjectedSourceAndDatesCallsOnTheInjectedClock() {
        java.time.Clock fixed = java.time.Clock.fixed(java.time.Instant.parse("2026-11-28T10:00:00Z"),
                java.time.ZoneOffset.UTC);
        WorkatoProperties props = new WorkatoProperties("http://127.0.0.1:" + server.getAddress().getPort() + "/api",
                "secret-token", Duration.ofSeconds(2), Duration.ofSeconds(2), WorkatoProperties.Resilience.defaults());
        WorkatoClient seeded = new WorkatoClient(props, meters, WorkatoAccountHold.local(), WorkatoReadBudget.local(),
                fixed, new java.util.Random(42));
        WorkatoClient sameSeed = new WorkatoClient(props, meters, WorkatoAccountHold.local(),
                WorkatoReadBudget.local(), fixed, new java.util.Random(42));
        WorkatoApiException down = new WorkatoApiException(WorkatoApiException.Kind.UNREACHABLE, 503, null, "down",
                null);
        long base = WorkatoProperties.Resilience.defaults().readBackoff().toMillis();

        for (int attempt = 1; attempt <= 3; attempt++) {
            Duration wait = seeded.waitBeforeRetry(down, attempt);
            long doubled = base << (attempt - 1);
            assertThat(wait.toMillis()).isBetween(doubled, 2 * doubled);
            assertThat(sameSeed.waitBeforeRetry(down, attempt)).as("the same seed, the same waits").isEqualTo(wait);
        }
        assertThat(seeded.clock()).isSameAs(fixed);
    }
}
