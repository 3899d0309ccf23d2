package io.aof.orchestrator.policy;

import io.aof.common.events.NotificationRequested.Severity;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code aof.orchestrator.*}: the categorization rules and retry policies, as
 * data. Rules are tried by error type first, then HTTP status, then message;
 * nothing matching means {@code UNKNOWN}. A category's policy overrides the
 * default policy field by field.
 */
@ConfigurationProperties("aof.orchestrator")
public record OrchestratorProperties(
        @DefaultValue("1s") Duration schedulerInterval,
        @DefaultValue List<CategoryRule> categories,
        @DefaultValue Policies policies) {

    /**
     * @param category   the category this rule assigns
     * @param errorType  regex on Workato's {@code error_type_id}
     * @param httpStatus HTTP statuses of the failed step
     * @param message    regex found anywhere in the error message
     */
    public record CategoryRule(String category, String errorType, List<Integer> httpStatus, String message) {
    }

    public record Policies(@DefaultValue PolicySpec defaults, @DefaultValue Map<String, PolicySpec> categories) {
    }

    /**
     * A retry policy in Temporal's words; any null field falls back to the default policy.
     *
     * @param retryable    whether incidents of the category are repeated at all
     * @param maxAttempts  maximum number of repeats
     * @param initialDelay delay before the first repeat
     * @param multiplier   growth of the delay per attempt
     * @param maxDelay     cap of the delay
     * @param jitter       extra random share (0..1) added to each delay, still capped
     * @param severity     severity of the alerts
     * @param escalate     whether an exhausted or non-retryable incident also goes to the super admin
     */
    public record PolicySpec(Boolean retryable, Integer maxAttempts, Duration initialDelay, Double multiplier,
                             Duration maxDelay, Double jitter, Severity severity, Boolean escalate) {
    }
}
