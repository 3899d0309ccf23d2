package io.aof.orchestrator.policy;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The policies in force, and a dry run: for this recipe and this error, what would AOF do? */
@RestController
@Tag(name = "policies", description = "Categories and retry policies")
public class PolicyController {

    private final Categorizer categorizer;
    private final PolicyBook policies;
    private final OrchestratorProperties props;

    PolicyController(Categorizer categorizer, PolicyBook policies, OrchestratorProperties props) {
        this.categorizer = categorizer;
        this.policies = policies;
        this.props = props;
    }

    @GetMapping("/api/policies")
    @Operation(summary = "The policy of each category, the overrides, and the categorization rules")
    public Map<String, Object> policies() {
        Map<String, Object> byCategory = new LinkedHashMap<>();
        for (Category c : Category.values()) {
            byCategory.put(c.name(), policies.forCategory(c));
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("categories", byCategory);
        view.put("overrides", props.policies().overrides());
        view.put("rules", props.categories());
        return view;
    }

    record DryRunRequest(@NotNull Long recipeId, Long folderId, @Size(max = 500) String recipeName,
                         @Size(max = 10_000) String error, @Size(max = 200) String errorType,
                         @Min(100) @Max(599) Integer httpStatus) {
    }

    @PostMapping("/api/policies/dry-run")
    @Operation(summary = "Which category and policy apply to this failure, and what would happen")
    Map<String, Object> dryRun(@Valid @RequestBody DryRunRequest r) {
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
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("category", category);
        view.put("policy", p);
        view.put("decision", decision);
        view.put("schedule", delays);
        return view;
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? (s / 60) + "m" + (s % 60 == 0 ? "" : (s % 60) + "s") : s + "s";
    }
}
