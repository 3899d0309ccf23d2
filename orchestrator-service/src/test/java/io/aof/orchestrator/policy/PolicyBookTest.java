package io.aof.orchestrator.policy;

import io.aof.common.events.NotificationRequested.Severity;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyBookTest {

    private static final PolicyBook SHIPPED = new PolicyBook(ShippedConfig.load().policies());

    @Test
    void defaultsFollowTheSeedAndCategoriesOverrideFieldByField() {
        RetryPolicy timeout = SHIPPED.forCategory(Category.TIMEOUT);
        assertThat(timeout.retryable()).isTrue();
        assertThat(timeout.maxAttempts()).isEqualTo(5);
        assertThat(timeout.initialDelay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(timeout.maxDelay()).isEqualTo(Duration.ofMinutes(10));

        RetryPolicy auth = SHIPPED.forCategory(Category.AUTH);
        assertThat(auth.retryable()).isFalse();
        assertThat(auth.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(auth.maxAttempts()).isEqualTo(5);
    }

    @RepeatedTest(20)
    void delaysAreFiveToTenMinutesGrowingWithJitterAndCapped() {
        RetryPolicy p = SHIPPED.forCategory(Category.UPSTREAM_5XX);
        Random random = new Random();
        Duration first = p.delayBefore(1, random);
        assertThat(first).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(6));
        for (int attempt = 2; attempt <= 5; attempt++) {
            assertThat(p.delayBefore(attempt, random)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(10));
        }
        assertThat(p.delayBefore(2, random)).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void anImpossiblePolicyStopsStartWithTheKey() {
        var spec = new OrchestratorProperties.PolicySpec(null, -1, null, null, null, null, null, null);
        var empty = new OrchestratorProperties.PolicySpec(null, null, null, null, null, null, null, null);
        assertThatThrownBy(() -> new PolicyBook(new OrchestratorProperties.Policies(empty, Map.of("TIMEOUT", spec))))
                .hasMessageContaining("aof.orchestrator.policies.categories.TIMEOUT.max-attempts");
        assertThatThrownBy(() -> new PolicyBook(new OrchestratorProperties.Policies(empty, Map.of("SLOW", empty))))
                .hasMessageContaining("aof.orchestrator.policies.categories.SLOW");
        var inverted = new OrchestratorProperties.PolicySpec(null, null, Duration.ofMinutes(20), null,
                Duration.ofMinutes(10), null, null, null);
        assertThatThrownBy(() -> new PolicyBook(new OrchestratorProperties.Policies(inverted, Map.of())))
                .hasMessageContaining("aof.orchestrator.policies.defaults.max-delay");
    }
}
