package io.aof.orchestrator.policy;

import io.aof.common.events.NotificationRequested.Severity;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The retry policy of each category: the default policy, overridden field by
 * field per category. Checked at start: an unknown category or an impossible
 * number stops the service with a message naming the key.
 */
public class PolicyBook {

    private final Map<Category, RetryPolicy> byCategory = new EnumMap<>(Category.class);

    public PolicyBook(OrchestratorProperties.Policies config) {
        OrchestratorProperties.PolicySpec d = config.defaults();
        RetryPolicy defaults = new RetryPolicy(
                or(d.retryable(), true), or(d.maxAttempts(), 5), or(d.initialDelay(), Duration.ofMinutes(5)),
                or(d.multiplier(), 2.0), or(d.maxDelay(), Duration.ofMinutes(10)), or(d.jitter(), 0.2),
                or(d.severity(), Severity.WARNING), or(d.escalate(), true));
        validate("aof.orchestrator.policies.defaults", defaults);
        for (Category c : Category.values()) {
            byCategory.put(c, defaults);
        }
        config.categories().forEach((name, spec) -> {
            String key = "aof.orchestrator.policies.categories." + name;
            Category category;
            try {
                category = Category.valueOf(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(key + ": '" + name + "' is not a category; known: "
                        + List.of(Category.values()));
            }
            RetryPolicy p = new RetryPolicy(or(spec.retryable(), defaults.retryable()),
                    or(spec.maxAttempts(), defaults.maxAttempts()), or(spec.initialDelay(), defaults.initialDelay()),
                    or(spec.multiplier(), defaults.multiplier()), or(spec.maxDelay(), defaults.maxDelay()),
                    or(spec.jitter(), defaults.jitter()), or(spec.severity(), defaults.severity()),
                    or(spec.escalate(), defaults.escalate()));
            validate(key, p);
            byCategory.put(category, p);
        });
    }

    public RetryPolicy forCategory(Category category) {
        return byCategory.get(category);
    }

    public Map<Category, RetryPolicy> all() {
        return Map.copyOf(byCategory);
    }

    private static void validate(String key, RetryPolicy p) {
        if (p.maxAttempts() < 0 || p.maxAttempts() > 100) {
            throw new IllegalStateException(key + ".max-attempts must be between 0 and 100, was " + p.maxAttempts());
        }
        if (p.multiplier() < 1.0) {
            throw new IllegalStateException(key + ".multiplier must be at least 1.0, was " + p.multiplier());
        }
        if (p.jitter() < 0 || p.jitter() > 1) {
            throw new IllegalStateException(key + ".jitter must be between 0 and 1, was " + p.jitter());
        }
        if (p.initialDelay().isNegative() || p.maxDelay().compareTo(p.initialDelay()) < 0) {
            throw new IllegalStateException(key + ".max-delay (" + p.maxDelay() + ") must not be below "
                    + "initial-delay (" + p.initialDelay() + ")");
        }
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
