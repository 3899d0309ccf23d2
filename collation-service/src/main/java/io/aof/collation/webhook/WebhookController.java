package io.aof.collation.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.aof.collation.CollationProperties;
import io.aof.collation.triage.FailureCollector;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.messaging.AofProperties;
import io.aof.common.ops.BoundedBody;
import io.aof.common.ops.Signature;
import io.aof.common.text.ExternalText;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The intake for recipes that push their own failures from an On-error block.
 * In order: a size limit (413); authentication (401) by a bearer token or by an
 * HMAC-SHA256 signature of the raw body with a timestamp (a signature older than
 * 5 minutes is a replay), each credential belonging to one configured source
 * ({@link CollationProperties.Source}); that source's per-minute budget (429);
 * the JSON body against its schema (400: also a body that is not valid UTF-8, or
 * nested deeper than {@value #MAX_NESTING} levels); then an optional idempotency
 * key ({@code X-Idempotency-Key}, or {@code X-Workato-Dedup} as Workato's gateway
 * names it). Texts are cleaned and capped by {@link ExternalText} before anything
 * else sees them (a NUL character would make PostgreSQL refuse the incident).
 *
 * <p>Budgets are per source, not per client address: Workato's egress addresses
 * are shared by many workspaces. A request that fails authentication spends no
 * source's budget; it spends its client address's budget of refused requests
 * ({@code refused-per-address-per-minute}), and an address over that budget gets
 * 429 for requests it does not authenticate with a bearer token: comparing
 * tokens is cheap, but a signed request would cost one HMAC over the body per
 * configured key, so none is computed for such an address until its minute is
 * over.
 *
 * <p>A failure already known (from a poll, an earlier webhook, or the same key) is
 * answered 200 "duplicate" and changes nothing. A new one is answered 202 and
 * waits in {@code webhook_pending} until {@link WebhookVerifier} has read the job
 * from Workato: the token only proves who sent the request, not that the job
 * failed, and a repeat of a succeeded job (a payment) must never follow from a
 * forged or mistaken request. The source's name travels with the failure
 * ({@link JobFailed#webhookSource()}) into the incident and the event log.
 * Nothing is stored or published for a refused request, and every refusal is an
 * RFC 9457 problem detail that never echoes a credential.
 */
@RestController
public class WebhookController {

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

    /** The {@code source} tag of a request no source authenticated (configured names are the only others). */
    static final String NO_SOURCE = CollationProperties.Webhook.RESERVED_NAME;
    private static final java.util.regex.Pattern SIGNATURE = java.util.regex.Pattern.compile("sha256=[0-9a-f]{64}");

    private static final Logger log = LoggerFactory.getLogger(WebhookController.class);

    private final FailureCollector collector;
    private final TransactionTemplate tx;
    private final WebhookPendingStore pending;
    private final Validator validator;
    private final CollationProperties.Webhook props;
    private final String workspace;
    private final MeterRegistry meters;
    /** SHA-256 of each bearer token, with its source: compared digest to digest, so no length leaks. */
    private final List<Credential> tokens = new ArrayList<>();
    /** Each HMAC key, with its source. */
    private final List<Credential> hmacSecrets = new ArrayList<>();
    /** Each source's per-minute budget, by name. */
    private final Map<String, RateLimiter> budgets = new LinkedHashMap<>();
    private final RefusedBudget refused;
    private final java.time.Clock clock;

    private record Credential(byte[] value, String source) {
    }

    public WebhookController(FailureCollector collector, TransactionTemplate tx, WebhookPendingStore pending,
                      Validator validator, CollationProperties props, AofProperties aof, MeterRegistry meters,
                      java.time.Clock clock) {
        this.clock = clock;
        this.collector = collector;
        this.tx = tx;
        this.pending = pending;
        this.validator = validator;
        this.props = props.webhook();
        this.workspace = aof.workspace();
        this.meters = meters;
        for (CollationProperties.Source source : this.props.effectiveSources()) {
            source.tokens().forEach(t -> tokens.add(new Credential(sha256(t), source.name())));
            source.hmacSecrets().forEach(k -> hmacSecrets.add(new Credential(k.getBytes(StandardCharsets.UTF_8),
                    source.name())));
            budgets.put(source.name(), RateLimiter.of("webhook-source-" + source.name(), RateLimiterConfig.custom()
                    .limitForPeriod(this.props.perMinuteOf(source)).limitRefreshPeriod(Duration.ofMinutes(1))
                    .timeoutDuration(Duration.ZERO).build()));
            for (String outcome : List.of("accepted", "duplicate", "invalid")) {   // published from the start
                meters.counter("aof.webhook.batch.items", "outcome", outcome, "source", source.name());
            }
        }
        this.refused = new RefusedBudget(this.props.refusedPerAddressPerMinute(), Duration.ofMinutes(1),
                RefusedBudget.MAX_ADDRESSES);
        log.info("Webhook intake: {}", budgets.isEmpty() ? "no source configured, answers 503"
                : "sources " + budgets.keySet());
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
    public ResponseEntity<?> receive(HttpServletRequest request) throws IOException {
        // read on past max-body-bytes only for a batch (the first character other than white space is '[')
        byte[] raw = BoundedBody.read(request.getContentLengthLong(), request.getInputStream(), props.maxBodyBytes(),
                props.maxBatchBodyBytes(), WebhookController::isArray).orElse(null);
        if (raw == null) {
            return tooLarge();
        }
        boolean batch = isArray(raw);
        if (budgets.isEmpty()) {
            return refused(NO_SOURCE, HttpStatus.SERVICE_UNAVAILABLE, "Webhook intake disabled", "No webhook "
                    + "credential is configured: set aof.collation.webhook.sources (or AOF_WEBHOOK_TOKEN or "
                    + "AOF_WEBHOOK_HMAC_SECRET) on the collation service.", Map.of());
        }
        Authenticated who = authenticate(request, raw);
        if (who.refusal() != null) {
            return who.refusal();
        }
        String source = who.source();
        if (batch) {
            return receiveBatch(request, raw, source);
        }
        if (!budgets.get(source).acquirePermission()) {
            return overBudget(source, 1);
        }
        if (!isUtf8(raw)) {
            return notUtf8(source);
        }
        JobFailureWebhook body;
        try {
            body = BODY.readValue(raw, JobFailureWebhook.class);
        } catch (JacksonException e) {
            return refused(source, HttpStatus.BAD_REQUEST, "Malformed body", "The body is not a valid job failure: "
                    + e.getOriginalMessage(), Map.of());
        }
        if (body == null) {
            return refused(source, HttpStatus.BAD_REQUEST, "Malformed body", "The body is empty.", Map.of());
        }
        Checked item = check(body, source);
        if (item.errors() != null) {
            return refused(source, HttpStatus.BAD_REQUEST, "Invalid body", item.errors(), Map.of());
        }
        String key = idempotencyKey(request);
        JobFailed failure = item.failure();
        String payload = EventCodec.encode(failure);
        Boolean fresh = tx.execute(status -> {
            if (key != null && !pending.rememberKey(key, failure.jobId(), failure.incidentId())) {
                return false;
            }
            if (collector.isCollected(failure.jobId())) {
                collector.countDuplicate(JobFailed.CollectionSource.WEBHOOK);
                return false;
            }
            return pending.accept(failure.jobId(), failure.recipeId(), failure.masterJobId(), payload,
                    props.verifyDelay());
        });
        meters.counter("aof.webhook.requests", "outcome", Boolean.TRUE.equals(fresh) ? "accepted" : "duplicate",
                "source", source).increment();
        if (Boolean.TRUE.equals(fresh)) {
            log.info("Webhook from source {}: job {} of recipe {} accepted, pending verification (incident {})",
                    source, failure.jobId(), failure.recipeId(), failure.incidentId());
        } else {
            log.debug("Webhook from source {}: job {} of recipe {} already known", source, failure.jobId(),
                    failure.recipeId());
        }
        Answer answer = new Answer(failure.incidentId(), failure.jobId(), source,
                Boolean.TRUE.equals(fresh) ? "accepted" : "duplicate", Boolean.TRUE.equals(fresh) ? "pending" : null);
        return Boolean.TRUE.equals(fresh) ? ResponseEntity.accepted().body(answer) : ResponseEntity.ok(answer);
    }

    /**
     * A batch: a JSON array of up to {@code max-batch-items} failures, each in the
     * single form, stored in one transaction. The source's budget is spent one per
     * failure, all or nothing. Each item is checked on its own: an invalid one is
     * answered in its place in {@code results} and stops none of the others.
     * Answered 207 when some item is invalid, else 202 when some item was
     * accepted, else 200 (all known already). Items are deduplicated by job id, so
     * a batch sent again changes nothing and its fixed items are taken; an
     * idempotency key is not used for a batch.
     */
    private ResponseEntity<?> receiveBatch(HttpServletRequest request, byte[] raw, String source) {
        // a batch refused before it is counted costs its source one failure's budget, as a single refused
        // failure does; a counted batch costs one per item, all or nothing
        if (!isUtf8(raw)) {
            budgets.get(source).acquirePermission();
            return notUtf8(source);
        }
        JsonNode tree;
        try {
            tree = BODY.readTree(raw);
        } catch (JacksonException e) {
            budgets.get(source).acquirePermission();
            return refused(source, HttpStatus.BAD_REQUEST, "Malformed body", "The body is not a valid batch of job "
                    + "failures (a JSON array of objects): " + e.getOriginalMessage(), Map.of());
        }
        if (tree == null || !tree.isArray() || tree.isEmpty()) {
            budgets.get(source).acquirePermission();
            return refused(source, HttpStatus.BAD_REQUEST, "Malformed body", "A batch is a JSON array of at least "
                    + "one job failure.", Map.of());
        }
        int n = tree.size();
        if (n > props.maxBatchItems()) {
            budgets.get(source).acquirePermission();
            return refused(source, HttpStatus.BAD_REQUEST, "Batch too large", "A batch may hold at most "
                    + props.maxBatchItems() + " failures; this one holds " + n + ": send it in smaller batches.",
                    Map.of());
        }
        if (n > perMinute(source)) {
            budgets.get(source).acquirePermission();
            return refused(source, HttpStatus.BAD_REQUEST, "Batch too large", "This batch of " + n + " failures is "
                    + "more than source '" + source + "' may send in a minute (" + perMinute(source) + "), so it "
                    + "could never pass: send smaller batches.", Map.of());
        }
        if (!budgets.get(source).acquirePermission(n)) {
            return overBudget(source, n);
        }
        List<Checked> items = new ArrayList<>(n);
        for (JsonNode element : tree) {
            if (!element.isObject()) {
                items.add(new Checked(null, "not a JSON object"));
                continue;
            }
            try {
                items.add(check(BODY.treeToValue(element, JobFailureWebhook.class), source));
            } catch (JacksonException e) {
                items.add(new Checked(null, "not a valid job failure: " + e.getOriginalMessage()));
            }
        }
        // the first item of a job is the one stored; a later item of the same job is a duplicate
        Map<String, JobFailed> distinct = new LinkedHashMap<>();
        items.stream().filter(i -> i.failure() != null).forEach(i -> distinct.putIfAbsent(i.failure().jobId(),
                i.failure()));
        // no idempotency key: every item is deduplicated by its job id (a key for the whole batch would answer a
        // resent batch whose invalid items were fixed as all duplicates, and lose the fixed ones)
        Set<String> accepted = distinct.isEmpty() ? Set.of() : tx.execute(status -> {
            Set<String> known = collector.collectedAmong(List.copyOf(distinct.keySet()));
            List<WebhookPendingStore.Arrival> arrivals = new ArrayList<>();
            distinct.values().stream().filter(f -> !known.contains(f.jobId()))
                    // in job id order: two batches with the same jobs in another order never wait on each other
                    .sorted(java.util.Comparator.comparing(JobFailed::jobId))
                    .forEach(f -> arrivals.add(new WebhookPendingStore.Arrival(f.jobId(), f.recipeId(),
                            f.masterJobId(), EventCodec.encode(f))));
            return pending.acceptAll(arrivals, props.verifyDelay());
        });
        List<ItemResult> results = new ArrayList<>(n);
        Set<String> answered = new java.util.HashSet<>();
        int fresh = 0;
        int duplicates = 0;
        int invalid = 0;
        for (int i = 0; i < n; i++) {
            Checked item = items.get(i);
            if (item.failure() == null) {
                invalid++;
                results.add(new ItemResult(i, null, null, "invalid", null, item.errors()));
            } else {
                JobFailed f = item.failure();
                boolean isNew = accepted.contains(f.jobId()) && answered.add(f.jobId());
                if (isNew) {
                    fresh++;
                } else {
                    duplicates++;
                    collector.countDuplicate(JobFailed.CollectionSource.WEBHOOK);
                }
                results.add(new ItemResult(i, f.incidentId(), f.jobId(), isNew ? "accepted" : "duplicate",
                        isNew ? "pending" : null, null));
            }
        }
        meters.counter("aof.webhook.requests", "outcome", "batch", "source", source).increment();
        meters.counter("aof.webhook.batch.items", "outcome", "accepted", "source", source).increment(fresh);
        meters.counter("aof.webhook.batch.items", "outcome", "duplicate", "source", source).increment(duplicates);
        meters.counter("aof.webhook.batch.items", "outcome", "invalid", "source", source).increment(invalid);
        log.info("Webhook batch from source {}: {} failures, {} accepted pending verification, {} already known, {} "
                + "invalid", source, n, fresh, duplicates, invalid);
        BatchAnswer answer = new BatchAnswer(source, fresh, duplicates, invalid, results);
        HttpStatus status = invalid > 0 ? HttpStatus.MULTI_STATUS : fresh > 0 ? HttpStatus.ACCEPTED : HttpStatus.OK;
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(answer);
    }

    /**
     * The answer to one failure: its incident and job, {@code status} accepted or duplicate, and
     * {@code verification} pending when accepted (absent otherwise).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Answer(@JsonProperty("incident_id") String incidentId, @JsonProperty("job_id") String jobId,
                  String source, String status, String verification) {
    }

    /** A batch's answer: its counts, and one result per item in the order sent. */
    record BatchAnswer(String source, int accepted, int duplicate, int invalid, List<ItemResult> results) {
    }

    /**
     * One batch item's result, by its index in the array: as {@link Answer} for a valid item; {@code status}
     * invalid and its {@code errors} (only) for an invalid one.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ItemResult(int index, @JsonProperty("incident_id") String incidentId, @JsonProperty("job_id") String jobId,
                      String status, String verification, String errors) {
    }

    /** One failure of a body, checked: what it reports, or why it is invalid ({@code errors}). */
    private record Checked(JobFailed failure, String errors) {
    }

    /**
     * Checks a failure as sent (an id with a control character is invalid, not repaired), then cleaned (an error
     * text made only of control characters is as empty as none).
     */
    private Checked check(JobFailureWebhook body, String source) {
        Set<ConstraintViolation<JobFailureWebhook>> violations = validator.validate(body);
        if (violations.isEmpty()) {
            body = body.sanitized();
            violations = validator.validate(body);
        }
        if (!violations.isEmpty()) {
            Set<String> errors = new TreeSet<>();
            violations.forEach(v -> errors.add(jsonName(v.getPropertyPath().toString()) + ": " + v.getMessage()));
            return new Checked(null, String.join("; ", errors));
        }
        return new Checked(JobFailed.of(workspace, body.recipeId(), body.recipeName(), body.folderId(), body.jobId(),
                body.masterJobId(), body.error(), body.errorType(), body.httpStatus(), body.startedAt(),
                body.completedAt() != null ? body.completedAt() : clock.instant(),
                JobFailed.CollectionSource.WEBHOOK, source), null);
    }

    /** Whether the body is a JSON array (its first character other than white space is '['). */
    private static boolean isArray(byte[] raw) {
        for (byte b : raw) {
            if (b == '[') {
                return true;
            }
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                return false;
            }
        }
        return false;
    }

    private ResponseEntity<?> overBudget(String source, int failures) {
        log.debug("Webhook source {} over its budget of {} a minute: 429", source, perMinute(source));
        return refused(source, HttpStatus.TOO_MANY_REQUESTS, "Too many requests", "Source '" + source
                + "' sent more than " + perMinute(source) + " failures in a minute" + (failures > 1 ? " (this batch "
                + "holds " + failures + ")" : "") + ".", Map.of(HttpHeaders.RETRY_AFTER, "60"));
    }

    private ResponseEntity<?> notUtf8(String source) {
        return refused(source, HttpStatus.BAD_REQUEST, "Invalid encoding", "The body is not valid UTF-8: send JSON "
                + "encoded as UTF-8 (RFC 8259).", Map.of());
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

    /** Who sent the request (a configured source's name), or why it is refused. */
    private record Authenticated(String source, ResponseEntity<?> refusal) {
    }

    /**
     * Bearer token, or HMAC-SHA256 over {@code timestamp + "." + raw body}, tried
     * against every source's credentials; tokens compared as SHA-256 digests and
     * signatures in constant time, neither ever echoed back. A refusal spends the
     * client address's budget of refused requests, never a source's.
     */
    private Authenticated authenticate(HttpServletRequest request, byte[] raw) {
        String address = request.getRemoteAddr();
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.startsWith("Bearer ") && !tokens.isEmpty()) {
            byte[] presented = sha256(authorization.substring(7).strip());
            String match = null;
            for (Credential c : tokens) {   // all of them: the time does not say which one matched
                if (MessageDigest.isEqual(c.value(), presented) && match == null) {
                    match = c.source();
                }
            }
            if (match != null) {
                return new Authenticated(match, null);
            }
        }
        String signature = request.getHeader(SIGNATURE_HEADER);
        String timestamp = request.getHeader(TIMESTAMP_HEADER);
        if (!hmacSecrets.isEmpty() && signature != null && timestamp != null) {
            // verified whatever this address refused before: behind a proxy or Workato's shared egress, many
            // callers share an address, and a flood of wrong credentials must not lock a real source out
            long seconds;
            try {
                seconds = Long.parseLong(timestamp.strip());
            } catch (NumberFormatException e) {
                return unauthorized(address, "X-AOF-Timestamp must be Unix seconds.");
            }
            Duration age = Duration.between(Instant.ofEpochSecond(seconds), clock.instant()).abs();
            if (age.compareTo(props.maxSignatureAge()) > 0) {
                return unauthorized(address, "The signature is older than " + props.maxSignatureAge().toMinutes()
                        + " minutes (or from the future): refused as a replay.");
            }
            String presented = signature.strip().toLowerCase(Locale.ROOT);
            if (SIGNATURE.matcher(presented).matches()) {   // anything else cannot match: no HMAC for it
                byte[] sent = presented.getBytes(StandardCharsets.UTF_8);
                for (Credential k : hmacSecrets) {
                    byte[] expected = Signature.of(k.value(), timestamp.strip(), raw).getBytes(StandardCharsets.UTF_8);
                    if (MessageDigest.isEqual(expected, sent)) {
                        return new Authenticated(k.source(), null);
                    }
                }
            }
            return unauthorized(address, "The signature does not match the body.");
        }
        return unauthorized(address, "Send 'Authorization: Bearer <token>', or X-AOF-Timestamp and X-AOF-Signature.");
    }

    /** 401, or 429 once this address has sent more refused requests this minute than it may. */
    private Authenticated unauthorized(String address, String detail) {
        if (!refused.spend(address)) {
            return tooManyRefused(address);
        }
        log.debug("Webhook from {} refused: {}", address, detail);
        return new Authenticated(null, refused(NO_SOURCE, HttpStatus.UNAUTHORIZED, "Unauthorized", detail,
                Map.of(HttpHeaders.WWW_AUTHENTICATE, "Bearer")));
    }

    private Authenticated tooManyRefused(String address) {
        log.debug("Webhook from {} refused: over its budget of refused requests", address);
        return new Authenticated(null, refused(NO_SOURCE, HttpStatus.TOO_MANY_REQUESTS, "Too many requests",
                "This address sent more than " + props.refusedPerAddressPerMinute() + " requests with wrong or no "
                        + "credentials in a minute.", Map.of(HttpHeaders.RETRY_AFTER, "60")));
    }

    private int perMinute(String source) {
        return budgets.get(source).getRateLimiterConfig().getLimitForPeriod();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
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

    private static String jsonName(String property) {
        return property.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
    }

    private ResponseEntity<?> tooLarge() {
        return refused(NO_SOURCE, HttpStatus.CONTENT_TOO_LARGE, "Body too large", "The body may be at most "
                + props.maxBodyBytes() + " bytes for one failure, " + props.maxBatchBodyBytes() + " for a batch "
                + "(a JSON array).", Map.of());
    }

    private ResponseEntity<?> refused(String source, HttpStatus status, String title, String detail,
                                      Map<String, String> headers) {
        meters.counter("aof.webhook.requests", "outcome", String.valueOf(status.value()), "source", source)
                .increment();
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        p.setType(URI.create("https://aof.dev/problems/" + title.toLowerCase().replace(' ', '-')));
        ResponseEntity.BodyBuilder b = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        headers.forEach(b::header);
        return b.body(p);
    }
}
