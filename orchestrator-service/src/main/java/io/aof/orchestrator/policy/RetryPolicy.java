package io.aof.orchestrator.policy;

import io.aof.common.events.NotificationRequested.Severity;
import io.aof.orchestrator.policy.OrchestratorProperties.AfterSuppression;
import io.aof.orchestrator.policy.OrchestratorProperties.NotifyWhen;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** A resolved policy: every field set. {@code source} says which levels it came from, for people. */
public record RetryPolicy(boolean retryable, int maxAttempts, Duration initialDelay, double multiplier,
                          Duration maxDelay, double jitter, Severity severity, NotifyWhen notifyOps, boolean escalate,
                          AfterSuppression afterSuppression, String source) {

    /**
     * Delay before attempt {@code attempt} (1-based): {@code initialDelay * multiplier^(attempt-1)},
     * plus up to {@code jitter} of itself at random, never above {@code maxDelay}.
     */
    public Duration delayBefore(int attempt, RandomGenerator random) {
        return delayBefore(attempt, jitter > 0 ? random.nextDouble() : 0);
    }

    /**
     * The delay before attempt {@code attempt} when the jitter takes
     * {@code jitterFraction} (0..1) of its share: 0 gives the shortest possible
     * delay, 1 the longest.
     */
    public Duration delayBefore(int attempt, double jitterFraction) {
        double base = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, maxDelay.toMillis());
        double jittered = capped + jitterFraction * jitter * capped;
        return Duration.ofMillis((long) Math.min(jittered, maxDelay.toMillis()));
    }

    public boolean tellsOpsOnFirstFailure() {
        return notifyOps == NotifyWhen.EACH_ATTEMPT || notifyOps == NotifyWhen.FIRST_AND_FINAL;
    }

    public boolean tellsOpsOnEachAttempt() {
        return notifyOps == NotifyWhen.EACH_ATTEMPT;
    }

    public boolean tellsOpsOnRecovery() {
        return notifyOps == NotifyWhen.EACH_ATTEMPT || notifyOps == NotifyWhen.FIRST_AND_FINAL;
    }

    public boolean tellsOpsOnFinalFailure() {
        return notifyOps != NotifyWhen.NEVER;
    }
}
