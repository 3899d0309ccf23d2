package io.aof.common.ops;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * A health indicator that asks its dependency at most once per {@code ttl}:
 * probes and dashboards may poll health every second without turning that into
 * load on Kafka, Workato or Slack.
 */
public class CachedHealth implements HealthIndicator {

    private final Supplier<Health> check;
    private final Duration ttl;
    private Health last;
    private Instant at = Instant.EPOCH;

    public CachedHealth(Supplier<Health> check, Duration ttl) {
        this.check = check;
        this.ttl = ttl;
    }

    @Override
    public synchronized Health health() {
        Instant now = Instant.now();
        if (last == null || now.isAfter(at.plus(ttl))) {
            try {
                last = check.get();
            } catch (RuntimeException e) {
                last = Health.down().withDetail("error", e.toString()).build();
            }
            at = now;
        }
        return Health.status(last.getStatus()).withDetails(last.getDetails()).withDetail("checkedAt", at.toString())
                .build();
    }
}
