package io.aof.orchestrator.incident;

import io.aof.orchestrator.policy.PolicyController;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.stereotype.Component;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /actuator/aof} (operator credentials): incidents by state and the
 * policies in force, in one look for whoever is on call.
 */
@Component
@Endpoint(id = "aof")
class AofEndpoint {

    private final IncidentRepository incidents;
    private final PolicyController policies;

    AofEndpoint(IncidentRepository incidents, PolicyController policies) {
        this.incidents = incidents;
        this.policies = policies;
    }

    @ReadOperation
    Map<String, Object> summary() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("incidentsByState", incidents.countByState());
        view.put("policies", policies.policies());
        return view;
    }
}
