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
 * nothing matching means {@code UNKNOWN}. A policy is resolved field by field
 * from the least to the most specific: defaults, the category's policy, then
 * the overrides matching the recipe's name pattern, its folder, its id.
 */
@ConfigurationProperties("aof.orchestrator")
public record OrchestratorProperties(
        @DefaultValue("1s") Duration schedulerInterval,
        @DefaultValue List<CategoryRule> categories,
        @DefaultValue Policies policies,
        @DefaultValue OutcomeSweep outcomeSweep,
        @DefaultValue("30s") Duration suppressionReleaseInterval) {

    public OrchestratorProperties {
        if (suppressionReleaseInterval.isNegative() || suppressionReleaseInterval.isZero()) {
            throw new IllegalArgumentException("aof.orchestrator.suppression-release-interval must be positive, was "
                    + suppressionReleaseInterval);
        }
    }

    /**
     * Settling incidents left {@code RETRYING}: when recovery has shown no sign of
     * an attempt (requested, accepted, deferred) for {@code deadline}, the
     * orchestrator asks it for the outcome ({@code OutcomeRequested}), at most
     * once per {@code askInterval}; after {@code maxAsks} unanswered asks it
     * exhausts the incident (never repeats it) and alerts.
     *
     * @param interval    how often the sweep runs
     * @param deadline    silence after which an attempt counts as overdue: recovery's
     *                    {@code aof.recovery.outcome-deadline} (30m) plus a margin (15m)
     * @param askInterval least time between two asks about one attempt
     * @param maxAsks     unanswered asks before the orchestrator gives up on the attempt
     */
    public record OutcomeSweep(@DefaultValue("1m") Duration interval, @DefaultValue("45m") Duration deadline,
                               @DefaultValue("10m") Duration askInterval, @DefaultValue("6") int maxAsks) {

        public OutcomeSweep {
            String key = "aof.orchestrator.outcome-sweep.";
            for (var d : new Object[][] {{"interval", interval}, {"deadline", deadline}, {"ask-interval", askInterval}}) {
                Duration v = (Duration) d[1];
                if (v == null || v.isNegative() || v.isZero()) {
                    throw new IllegalArgumentException(key + d[0] + " must be positive, was " + v);
                }
            }
            if (maxAsks < 1 || maxAsks > 100) {
                throw new IllegalArgumentException(key + "max-asks must be between 1 and 100, was " + maxAsks);
            }
        }
    }

    /**
     * @param category   the category this rule assigns
     * @param errorType  regex on Workato's {@code error_type_id} (whole match)
     * @param httpStatus HTTP statuses of the failed step
     * @param message    regex found anywhere in the error message
     */
    public record CategoryRule(String category, String errorType, List<Integer> httpStatus, String message) {
    }

    /**
     * @param defaults   the policy of everything
     * @param categories per category, over the defaults
     * @param overrides  per recipe id, folder id or recipe-name pattern, over the category's policy
     */
    public record Policies(@DefaultValue PolicySpec defaults, @DefaultValue Map<String, PolicySpec> categories,
                           @DefaultValue List<Override> overrides) {
    }

    /**
     * An override applies to a recipe when exactly one of {@code recipeIds},
     * {@code folderIds} or {@code recipeName} (a regex on the whole name) is given
     * and matches, and, when {@code categories} is given, the incident's category
     * is one of them.
     */
    public record Override(List<Long> recipeIds, List<Long> folderIds, String recipeName, List<String> categories,
                           PolicySpec policy) {
    }

    /**
     * A retry policy in Temporal's words; any null field comes from the less specific level.
     *
     * @param retryable    whether incidents are repeated at all
     * @param maxAttempts  maximum number of repeats
     * @param initialDelay delay before the first repeat
     * @param multiplier   growth of the delay per attempt
     * @param maxDelay     cap of the delay
     * @param jitter       extra random share (0..1) added to each delay, still capped
     * @param severity     severity of the alerts
     * @param notifyOps    when the ops channel is told
     * @param escalate     whether an exhausted or non-retryable incident also goes to the super admin
     * @param afterSuppression what happens to a failure kept during a maintenance window when it ends
     */
    public record PolicySpec(Boolean retryable, Integer maxAttempts, Duration initialDelay, Double multiplier,
                             Duration maxDelay, Double jitter, Severity severity, NotifyWhen notifyOps,
                             Boolean escalate, AfterSuppression afterSuppression) {
    }

    /** What happens to a failure of a suppressed recipe when its maintenance window ends. */
    public enum AfterSuppression {
        /** attempt 1 is scheduled as if the failure had just happened (still only if the policy repeats it) */
        SCHEDULE,
        /** nothing is repeated; ops are told (as not retried) and may replay it */
        ANNOUNCE
    }

    /** When the ops channel hears about an incident. */
    public enum NotifyWhen {
        /** the first failure, every failed attempt, and the end */
        EACH_ATTEMPT,
        /** the first failure and the end (recovered, exhausted) */
        FIRST_AND_FINAL,
        /** only when it ends without recovery (exhausted, non-retryable) */
        FINAL_ONLY,
        /** never (the super admin is still told when escalate is on) */
        NEVER
    }
}
