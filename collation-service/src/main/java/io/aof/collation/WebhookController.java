package io.aof.collation;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.messaging.AofProperties;
import io.aof.common.ops.BoundedBody;
import io.aof.common.ops.Signature;
import io.aof.common.text.ExternalText;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The intake for recipes that push their own failures from an On-error block.
 * In order: a per-source rate limit (429), a size limit (413), authentication by
 * bearer token or by an HMAC-SHA256 signature of the raw body with a timestamp
 * (401; a signature older than 5 minutes is a replay), the JSON body against its
 * schema (400: also a body that is not valid UTF-8, or nested deeper than
 * {@value #MAX_NESTING} levels), then an optional idempotency key
 * ({@code X-Idempotency-Key}, or {@code X-Workato-Dedup} as Workato's gateway names
 * it). Texts are cleaned and capped by {@link ExternalText} before anything else
 * sees them (a NUL character would make PostgreSQL refuse the incident).
 *
 * <p>A failure already known (from a poll, an earlier webhook, or the same key) is
 * answered 200 "duplicate" and changes nothing. A new one is answered 202 and
 * waits in {@code webhook_pending} until {@link WebhookVerifier} has read the job
 * from Workato: the token only proves who sent the request, not that the job
 * failed, and a repeat of a succeeded job (a payment) must never follow from a
 * forged or mistaken request. Nothing is stored or published for a refused
 * request, and every refusal is an RFC 9457 problem detail.
 */
@RestController
class WebhookController {

    static final String TIMESTAMP_HEADER = "X-AOF-Timestamp";
    static final String SIGNATURE_HEADER = "X-AOF-Signature";
    static final Set<String> IDEMPOTENCY_HEADERS = Set.of("X-Idempotency-Key", "X-Workato-Dedup");
    /** The body is one flat object: anything nested deeper is refused before it is bound. */
    static final int MAX_NESTING = 16;

    private static final JsonMapper BODY = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING)
                            .maxNumberLength(40).build())
                    .build())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final FailureCollector collector;
    private final TransactionTemplate tx;
    private final JdbcTemplate jdbc;
    private final Validator validator;
    private final CollationProperties.Webhook props;
    private final String workspace;
    private final RateLimiterRegistry sources;
    private final MeterRegistry meters;

    WebhookController(FailureCollector collector, TransactionTemplate tx, JdbcTemplate jdbc, Validator validator,
                      CollationProperties props, AofProperties aof, MeterRegistry meters) {
        this.collector = collector;
        this.tx = tx;
        this.jdbc = jdbc;
        this.validator = validator;
        this.props = props.webhook();
        this.workspace = aof.workspace();
        this.meters = meters;
        this.sources = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(Math.max(1, this.props.perSourcePerMinute()))
                .limitRefreshPeriod(Duration.ofMinutes(1)).timeoutDuration(Duration.ZERO).build());
    }

    /** The webhook body, in Workato's snake_case; the schema is documented in the README. */
    record JobFailureWebhook(
            @JsonProperty("recipe_id") @NotNull @Positive Long recipeId,
            @JsonProperty("recipe_name") @Size(max = 500) String recipeName,
            @JsonProperty("folder_id") Long folderId,
            @JsonProperty("job_id") @NotBlank @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9_-]+") String jobId,
            @JsonProperty("master_job_id") @Size(max = 100) @Pattern(regexp = "[A-Za-z0-9_-]*") String masterJobId,
            @JsonProperty("error") @NotBlank @Size(max = 10_000) String error,
            @JsonProperty("error_type") @Size(max = 200) String errorType,
            @JsonProperty("http_status") @Min(100) @Max(599) Integer httpStatus,
            @JsonProperty("started_at") Instant startedAt,
            @JsonProperty("completed_at") Instant completedAt) {

        /** The same body with every text cleaned (NUL and control characters out, lone surrogates replaced). */
        JobFailureWebhook sanitized() {
            return new JobFailureWebhook(recipeId, ExternalText.field(recipeName), folderId, ExternalText.field(jobId),
                    ExternalText.field(masterJobId), ExternalText.error(error), ExternalText.field(errorType),
                    httpStatus, startedAt, completedAt);
        }
    }

    @PostMapping(path = "/api/webhooks/job-failures", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> receive(HttpServletRequest request) throws IOException {
        String source = request.getRemoteAddr();
        RateLimiter limiter = sources.rateLimiter(source);
        if (!limiter.acquirePermission()) {
            return refused(HttpStatus.TOO_MANY_REQUESTS, "Too many requests", "This source sent more than "
                    + props.perSourcePerMinute() + " requests in a minute.", Map.of(HttpHeaders.RETRY_AFTER, "60"));
        }
        byte[] raw = BoundedBody.read(request.getContentLengthLong(), request.getInputStream(), props.maxBodyBytes())
                .orElse(null);
        if (raw == null) {
            return tooLarge();
        }
        ResponseEntity<?> unauthenticated = authenticate(request, raw);
        if (unauthenticated != null) {
            return unauthenticated;
        }
        if (!isUtf8(raw)) {
            return refused(HttpStatus.BAD_REQUEST, "Invalid encoding", "The body is not valid UTF-8: send JSON "
                    + "encoded as UTF-8 (RFC 8259).", Map.of());
        }
        JobFailureWebhook body;
        try {
            body = BODY.readValue(raw, JobFailureWebhook.class);
        } catch (JacksonException e) {
            return refused(HttpStatus.BAD_REQUEST, "Malformed body", "The body is not a valid job failure: "
                    + e.getOriginalMessage(), Map.of());
        }
        if (body == null) {
            return refused(HttpStatus.BAD_REQUEST, "Malformed body", "The body is empty.", Map.of());
        }
        // as sent (an id with a control character is invalid, not repaired), then cleaned (an error text made
        // only of control characters is as empty as none)
        Set<ConstraintViolation<JobFailureWebhook>> violations = validator.validate(body);
        if (violations.isEmpty()) {
            body = body.sanitized();
            violations = validator.validate(body);
        }
        if (!violations.isEmpty()) {
            Set<String> errors = new TreeSet<>();
            violations.forEach(v -> errors.add(jsonName(v.getPropertyPath().toString()) + ": " + v.getMessage()));
            return refused(HttpStatus.BAD_REQUEST, "Invalid body", String.join("; ", errors), Map.of());
        }
        String key = idempotencyKey(request);
        JobFailed failure = JobFailed.of(workspace, body.recipeId(), body.recipeName(), body.folderId(), body.jobId(),
                body.masterJobId(), body.error(), body.errorType(), body.httpStatus(), body.startedAt(),
                body.completedAt() != null ? body.completedAt() : Instant.now(), JobFailed.CollectionSource.WEBHOOK);
        String payload = EventCodec.encode(failure);
        Boolean fresh = tx.execute(status -> {
            if (key != null && jdbc.update("INSERT INTO webhook_idempotency (idempotency_key, job_id, incident_id) "
                    + "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", key, failure.jobId(), failure.incidentId()) == 0) {
                return false;
            }
            if (Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM collected_job WHERE job_id = ?)",
                    Boolean.class, failure.jobId()))) {
                collector.countDuplicate(JobFailed.CollectionSource.WEBHOOK);
                return false;
            }
            return jdbc.update("INSERT INTO webhook_pending (job_id, recipe_id, master_job_id, payload, next_check_at) "
                            + "VALUES (?, ?, ?, ?, now() + (? * interval '1 millisecond')) ON CONFLICT DO NOTHING",
                    failure.jobId(), failure.recipeId(), failure.masterJobId(), payload,
                    props.verifyDelay().toMillis()) == 1;
        });
        meters.counter("aof.webhook.requests", "outcome", Boolean.TRUE.equals(fresh) ? "accepted" : "duplicate")
                .increment();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("incident_id", failure.incidentId());
        answer.put("job_id", failure.jobId());
        answer.put("status", Boolean.TRUE.equals(fresh) ? "accepted" : "duplicate");
        if (Boolean.TRUE.equals(fresh)) {
            answer.put("verification", "pending");
        }
        return Boolean.TRUE.equals(fresh) ? ResponseEntity.accepted().body(answer) : ResponseEntity.ok(answer);
    }

    private static boolean isUtf8(byte[] raw) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Bearer token, or HMAC-SHA256 over {@code timestamp + "." + raw body}; both
     * compared in constant time, neither ever echoed back.
     */
    private ResponseEntity<?> authenticate(HttpServletRequest request, byte[] raw) {
        if (props.token().isEmpty() && props.hmacSecret().isEmpty()) {
            return refused(HttpStatus.SERVICE_UNAVAILABLE, "Webhook intake disabled", "No webhook credential is "
                    + "configured: set AOF_WEBHOOK_TOKEN or AOF_WEBHOOK_HMAC_SECRET on the collation service.",
                    Map.of());
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (!props.token().isEmpty() && authorization != null && authorization.startsWith("Bearer ")
                && constantTimeEquals(props.token(), authorization.substring(7))) {
            return null;
        }
        String signature = request.getHeader(SIGNATURE_HEADER);
        String timestamp = request.getHeader(TIMESTAMP_HEADER);
        if (!props.hmacSecret().isEmpty() && signature != null && timestamp != null) {
            long seconds;
            try {
                seconds = Long.parseLong(timestamp.trim());
            } catch (NumberFormatException e) {
                return unauthorized("X-AOF-Timestamp must be Unix seconds.");
            }
            Duration age = Duration.between(Instant.ofEpochSecond(seconds), Instant.now()).abs();
            if (age.compareTo(props.maxSignatureAge()) > 0) {
                return unauthorized("The signature is older than " + props.maxSignatureAge().toMinutes()
                        + " minutes (or from the future): refused as a replay.");
            }
            String expected = Signature.of(props.hmacSecret(), timestamp.trim(), raw);
            if (constantTimeEquals(expected, signature.trim().toLowerCase())) {
                return null;
            }
            return unauthorized("The signature does not match the body.");
        }
        return unauthorized("Send 'Authorization: Bearer <token>', or X-AOF-Timestamp and X-AOF-Signature.");
    }

    private static String idempotencyKey(HttpServletRequest request) {
        for (String h : IDEMPOTENCY_HEADERS) {
            String v = request.getHeader(h);
            if (v != null && !v.isBlank()) {
                return v.length() > 200 ? v.substring(0, 200) : v.trim();
            }
        }
        return null;
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static String jsonName(String property) {
        return property.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
    }

    private ResponseEntity<?> tooLarge() {
        return refused(HttpStatus.CONTENT_TOO_LARGE, "Body too large", "The body may be at most "
                + props.maxBodyBytes() + " bytes.", Map.of());
    }

    private ResponseEntity<?> unauthorized(String detail) {
        return refused(HttpStatus.UNAUTHORIZED, "Unauthorized", detail, Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer"));
    }

    private ResponseEntity<?> refused(HttpStatus status, String title, String detail, Map<String, String> headers) {
        meters.counter("aof.webhook.requests", "outcome", String.valueOf(status.value())).increment();
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        p.setType(URI.create("https://aof.dev/problems/" + title.toLowerCase().replace(' ', '-')));
        ResponseEntity.BodyBuilder b = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        headers.forEach(b::header);
        return b.body(p);
    }
}
