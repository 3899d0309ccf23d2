package io.aof.collation;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.aof.common.events.JobFailed;
import io.aof.common.messaging.AofProperties;
import jakarta.validation.Valid;
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
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;

/**
 * The intake for recipes that push their own failures from an On-error block.
 * Authenticated by a shared bearer token; the body is validated; a failure
 * already known (from a poll or an earlier webhook) is accepted again without
 * effect. Nothing is stored or published for a refused request.
 */
@RestController
class WebhookController {

    private final FailureCollector collector;
    private final TransactionTemplate tx;
    private final CollationProperties props;
    private final String workspace;

    WebhookController(FailureCollector collector, TransactionTemplate tx, CollationProperties props,
                      AofProperties aof) {
        this.collector = collector;
        this.tx = tx;
        this.props = props;
        this.workspace = aof.workspace();
    }

    /** The webhook body, in Workato's snake_case. */
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
    }

    @PostMapping(path = "/api/webhooks/job-failures", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> receive(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                              @Valid @RequestBody JobFailureWebhook body) {
        ResponseEntity<ProblemDetail> refused = authenticate(authorization);
        if (refused != null) {
            return refused;
        }
        JobFailed failure = JobFailed.of(workspace, body.recipeId(), body.recipeName(), body.folderId(), body.jobId(),
                body.masterJobId(), body.error(), body.errorType(), body.httpStatus(), body.startedAt(),
                body.completedAt() != null ? body.completedAt() : Instant.now(), JobFailed.CollectionSource.WEBHOOK);
        Boolean fresh = tx.execute(status -> collector.collect(failure));
        Map<String, Object> answer = Map.of("incident_id", failure.incidentId(), "job_id", failure.jobId(),
                "status", Boolean.TRUE.equals(fresh) ? "accepted" : "duplicate");
        return Boolean.TRUE.equals(fresh) ? ResponseEntity.accepted().body(answer) : ResponseEntity.ok(answer);
    }

    /**
     * Checked after the body is read so a bad body is a 400 either way; the token
     * check itself is constant-time and never echoes what was sent.
     */
    private ResponseEntity<ProblemDetail> authenticate(String authorization) {
        String expected = props.webhook().token();
        if (expected.isEmpty()) {
            return problem(HttpStatus.SERVICE_UNAVAILABLE, "Webhook intake disabled",
                    "No webhook token is configured: set AOF_WEBHOOK_TOKEN on the collation service.");
        }
        String given = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : "";
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                    .body(problemBody(HttpStatus.UNAUTHORIZED, "Unauthorized",
                            "A valid bearer token is required in the Authorization header."));
        }
        return null;
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, String detail) {
        return ResponseEntity.status(status).body(problemBody(status, title, detail));
    }

    private static ProblemDetail problemBody(HttpStatus status, String title, String detail) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        p.setType(URI.create("https://aof.dev/problems/" + title.toLowerCase().replace(' ', '-')));
        return p;
    }
}
