package io.aof.collation.webhook;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RefusedBudgetTest {

    final AtomicLong now = new AtomicLong(5_000_000_000L);

    @Test
    void anAddressHasItsBudgetPerWindowAndOthersTheirOwn() {
        RefusedBudget budget = new RefusedBudget(3, Duration.ofMinutes(1), 100, now::get);
        for (int i = 0; i < 3; i++) {
            assertThat(budget.exhausted("a")).isFalse();
            assertThat(budget.spend("a")).isTrue();
        }
        assertThat(budget.exhausted("a")).isTrue();
        assertThat(budget.spend("a")).isFalse();
        assertThat(budget.exhausted("b")).isFalse();
        assertThat(budget.spend("b")).isTrue();

        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertThat(budget.exhausted("a")).isFalse();
        assertThat(budget.spend("a")).isTrue();
    }

    @Test
    void atMostSoManyAddressesAreFollowedAndWindowsThatAreOverMakeRoom() {
        RefusedBudget budget = new RefusedBudget(3, Duration.ofMinutes(1), 2, now::get);
        assertThat(budget.spend("a")).isTrue();
        assertThat(budget.spend("b")).isTrue();
        // full of live windows: a new address counts as over its budget, the known ones keep theirs
        assertThat(budget.exhausted("c")).isTrue();
        assertThat(budget.spend("c")).isFalse();
        assertThat(budget.spend("a")).isTrue();
        assertThat(budget.addresses()).isEqualTo(2);

        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertThat(budget.exhausted("c")).isFalse();
        assertThat(budget.spend("c")).isTrue();
        assertThat(budget.addresses()).isEqualTo(1);
    }
}
