package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Incidents for people: list with filters, and one with its attempts. Errors are problem details. */
@RestController
class IncidentController {

    private static final int MAX_LIMIT = 500;

    private final IncidentRepository incidents;

    IncidentController(IncidentRepository incidents) {
        this.incidents = incidents;
    }

    @GetMapping("/api/incidents")
    List<Incident> list(@RequestParam(required = false) IncidentState state,
                        @RequestParam(required = false) Long recipeId,
                        @RequestParam(required = false) String category,
                        @RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw problem(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_LIMIT);
        }
        return incidents.list(state, recipeId, category, limit);
    }

    @GetMapping("/api/incidents/{id}")
    Map<String, Object> get(@PathVariable String id) {
        Incident incident = incidents.find(id)
                .orElseThrow(() -> problem(HttpStatus.NOT_FOUND, "No incident with id " + id));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("incident", incident);
        view.put("attempts", incidents.attempts(id));
        return view;
    }

    @GetMapping("/api/incidents/summary")
    Map<String, Long> summary() {
        return incidents.countByState();
    }

    private static ErrorResponseException problem(HttpStatus status, String detail) {
        return new ErrorResponseException(status, ProblemDetail.forStatusAndDetail(status, detail), null);
    }
}
