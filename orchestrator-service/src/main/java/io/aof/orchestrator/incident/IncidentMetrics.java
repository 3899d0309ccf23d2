package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** {@code aof.incidents} gauge by state, refreshed from the database (so it is right with several instances). */
@Component
class IncidentMetrics {

    private static final Logger log = LoggerFactory.getLogger(IncidentMetrics.class);

    private final IncidentRepository incidents;
    private final Map<IncidentState, AtomicLong> byState = new EnumMap<>(IncidentState.class);

    IncidentMetrics(IncidentRepository incidents, MeterRegistry meters) {
        this.incidents = incidents;
        for (IncidentState s : IncidentState.values()) {
            AtomicLong value = new AtomicLong();
            byState.put(s, value);
            Gauge.builder("aof.incidents", value, AtomicLong::get).description("incidents by state")
                    .tag("state", s.name()).register(meters);
        }
    }

    @Scheduled(fixedDelayString = "${aof.orchestrator.metrics-interval:15s}", initialDelay = 0)
    void refresh() {
        try {
            Map<String, Long> counts = incidents.countByState();
            byState.forEach((state, value) -> value.set(counts.getOrDefault(state.name(), 0L)));
        } catch (RuntimeException e) {
            log.debug("incident gauge not refreshed: {}", e.toString());
        }
    }
}
