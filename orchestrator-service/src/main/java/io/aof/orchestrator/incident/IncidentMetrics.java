package io.aof.orchestrator.incident;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.util.List;

/**
 * {@code aof.incidents} gauge by state and category, refreshed from the database
 * (so it is right with several orchestrator instances).
 */
@Component
class IncidentMetrics {

    private static final Logger log = LoggerFactory.getLogger(IncidentMetrics.class);

    private final IncidentStore incidents;
    private final MultiGauge byStateAndCategory;

    IncidentMetrics(IncidentStore incidents, MeterRegistry meters) {
        this.incidents = incidents;
        this.byStateAndCategory = MultiGauge.builder("aof.incidents").description("incidents by state and category")
                .register(meters);
    }

    @Scheduled(fixedDelayString = "${aof.orchestrator.metrics-interval:15s}", initialDelay = 0)
    void refresh() {
        try {
            List<MultiGauge.Row<?>> rows = incidents.countByStateAndCategory().stream()
                    .map(c -> MultiGauge.Row.of(Tags.of("state", c.state(), "category", c.category()), c.count()))
                    .<MultiGauge.Row<?>>map(r -> r).toList();
            byStateAndCategory.register(rows, true);
        } catch (RuntimeException e) {
            log.debug("incident gauge not refreshed: {}", e.toString());
        }
    }
}
