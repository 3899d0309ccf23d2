package io.aof.common.workato;

import io.aof.common.ops.CachedHealth;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.time.Duration;
import java.time.Instant;

/**
 * Health component {@code workato}: the circuit breaker's state and the last
 * call's outcome. It costs nothing while the service calls Workato anyway; only
 * when no call went through for 5 minutes does it make one cheap read
 * ({@code GET /recipes?per_page=1}), and it answers from a 30 s cache.
 */
public class WorkatoHealth implements HealthIndicator {

    private static final Duration FRESH = Duration.ofMinutes(5);

    private final WorkatoClient client;
    private final CachedHealth cached = new CachedHealth(this::check, Duration.ofSeconds(30));

    public WorkatoHealth(WorkatoClient client) {
        this.client = client;
    }

    @Override
    public Health health() {
        return cached.health();
    }

    private Health check() {
        CircuitBreaker.State state = client.breakerState();
        Health.Builder h = state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN
                ? Health.down() : Health.up();
        h.withDetail("circuitBreaker", state.name());
        Instant last = client.lastSuccessAt();
        if (state == CircuitBreaker.State.CLOSED && (last == null || last.isBefore(client.clock().instant().minus(FRESH)))) {
            try {
                client.listRecipes(1, 1);
                last = client.lastSuccessAt();
            } catch (WorkatoApiException e) {
                h = Health.down().withDetail("circuitBreaker", client.breakerState().name());
            }
        }
        if (last != null) {
            h.withDetail("lastSuccessAt", last.toString());
        }
        if (client.lastError() != null) {
            h.withDetail("lastError", client.lastError());
        }
        return h.build();
    }
}
