package io.aof.orchestrator.policy;

import io.aof.common.events.Category;
import io.aof.common.events.EventCodec;
import io.aof.common.ops.BoundedBody;
import io.aof.common.ops.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The policies in force, and a dry run: for this recipe and this error, what would AOF do? */
@RestController
@Tag(name = "policies", description = "Categories and retry policies")
public class PolicyController {

    private final Categorizer categorizer;
    private final PolicyBook policies;
    private final OrchestratorProperties props;

    private final Validator validator;

    PolicyController(Categorizer categorizer, PolicyBook policies, OrchestratorProperties props,
                     Validator validator) {
        this.categorizer = categorizer;
        this.policies = policies;
        this.props = props;
        this.validator = validator;
    }

    /**
     * The most a dry run's body may hold: its largest field (the error, 10,000 characters) in UTF-8 at 4 bytes a
     * character and the rest. Read up to this and no further, so a huge or endless body costs nothing.
     */
    static final int MAX_DRY_RUN_BYTES = 48 * 1024;

    @GetMapping("/api/policies")
    @Operation(summary = "The policy of each category, the overrides, and the categorization rules")
    public PolicyView policies() {
        return PolicyView.of(policies, props);
    }

    record DryRunRequest(@NotNull Long recipeId, Long folderId, @Size(max = 500) String recipeName,
                         @Size(max = 10_000) String error, @Size(max = 200) String errorType,
                         @Min(100) @Max(599) Integer httpStatus) {
    }

    @PostMapping(path = "/api/policies/dry-run", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Which category and policy apply to this failure, and what would happen (body at most "
            + MAX_DRY_RUN_BYTES + " bytes)", requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(
            required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
            schema = @Schema(implementation = DryRunRequest.class))))
    DryRun dryRun(HttpServletRequest request) throws IOException {
        DryRunRequest r = dryRunRequest(request);
        Category category = categorizer.classify(r.errorType(), r.httpStatus(), r.error());
        RetryPolicy p = policies.resolve(category, r.recipeId(), r.folderId(), r.recipeName());
        List<String> delays = new ArrayList<>();
        for (int a = 1; p.retryable() && a <= p.maxAttempts(); a++) {
            Duration shortest = p.delayBefore(a, 0.0);
            Duration longest = p.delayBefore(a, 1.0);
            delays.add("attempt " + a + " after " + human(shortest)
                    + (longest.equals(shortest) ? "" : " to " + human(longest)));
        }
        String decision = !p.retryable() || p.maxAttempts() == 0
                ? "not retried: " + category + " is not retryable; ops told: " + p.tellsOpsOnFinalFailure()
                        + ", super admin told: " + p.escalate()
                : "repeated up to " + p.maxAttempts() + " times; if all fail: exhausted, ops told: "
                        + p.tellsOpsOnFinalFailure() + ", super admin told: " + p.escalate();
        return new DryRun(category, p, decision, delays);
    }

    /** What the dry run found: the category, the policy that applies, the decision and its attempts' delays. */
    record DryRun(Category category, RetryPolicy policy, String decision, List<String> schedule) {
    }

    private DryRunRequest dryRunRequest(HttpServletRequest request) throws IOException {
        byte[] raw = BoundedBody.read(request.getContentLengthLong(), request.getInputStream(), MAX_DRY_RUN_BYTES)
                .orElseThrow(PolicyController::tooLarge);
        DryRunRequest r;
        try {
            r = EventCodec.mapper().readValue(raw, DryRunRequest.class);
        } catch (JacksonException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "not a dry run: " + e.getOriginalMessage());
        }
        if (r == null) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "a body is required");
        }
        Set<ConstraintViolation<DryRunRequest>> violations = validator.validate(r);
        if (!violations.isEmpty()) {
            Set<String> errors = new TreeSet<>();
            violations.forEach(v -> errors.add(v.getPropertyPath() + ": " + v.getMessage()));
            throw Problems.of(HttpStatus.BAD_REQUEST, String.join("; ", errors));
        }
        return r;
    }

    private static RuntimeException tooLarge() {
        return Problems.of(HttpStatus.CONTENT_TOO_LARGE, "a dry run's body may hold at most " + MAX_DRY_RUN_BYTES
                + " bytes");
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s") : s + "s";
    }
}
