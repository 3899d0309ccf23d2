package io.aof.orchestrator.policy;

import io.aof.common.events.Category;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.orchestrator.policy.OrchestratorProperties.NotifyWhen;
import io.aof.orchestrator.policy.OrchestratorProperties.Override;
import io.aof.orchestrator.policy.OrchestratorProperties.Policies;
import io.aof.orchestrator.policy.OrchestratorProperties.PolicySpec;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicyBookTest {

    private static final PolicyBook SHIPPED = new PolicyBook(ShippedConfig.load().policies());

    private static PolicySpec spec() {
        return new PolicySpec(null, null, null, null, null, null, null, null, null, null);
    }

    private static PolicySpec attempts(int n) {
        return new PolicySpec(null, n, null, null, null, null, null, null, null, null);
    }

    @Test
    void shippedDefaultsFollowTheSeedAndCategoriesOverrideFieldByField() {
        RetryPolicy timeout = SHIPPED.forCategory(Category.TIMEOUT);
        assertThat(timeout.retryable()).isTrue();
        assertThat(timeout.maxAttempts()).isEqualTo(5);
        assertThat(timeout.initialDelay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(timeout.maxDelay()).isEqualTo(Duration.ofMinutes(10));
        assertThat(timeout.notifyOps()).isEqualTo(NotifyWhen.FIRST_AND_FINAL);
        assertThat(timeout.escalate()).isTrue();

        RetryPolicy auth = SHIPPED.forCategory(Category.AUTH);
        assertThat(auth.retryable()).isFalse();
        assertThat(auth.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(auth.maxAttempts()).isEqualTo(5);
    }

    @Test
    void mostSpecificWinsFieldByField_recipeOverFolderOverNameOverCategoryOverDefaults() {
        PolicyBook book = new PolicyBook(new Policies(spec(),
                Map.of("TIMEOUT", new PolicySpec(null, 4, Duration.ofMinutes(1), null, null, null, null, null, null, null)),
                List.of(
                        new Override(List.of(1913L), null, null, null, attempts(1)),
                        new Override(null, List.of(77L), null, null,
                                new PolicySpec(null, 2, null, null, null, null, Severity.CRITICAL, null, null, null)),
                        new Override(null, null, "(?i).*invoice.*", null,
                                new PolicySpec(null, 3, null, null, null, null, null, NotifyWhen.FINAL_ONLY, null, null)),
                        new Override(null, List.of(88L), null, List.of("AUTH"),
                                new PolicySpec(true, null, null, null, null, null, null, null, null, null)))));

        RetryPolicy defaults = book.resolve(Category.UNKNOWN, 1L, null, "Orders");
        assertThat(defaults.maxAttempts()).isEqualTo(5);
        assertThat(defaults.source()).isEqualTo("defaults");

        RetryPolicy category = book.resolve(Category.TIMEOUT, 1L, null, "Orders");
        assertThat(category.maxAttempts()).isEqualTo(4);
        assertThat(category.initialDelay()).isEqualTo(Duration.ofMinutes(1));

        RetryPolicy byName = book.resolve(Category.TIMEOUT, 1L, null, "Nightly INVOICE export");
        assertThat(byName.maxAttempts()).isEqualTo(3);
        assertThat(byName.initialDelay()).isEqualTo(Duration.ofMinutes(1));   // from the category
        assertThat(byName.notifyOps()).isEqualTo(NotifyWhen.FINAL_ONLY);

        RetryPolicy byFolder = book.resolve(Category.TIMEOUT, 1L, 77L, "Nightly invoice export");
        assertThat(byFolder.maxAttempts()).isEqualTo(2);
        assertThat(byFolder.notifyOps()).isEqualTo(NotifyWhen.FINAL_ONLY);   // from the name override
        assertThat(byFolder.severity()).isEqualTo(Severity.CRITICAL);

        RetryPolicy byRecipe = book.resolve(Category.TIMEOUT, 1913L, 77L, "Nightly invoice export");
        assertThat(byRecipe.maxAttempts()).isEqualTo(1);
        assertThat(byRecipe.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(byRecipe.source()).contains("defaults", "category TIMEOUT", "overrides[0]", "overrides[1]",
                "overrides[2]");

        assertThat(book.resolve(Category.AUTH, 1L, 88L, "x").retryable()).isTrue();
        assertThat(book.resolve(Category.TIMEOUT, 1L, 88L, "x").maxAttempts()).isEqualTo(4);
    }

    @RepeatedTest(20)
    void delaysAreFiveToTenMinutesGrowingWithJitterAndCapped() {
        RetryPolicy p = SHIPPED.forCategory(Category.UPSTREAM_5XX);
        Random random = new Random();
        assertThat(p.delayBefore(1, random)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(6));
        for (int attempt = 2; attempt <= 5; attempt++) {
            assertThat(p.delayBefore(attempt, random)).isBetween(Duration.ofMinutes(5), Duration.ofMinutes(10));
        }
        assertThat(p.delayBefore(2, random)).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void anImpossiblePolicyStopsStartWithTheKey() {
        assertThatThrownBy(() -> new PolicyBook(new Policies(spec(), Map.of("TIMEOUT", attempts(-1)), List.of())))
                .hasMessageContaining("aof.orchestrator.policies.categories.TIMEOUT.max-attempts");
        assertThatThrownBy(() -> new PolicyBook(new Policies(spec(), Map.of("SLOW", spec()), List.of())))
                .hasMessageContaining("aof.orchestrator.policies.categories.SLOW");
        var inverted = new PolicySpec(null, null, Duration.ofMinutes(20), null, Duration.ofMinutes(10), null, null,
                null, null, null);
        assertThatThrownBy(() -> new PolicyBook(new Policies(inverted, Map.of(), List.of())))
                .hasMessageContaining("aof.orchestrator.policies.defaults.max-delay");
        assertThatThrownBy(() -> new PolicyBook(new Policies(spec(), Map.of(),
                List.of(new Override(List.of(1L), List.of(2L), null, null, attempts(1))))))
                .hasMessageContaining("aof.orchestrator.policies.overrides[0]").hasMessageContaining("exactly one");
        assertThatThrownBy(() -> new PolicyBook(new Policies(spec(), Map.of(),
                List.of(new Override(null, null, "(", null, attempts(1))))))
                .hasMessageContaining("aof.orchestrator.policies.overrides[0].recipe-name");
        assertThatThrownBy(() -> new PolicyBook(new Policies(spec(), Map.of(),
                List.of(new Override(List.of(1L), null, null, List.of("NOPE"), attempts(1))))))
                .hasMessageContaining("aof.orchestrator.policies.overrides[0].categories[0]");
        assertThatThrownBy(() -> new PolicyBook(new Policies(spec(), Map.of(),
                List.of(new Override(List.of(1L), null, null, null, attempts(500))))))
                .hasMessageContaining("aof.orchestrator.policies.overrides[0].max-attempts");
    }
}
