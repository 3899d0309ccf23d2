package io.aof.orchestrator.incident;

import io.aof.orchestrator.policy.OrchestratorProperties;
import io.aof.orchestrator.policy.PolicyBook;
import io.aof.orchestrator.policy.PolicyView;
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

    private final IncidentStore incidents;
    private final PolicyBook policies;
    private final OrchestratorProperties props;

    AofEndpoint(IncidentStore incidents, PolicyBook policies, OrchestratorProperties props) {
        this.incidents = incidents;
        this.policies = policies;
        this.props = props;
    }

    @ReadOperation
    Map<String, Object> summary() {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("incidentsByState", incidents.countByState());
        view.put("policies", PolicyView.of(policies, props));
        return view;
    }
}
