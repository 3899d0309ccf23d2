package io.aof.orchestrator.policy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Outage awareness's settings: the documented defaults (bound and shipped), overrides, and bad values named. */
class OutageConfigTest {

    @Test
    void theDefaultsAreTheDocumentedOnesBoundAndShipped() {
        for (OrchestratorProperties p : new OrchestratorProperties[] {OutcomeSweepConfigTest.bind(Map.of()),
                ShippedConfig.load()}) {
            OrchestratorProperties.Outages o = p.outages();
            assertThat(o).isEqualTo(OrchestratorProperties.Outages.defaults());
            assertThat(o.enabled()).isTrue();
            assertThat(o.thresholdsOf("netsuite")).isEqualTo(new OrchestratorProperties.Thresholds(5, 2,
                    Duration.ofMinutes(5)));
            assertThat(List.of(o.backoff(1), o.backoff(2), o.backoff(4), o.backoff(9))).containsExactly(
                    Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(15));
        }
    }

    @Test
    void anUpstreamsOwnThresholdsOverrideTheDefaultsFieldByField() {
        OrchestratorProperties p = OutcomeSweepConfigTest.bind(Map.of(
                "aof.orchestrator.outages.upstreams.netsuite.min-failures", "20",
                "aof.orchestrator.outages.window", "10m"));
        assertThat(p.outages().thresholdsOf("netsuite")).isEqualTo(new OrchestratorProperties.Thresholds(20, 2,
                Duration.ofMinutes(10)));
        assertThat(p.outages().thresholdsOf("salesforce")).isEqualTo(new OrchestratorProperties.Thresholds(5, 2,
                Duration.ofMinutes(10)));
    }

    @Test
    void aBadValueStopsTheServiceNamingTheKey() {
        assertThatThrownBy(() -> OutcomeSweepConfigTest.bind(Map.of("aof.orchestrator.outages.min-failures", "1")))
                .rootCause().hasMessageContaining("aof.orchestrator.outages.min-failures");
        assertThatThrownBy(() -> OutcomeSweepConfigTest.bind(Map.of("aof.orchestrator.outages.min-recipes", "9")))
                .rootCause().hasMessageContaining("aof.orchestrator.outages.min-recipes");
        assertThatThrownBy(() -> OutcomeSweepConfigTest.bind(Map.of(
                "aof.orchestrator.outages.upstreams.netsuite.window", "0s")))
                .rootCause().hasMessageContaining("aof.orchestrator.outages.upstreams.netsuite.window");
        assertThatThrownBy(() -> OutcomeSweepConfigTest.bind(Map.of("aof.orchestrator.outages.probe-backoff", "0s")))
                .rootCause().hasMessageContaining("aof.orchestrator.outages.probe-backoff");
    }
}
