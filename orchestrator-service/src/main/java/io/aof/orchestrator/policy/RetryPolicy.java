package io.aof.orchestrator.policy;

import io.aof.common.events.NotificationRequested.Severity;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** A resolved policy: every field set. */
public record RetryPolicy(boolean retryable, int maxAttempts, Duration initialDelay, double multiplier,
                          Duration maxDelay, double jitter, Severity severity, boolean escalate) {

    /**
     * Delay before attempt {@code attempt} (1-based): {@code initialDelay * multiplier^(attempt-1)},
     * plus up to {@code jitter} of itself at random, never above {@code maxDelay}.
     */
    public Duration delayBefore(int attempt, RandomGenerator random) {
        double base = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, maxDelay.toMillis());
        double jittered = capped + (jitter > 0 ? random.nextDouble() * jitter * capped : 0);
        return Duration.ofMillis((long) Math.min(jittered, maxDelay.toMillis()));
    }
}
