package io.aof.common.workato;

import io.aof.common.text.ExternalText;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The one client of the Workato Developer API (see shared/workato-api.md),
 * speaking its field names exactly. Every call is counted under
 * {@code aof.workato.api.calls} by endpoint and status, and passes, in order:
 *
 * <ul>
 *   <li>for a read, a permit from this service's share of the read budget
 *       ({@link WorkatoReadBudget}: shared by the service's instances through
 *       PostgreSQL; an in-process Resilience4j rate limiter where the database is
 *       not there); a read that cannot get one within {@code read-permit-wait} is
 *       refused as {@code RATE_LIMITED} without reaching Workato, and not retried;</li>
 *   <li>Workato's {@code Retry-After} for the account ({@link WorkatoAccountHold},
 *       shared by every service): a read waits out a short hold, anything else is
 *       refused as {@code RATE_LIMITED} while it lasts;</li>
 *   <li>a Resilience4j circuit breaker, which opens when calls fail with 5xx,
 *       timeouts or no connection and then refuses them as {@code CIRCUIT_OPEN}
 *       until Workato has had time to recover.</li>
 * </ul>
 *
 * <p>Reads, which are idempotent, are retried by Resilience4j Retry
 * ({@code read-attempts} tries): after a 429 whose {@code Retry-After} is at most
 * {@code max-retry-after-wait}, and after a 5xx, timeout or lost connection with a
 * doubling backoff and jitter. {@code repeat_jobs} is never retried here: its
 * caller decides, because a call that failed may still have repeated the jobs
 * (recovery reconciles before it repeats, see
 * {@link WorkatoApiException#mayHaveTakenEffect()}).
 */
public class WorkatoClient {

    /** Workato accepts at most this many job ids in one {@code repeat_jobs} call. */
    public static final int MAX_REPEAT_IDS = 25;

    /** How much of a Workato answer an exception message quotes (cleaned, the cut said). */
    static final int EXCERPT_MAX_CHARS = 300;

    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private final URI baseUrl;
    private final String token;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final MeterRegistry meters;
    private final WorkatoProperties.Resilience resilience;
    private final RateLimiter reads;
    private final CircuitBreaker breaker;
    private final Retry readRetry;
    private final WorkatoAccountHold accountHold;
    private final WorkatoReadBudget readBudget;

    /** A client whose Retry-After holds only itself (tests). */
    public WorkatoClient(WorkatoProperties props, MeterRegistry meters) {
        this(props, meters, WorkatoAccountHold.local());
    }

    /**
     * A client that honours every {@code Retry-After} received for its Workato
     * account by any service sharing {@code accountHold}: before each call it asks
     * the hold, and it records each 429 there.
     */
    public WorkatoClient(WorkatoProperties props, MeterRegistry meters, WorkatoAccountHold accountHold) {
        this(props, meters, accountHold, WorkatoReadBudget.local());
    }

    /**
     * A client that also takes its reads from {@code readBudget}, this service's share of the account's read
     * budget shared by all its instances (else each instance would spend the whole share).
     */
    public WorkatoClient(WorkatoProperties props, MeterRegistry meters, WorkatoAccountHold accountHold,
                         WorkatoReadBudget readBudget) {
        this(props, meters, accountHold, readBudget, java.time.Clock.systemUTC(), THREAD_LOCAL_RANDOM);
    }

    /** Each thread's own {@link java.util.concurrent.ThreadLocalRandom}: the retry jitter of a client in production. */
    static final java.util.random.RandomGenerator THREAD_LOCAL_RANDOM = new java.util.random.RandomGenerator() {
        @Override
        public long nextLong() {
            return java.util.concurrent.ThreadLocalRandom.current().nextLong();
        }
    };

    /**
     * A client on {@code clock} (when a call last went through; the health's freshness and the breaker watch read
     * it too) whose read retries wait a jitter drawn from {@code jitter} (a seeded one in tests).
     */
    public WorkatoClient(WorkatoProperties props, MeterRegistry meters, WorkatoAccountHold accountHold,
                         WorkatoReadBudget readBudget, java.time.Clock clock, java.util.random.RandomGenerator jitter) {
        this.clock = clock;
        this.jitter = jitter;
        this.accountHold = accountHold;
        this.readBudget = readBudget;
        this.baseUrl = props.resolvedBaseUrl();
        this.token = props.apiToken();
        this.requestTimeout = props.requestTimeout();
        this.http = HttpClient.newBuilder().connectTimeout(props.connectTimeout()).build();
        this.meters = meters == null ? new SimpleMeterRegistry() : meters;
        this.resilience = props.resilience();
        RateLimiterRegistry limiters = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(1)
                .limitRefreshPeriod(Duration.ofMillis(Math.max(1, 60_000L / Math.max(1, resilience.readsPerMinute()))))
                .timeoutDuration(resilience.readPermitWait())
                .build());
        this.reads = limiters.rateLimiter("workato-reads");
        CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .failureRateThreshold(resilience.breakerFailureRate())
                .minimumNumberOfCalls(resilience.breakerMinimumCalls())
                .slidingWindowSize(resilience.breakerWindow())
                .waitDurationInOpenState(resilience.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordException(e -> e instanceof WorkatoApiException w && w.isApiTrouble())
                .build());
        this.breaker = breakers.circuitBreaker("workato");
        // reads are idempotent: retried after a 429 whose Retry-After is short (waited out in the account hold
        // before the next try), and after a 5xx, timeout or lost connection with a doubling backoff and jitter;
        // nothing else is retried, and repeat_jobs never is (it does not go through here)
        RetryRegistry retries = RetryRegistry.of(RetryConfig.custom()
                .maxAttempts(Math.max(1, resilience.readAttempts()))
                .retryOnException(e -> e instanceof WorkatoApiException w && retryable(w))
                .intervalBiFunction((attempt, outcome) -> outcome.isLeft()
                        && outcome.getLeft() instanceof WorkatoApiException w ? waitBeforeRetry(w, attempt).toMillis()
                        : 0L)
                .build());
        this.readRetry = retries.retry("workato-reads");
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(this.meters);
        TaggedRateLimiterMetrics.ofRateLimiterRegistry(limiters).bindTo(this.meters);
        TaggedRetryMetrics.ofRetryRegistry(retries).bindTo(this.meters);
    }

    /** The breaker's state (CLOSED, OPEN, HALF_OPEN), for health and for callers deciding to wait. */
    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    /** {@code GET /recipes?page=&per_page=} (per_page at most 100). */
    public List<WorkatoRecipe> listRecipes(int page, int perPage) {
        return listRecipes(page, perPage, null);
    }

    /** {@code GET /recipes} of one folder and its subfolders ({@code folder_id}, {@code with_subfolders}). */
    public List<WorkatoRecipe> listRecipes(int page, int perPage, Long folderId) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("page", page);
        q.put("per_page", Math.min(perPage, 100));
        if (folderId != null) {
            q.put("folder_id", folderId);
            q.put("with_subfolders", true);
        }
        JsonNode body = get("list_recipes", "/recipes", q);
        return readList(body.get("items"), WorkatoRecipe.class);
    }

    /** {@code GET /recipes/:id/jobs} with {@code status}, {@code offset_job_id}, {@code prev}, {@code rerun_only}. */
    public WorkatoJobPage listJobs(long recipeId, JobQuery query) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("status", query.status());
        q.put("offset_job_id", query.offsetJobId());
        q.put("prev", query.prev());
        q.put("rerun_only", query.rerunOnly());
        JsonNode body = get("list_jobs", "/recipes/" + recipeId + "/jobs", q);
        return convert(body, WorkatoJobPage.class);
    }

    /** {@code GET /recipes/:id/jobs/:handle}: the job with its steps ({@code lines}). */
    public WorkatoJob getJob(long recipeId, String handle) {
        JsonNode body = get("get_job", "/recipes/" + recipeId + "/jobs/" + encode(handle), Map.of());
        return convert(body, WorkatoJob.class);
    }

    /**
     * {@code POST /recipes/:id/repeat_jobs} with at most {@value #MAX_REPEAT_IDS} job ids.
     * Returns one result per job; a job absent from the answer is reported as "failed".
     */
    public List<RepeatResult> repeatJobs(long recipeId, List<String> jobIds) {
        if (jobIds.isEmpty() || jobIds.size() > MAX_REPEAT_IDS) {
            throw new IllegalArgumentException("repeat_jobs takes 1 to " + MAX_REPEAT_IDS + " job ids, got "
                    + jobIds.size());
        }
        String payload = JSON.writeValueAsString(Map.of("job_ids", jobIds));
        HttpRequest request = request("/recipes/" + recipeId + "/repeat_jobs", Map.of())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build();
        JsonNode body = guarded("repeat_jobs", request);
        List<RepeatResult> results = readList(body.get("results"), RepeatResult.class);
        List<RepeatResult> complete = new ArrayList<>(jobIds.size());
        for (String id : jobIds) {
            complete.add(results.stream().filter(r -> id.equals(r.jobId())).findFirst()
                    .orElse(new RepeatResult(id, "failed", "not in the repeat_jobs answer")));
        }
        return complete;
    }

    /**
     * A read, tried up to {@code read-attempts} times by {@link #readRetry}; each try takes its permit from the read
     * budget first, and a refused permit ends the read at once (it is this service's budget, not Workato, that
     * says no: trying again would only spend the wait).
     */
    private JsonNode get(String endpoint, String path, Map<String, Object> query) {
        HttpRequest request = request(path, query).GET().build();
        return Retry.decorateSupplier(readRetry, () -> {
            Duration refused = readPermission();
            if (refused != null) {
                count(endpoint, "budget_exhausted");
                throw new BudgetRefused(refused, endpoint);
            }
            return guarded(endpoint, request);
        }).get();
    }

    /** A read refused by this service's share of the read budget, before reaching Workato: never retried. */
    private static final class BudgetRefused extends WorkatoApiException {

        BudgetRefused(Duration untilRoom, String endpoint) {
            super(Kind.RATE_LIMITED, 0, untilRoom,
                    "this service's share of the Workato read budget is used up (" + endpoint + ")", null);
        }
    }

    /**
     * A read's permit from this service's share of the read budget: shared by all its instances through the
     * database when {@link WorkatoReadBudget#isShared()} (waiting here for a slot that comes within
     * {@code read-permit-wait}), else, or while the database cannot be reached, from this process's own limiter.
     * Returns null when the read may go, else how long until the budget has room.
     */
    private Duration readPermission() {
        Duration gap = reads.getRateLimiterConfig().getLimitRefreshPeriod();
        var slot = readBudget.reserve(gap, resilience.readPermitWait());
        if (slot.isEmpty()) {
            return reads.acquirePermission() ? null : gap;
        }
        if (!slot.get().granted()) {
            return slot.get().delay();
        }
        if (!slot.get().delay().isZero()) {
            sleep(slot.get().delay());
        }
        return null;
    }

    /**
     * Whether a read is tried again in place: after a 429 whose {@code Retry-After} is short, or API trouble (5xx,
     * timeout, lost connection); never when this service's own budget refused the permit.
     */
    private boolean retryable(WorkatoApiException e) {
        if (e instanceof BudgetRefused) {
            return false;
        }
        if (e.kind() == WorkatoApiException.Kind.RATE_LIMITED) {
            Duration ra = e.retryAfter();
            return ra != null && ra.compareTo(resilience.maxRetryAfterWait()) <= 0;
        }
        return e.isApiTrouble();
    }

    /**
     * How long to wait before trying a {@link #retryable} read again: the read backoff doubled per attempt, plus
     * up to as much again drawn from the jitter source (so clients that failed together do not retry together).
     */
    Duration waitBeforeRetry(WorkatoApiException e, int attempt) {
        if (e.kind() == WorkatoApiException.Kind.RATE_LIMITED) {
            return Duration.ZERO;   // the 429 is in the account's hold: the next try waits it out there, not here too
        }
        long base = resilience.readBackoff().toMillis() << (attempt - 1);
        return Duration.ofMillis(base + jitter.nextLong(base + 1));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new WorkatoApiException(WorkatoApiException.Kind.UNREACHABLE, 0, null, "interrupted", ie);
        }
    }

    private final java.time.Clock clock;
    private final java.util.random.RandomGenerator jitter;
    private volatile java.time.Instant lastSuccessAt;

    /** The clock this client dates its calls by (the service's). */
    public java.time.Clock clock() {
        return clock;
    }
    private volatile String lastError;

    /** When a call last went through (null: none yet), for the health indicator. */
    public java.time.Instant lastSuccessAt() {
        return lastSuccessAt;
    }

    /** The last call's failure, or null when the last call went through. */
    public String lastError() {
        return lastError;
    }

    /** One call through the circuit breaker, once no Retry-After of this Workato account holds it. */
    private JsonNode guarded(String endpoint, HttpRequest request) {
        awaitAccountHold(endpoint, request);
        try {
            JsonNode result = breaker.executeSupplier(() -> send(endpoint, request));
            lastSuccessAt = clock.instant();
            lastError = null;
            return result;
        } catch (WorkatoApiException e) {
            lastError = e.getMessage();
            throw e;
        } catch (CallNotPermittedException e) {
            count(endpoint, "circuit_open");
            throw new WorkatoApiException(WorkatoApiException.Kind.CIRCUIT_OPEN, 0, resilience.breakerOpenFor(),
                    "Workato API circuit breaker is open (" + endpoint + "): recent calls failed", e);
        } catch (RequestNotPermitted e) {
            throw new WorkatoApiException(WorkatoApiException.Kind.RATE_LIMITED, 0, null, e.getMessage(), e);
        }
    }

    /**
     * A 429's Retry-After, received by this or any other service on the same Workato account, holds every call
     * until it has elapsed. A read waits out a short hold (up to {@code max-retry-after-wait}) here; a longer
     * hold, or any hold of a write ({@code repeat_jobs}, whose caller schedules its own retry), refuses the call
     * as {@code RATE_LIMITED} (no effect on Workato) with the time left as its Retry-After.
     */
    private void awaitAccountHold(String endpoint, HttpRequest request) {
        Duration held;
        while (!(held = accountHold.remaining()).isZero()) {
            if (!"GET".equals(request.method()) || held.compareTo(resilience.maxRetryAfterWait()) > 0) {
                count(endpoint, "held");
                throw new WorkatoApiException(WorkatoApiException.Kind.RATE_LIMITED, 0, held,
                        "Workato asked this account to wait (Retry-After): " + endpoint + " not sent, "
                                + Math.max(1, held.toSeconds()) + " s left", null);
            }
            sleep(held);
        }
    }

    private HttpRequest.Builder request(String path, Map<String, Object> query) {
        StringJoiner qs = new StringJoiner("&");
        query.forEach((k, v) -> {
            if (v != null) {
                qs.add(encode(k) + "=" + encode(String.valueOf(v)));
            }
        });
        URI uri = URI.create(baseUrl + path + (qs.length() == 0 ? "" : "?" + qs));
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", "application/json");
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private JsonNode send(String endpoint, HttpRequest request) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            count(endpoint, "unreachable");
            throw new WorkatoApiException(WorkatoApiException.Kind.UNREACHABLE, 0, null,
                    "Workato API unreachable at " + baseUrl + " (" + endpoint + "): " + e, e);
        } catch (HttpTimeoutException e) {
            count(endpoint, "timeout");
            throw new WorkatoApiException(WorkatoApiException.Kind.TIMEOUT, 0, null,
                    "Workato API timed out (" + endpoint + ")", e);
        } catch (IOException e) {
            count(endpoint, "io_error");
            throw new WorkatoApiException(WorkatoApiException.Kind.TIMEOUT, 0, null,
                    "Workato API connection failed (" + endpoint + "): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkatoApiException(WorkatoApiException.Kind.UNREACHABLE, 0, null, "interrupted", e);
        }
        int status = response.statusCode();
        count(endpoint, String.valueOf(status));
        if (status == 429) {
            Duration retryAfter = retryAfter(response);
            accountHold.hold(retryAfter, endpoint);   // every service on this account waits it out
            throw new WorkatoApiException(WorkatoApiException.Kind.RATE_LIMITED, status,
                    retryAfter, "Workato API throttled " + endpoint, null);
        }
        if (status >= 500) {
            throw new WorkatoApiException(WorkatoApiException.Kind.SERVER_ERROR, status, null,
                    "Workato API answered " + status + " to " + endpoint + ": " + excerpt(response.body()), null);
        }
        if (status >= 400) {
            throw new WorkatoApiException(WorkatoApiException.Kind.CLIENT_ERROR, status, null,
                    "Workato API answered " + status + " to " + endpoint + ": " + excerpt(response.body()), null);
        }
        try {
            return JSON.readTree(response.body());
        } catch (JacksonException e) {
            throw new WorkatoApiException(WorkatoApiException.Kind.BAD_RESPONSE, status, null,
                    "Workato API answered " + endpoint + " with invalid JSON: " + excerpt(response.body()), e);
        }
    }

    private static Duration retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return Duration.ofSeconds(Math.max(1, Long.parseLong(v.trim())));
            } catch (NumberFormatException e) {
                return Duration.ofSeconds(60);
            }
        }).orElse(Duration.ofSeconds(60));
    }

    private void count(String endpoint, String status) {
        Counter.builder("aof.workato.api.calls").description("Workato API calls by endpoint and status")
                .tag("endpoint", endpoint).tag("status", status).register(meters).increment();
    }

    private static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return JSON.treeToValue(node, type);
        } catch (JacksonException e) {
            throw new WorkatoApiException(WorkatoApiException.Kind.BAD_RESPONSE, 200, null,
                    "unexpected " + type.getSimpleName() + " JSON: "
                            + ExternalText.clean(e.getOriginalMessage(), EXCERPT_MAX_CHARS), e);
        }
    }

    private static <T> List<T> readList(JsonNode array, Class<T> type) {
        List<T> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            for (JsonNode n : array) {
                out.add(convert(n, type));
            }
        }
        return out;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Workato's answer as it enters an exception message: cleaned and capped by {@link ExternalText}. */
    private static String excerpt(String body) {
        return body == null ? "" : ExternalText.clean(body, EXCERPT_MAX_CHARS);
    }
}
