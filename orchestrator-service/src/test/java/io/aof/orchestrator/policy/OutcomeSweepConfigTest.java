package io.aof.orchestrator.policy;

import io.aof.common.events.Category;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The outcome sweep's and the release's settings: documented defaults, and a bad value named at start. */
class OutcomeSweepConfigTest {

    static OrchestratorProperties bind(Map<String, String> props) {
        return new Binder(new MapConfigurationPropertySource(props)).bindOrCreate("aof.orchestrator",
                OrchestratorProperties.class);
    }

    @Test
    void theShippedDefaultsWaitRecoverysDeadlinePlusAMarginThenAskSixTimes() {
        for (OrchestratorProperties p : new OrchestratorProperties[] {bind(Map.of()), ShippedConfig.load()}) {
            assertThat(p.outcomeSweep().deadline()).isEqualTo(Duration.ofMinutes(45));
            assertThat(p.outcomeSweep().askInterval()).isEqualTo(Duration.ofMinutes(10));
            assertThat(p.outcomeSweep().maxAsks()).isEqualTo(6);
            assertThat(p.outcomeSweep().interval()).isEqualTo(Duration.ofMinutes(1));
            assertThat(p.suppressionReleaseInterval()).isEqualTo(Duration.ofSeconds(30));
        }
        assertThat(new PolicyBook(ShippedConfig.load().policies()).forCategory(Category.TIMEOUT).afterSuppression())
                .isEqualTo(OrchestratorProperties.AfterSuppression.SCHEDULE);
    }

    @Test
    void theShippedPoliciesEscalateWhatNeedsASuperAdminNotBadDataOrMissingRecords() {
        PolicyBook shipped = new PolicyBook(ShippedConfig.load().policies());
        assertThat(shipped.forCategory(Category.DATA_VALIDATION).escalate()).isFalse();
        assertThat(shipped.forCategory(Category.NOT_FOUND).escalate()).isFalse();
        for (Category c : new Category[] {Category.AUTH, Category.CONFIGURATION, Category.TIMEOUT,
                Category.UPSTREAM_5XX}) {
            assertThat(shipped.forCategory(c).escalate()).as(c.name()).isTrue();
        }
    }

    @Test
    void aBadValueStopsTheServiceNamingTheKey() {
        assertThatThrownBy(() -> bind(Map.of("aof.orchestrator.outcome-sweep.max-asks", "0")))
                .rootCause().hasMessageContaining("aof.orchestrator.outcome-sweep.max-asks");
        assertThatThrownBy(() -> bind(Map.of("aof.orchestrator.outcome-sweep.deadline", "0s")))
                .rootCause().hasMessageContaining("aof.orchestrator.outcome-sweep.deadline");
        assertThatThrownBy(() -> bind(Map.of("aof.orchestrator.suppression-release-interval", "-1s")))
                .rootCause().hasMessageContaining("aof.orchestrator.suppression-release-interval");
    }
}
